//! Routing a request to its operation, decoding it, and checking it against the description.

use super::{Auth, Operation, ParamIn, Request};

/// Matches `path` (after the source segment) against an operation's template; the path
/// parameters, decoded, when it matches.
pub(super) fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let template: Vec<&str> = template.trim_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
    if template.len() != actual.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, a) in template.iter().zip(&actual) {
        match (t.find('{'), t.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, suffix) = (&t[..open], &t[close + 1..]);
                let value = a.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                params.push((t[open + 1..close].to_owned(), decode(value, false)));
            }
            _ if t == a => {}
            _ => return None,
        }
    }
    Some(params)
}

/// Percent-decodes; `+` is a space in a query string.
pub(super) fn decode(text: &str, plus_is_space: bool) -> String {
    let text = if plus_is_space {
        text.replace('+', " ")
    } else {
        text.to_owned()
    };
    percent_encoding::percent_decode_str(&text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `a=1&b=2`, decoded.
pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name, true), decode(value, true))
        })
        .collect()
}

/// The body, decoded by its content type.
pub(super) fn decode_body(content_type: Option<&str>, raw: &str) -> serde_json::Value {
    use serde_json::Value;
    if raw.is_empty() {
        return Value::Null;
    }
    let essence = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if is_json(&essence) {
        if let Ok(value) = serde_json::from_str(raw) {
            return value;
        }
    } else if essence == "application/x-www-form-urlencoded" {
        return Value::Object(
            pairs(raw)
                .into_iter()
                .map(|(n, v)| (n, Value::String(v)))
                .collect(),
        );
    }
    Value::String(raw.to_owned())
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// What is wrong with a request to `operation`, if anything.
pub(super) fn check(operation: &Operation, request: &Request) -> Vec<String> {
    let mut problems = Vec::new();
    for param in operation.params.iter().filter(|p| p.required) {
        if request.param(param.name, param.location).is_none() {
            let location = match param.location {
                ParamIn::Path => "path",
                ParamIn::Query => "query",
                ParamIn::Header => "header",
                ParamIn::Cookie => "cookie",
            };
            problems.push(format!(
                "the required {location} parameter `{}` is missing",
                param.name
            ));
        }
    }
    for auth in operation.auth {
        let present = match auth {
            Auth::Basic => request
                .header("authorization")
                .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic ")),
            Auth::Bearer => request
                .header("authorization")
                .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ")),
            Auth::ApiKey { location, name } => request.param(name, *location).is_some(),
        };
        if !present {
            problems.push(match auth {
                Auth::Basic => "no HTTP Basic credentials (`Authorization: Basic …`)".to_owned(),
                Auth::Bearer => "no bearer token (`Authorization: Bearer …`)".to_owned(),
                Auth::ApiKey { name, .. } => format!("no API key `{name}`"),
            });
        }
    }
    if let Some(spec) = &operation.body {
        let sent_type = request.header("content-type");
        if request.raw_body.is_empty() {
            if spec.required {
                problems.push("the required request body is missing".to_owned());
            }
        } else {
            let expected = spec.content_type.split(';').next().unwrap_or("").trim();
            let sent = sent_type
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            let matches = sent.eq_ignore_ascii_case(expected)
                || (is_json(&expected.to_ascii_lowercase()) && is_json(&sent.to_ascii_lowercase()))
                || expected.ends_with("/*")
                || expected == "*/*";
            if !matches {
                problems.push(format!(
                    "the body's content type is `{sent}`, the description says `{expected}`"
                ));
            } else if is_json(&expected.to_ascii_lowercase()) && request.body.is_string() {
                problems.push("the body is not valid JSON".to_owned());
            }
            if let Some(object) = request.body.as_object() {
                for member in spec.members {
                    match object.get(member.name) {
                        None if member.required => problems.push(format!(
                            "the required body member `{}` is missing",
                            member.name
                        )),
                        Some(value) if !member.kind.accepts(value, member.nullable) => {
                            problems.push(format!(
                                "the body member `{}` should be {}, not `{value}`",
                                member.name,
                                member.kind.name()
                            ));
                        }
                        _ => {}
                    }
                }
            } else if !spec.members.is_empty() && spec.members.iter().any(|m| m.required) {
                problems.push("the body should be a JSON object".to_owned());
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates() {
        assert_eq!(
            match_path("/users/{id}/x", "/users/a%20b/x"),
            Some(vec![("id".to_owned(), "a b".to_owned())])
        );
        assert_eq!(
            match_path("/files/{name}.json", "/files/f.json"),
            Some(vec![("name".to_owned(), "f".to_owned())])
        );
        assert_eq!(match_path("/users/{id}", "/users"), None);
        assert_eq!(match_path("/v1/a", "/v1/b"), None);
    }

    #[test]
    fn forms_decode() {
        assert_eq!(
            decode_body(Some("application/x-www-form-urlencoded"), "a=1+2&b=%2F"),
            serde_json::json!({"a": "1 2", "b": "/"})
        );
    }
}
