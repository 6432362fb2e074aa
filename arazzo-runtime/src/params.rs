//! Parameter serialization, as OpenAPI defines it for path, query, header and cookie values.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Characters left as they are in a path segment: RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How a query parameter's array or object value is written (OpenAPI `style` and `explode`).
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryStyle {
    /// `style: form, explode: true` (the default): `id=3&id=4`, `role=admin&name=Ada`.
    Form,
    /// `style: form, explode: false`: `id=3,4`, `point=x,1,y,2`.
    FormNoExplode,
    /// `style: spaceDelimited`: `id=3%204`.
    SpaceDelimited,
    /// `style: pipeDelimited`: `id=3|4`.
    PipeDelimited,
    /// `style: deepObject`: `point[x]=1&point[y]=2`.
    DeepObject,
}

/// The text of a scalar: a string as it is, anything else as JSON.
pub(crate) fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `simple` style of path and header values: scalars as text, arrays as `a,b`, objects as
/// `k1,v1,k2,v2`.
pub(crate) fn simple(value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(members) => members
            .iter()
            .flat_map(|(k, v)| [k.clone(), scalar(v)])
            .collect::<Vec<_>>()
            .join(","),
        other => scalar(other),
    }
}

/// A path parameter's value, serialized (`simple` style) and percent-encoded for one segment.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub fn path_segment(value: &Value) -> String {
    utf8_percent_encode(&simple(value), PATH_SEGMENT).to_string()
}

/// A path parameter's value for its segment, as [`path_segment`], unless the value is `.` or
/// `..` in any spelling (`%2e`, `%2E%2e`, percent-encoded more than once), which would take
/// the request to another path: then [`Error::UnsafeParameter`](crate::Error::UnsafeParameter)
/// naming the step and the parameter. Every other value (`a/../b`, `?x=1`, `#frag`, `/`, line
/// breaks) is percent-encoded into its one segment.
///
/// # Errors
/// [`Error::UnsafeParameter`](crate::Error::UnsafeParameter) for a dot-segment.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub fn path_param(
    step: &'static str,
    parameter: &'static str,
    value: &Value,
) -> Result<String, crate::Error> {
    let text = simple(value);
    if text.is_empty() {
        return Err(crate::Error::UnsafeParameter {
            step,
            location: "path",
            parameter: parameter.to_owned(),
            reason: "is empty, which would leave an empty path segment (`//`, which many servers merge)",
        });
    }
    if is_dot_segment(&text) {
        return Err(crate::Error::UnsafeParameter {
            step,
            location: "path",
            parameter: parameter.to_owned(),
            reason: "is a dot-segment (`.` or `..`, perhaps percent-encoded), which would change the path",
        });
    }
    Ok(utf8_percent_encode(&text, PATH_SEGMENT).to_string())
}

/// True for `.` and `..`, also percent-encoded, once or several times, in any case.
fn is_dot_segment(text: &str) -> bool {
    let mut current = std::borrow::Cow::Borrowed(text);
    // Each round removes at least one level of encoding; a dot-segment is at most 2 dots.
    for _ in 0..8 {
        if current == "." || current == ".." {
            return true;
        }
        if !current.contains('%') || current.len() > 64 {
            return false;
        }
        let decoded: String = percent_encoding::percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == current {
            return false;
        }
        current = std::borrow::Cow::Owned(decoded);
    }
    false
}

/// The `name=value` pairs of one query parameter.
pub(crate) fn query_pairs(name: &str, value: &Value, style: QueryStyle) -> Vec<(String, String)> {
    let pair = |k: &str, v: String| (k.to_owned(), v);
    match (value, style) {
        (Value::Array(items), QueryStyle::Form | QueryStyle::DeepObject) => {
            items.iter().map(|item| pair(name, scalar(item))).collect()
        }
        (Value::Array(items), other) => {
            let separator = match other {
                QueryStyle::SpaceDelimited => " ",
                QueryStyle::PipeDelimited => "|",
                _ => ",",
            };
            let joined = items.iter().map(scalar).collect::<Vec<_>>().join(separator);
            vec![pair(name, joined)]
        }
        (Value::Object(members), QueryStyle::Form) => {
            members.iter().map(|(k, v)| pair(k, scalar(v))).collect()
        }
        (Value::Object(members), QueryStyle::DeepObject) => members
            .iter()
            .map(|(k, v)| (format!("{name}[{k}]"), scalar(v)))
            .collect(),
        (Value::Object(_), _) => vec![pair(name, simple(value))],
        (other, _) => vec![pair(name, scalar(other))],
    }
}

/// The text of a form field or multipart part: strings as they are, anything else as JSON.
pub(crate) fn field(value: &Value) -> String {
    scalar(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment(&json!("a b/c?d")), "a%20b%2Fc%3Fd");
        assert_eq!(path_segment(&json!(42)), "42");
        assert_eq!(path_segment(&json!(["x", "y"])), "x%2Cy");
        assert_eq!(path_segment(&json!("é-_.~")), "%C3%A9-_.~");
    }

    #[test]
    fn empty_and_dot_segment_path_values_are_refused() {
        for value in ["", ".", "..", "%2e", "%2E%2e", "%252e%252e"] {
            let error = path_param("step", "id", &json!(value)).expect_err(value);
            assert!(
                matches!(error, crate::Error::UnsafeParameter { step: "step", .. }),
                "{value}: {error:?}"
            );
        }
        assert_eq!(
            path_param("step", "id", &json!("...")).ok().as_deref(),
            Some("...")
        );
        assert_eq!(
            path_param("step", "id", &json!("a/../b")).ok().as_deref(),
            Some("a%2F..%2Fb")
        );
    }

    #[test]
    fn query_styles() {
        let pairs = |v: Value, s| query_pairs("id", &v, s);
        let p = |items: &[(&str, &str)]| {
            items
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(json!([3, 4]), QueryStyle::Form),
            p(&[("id", "3"), ("id", "4")])
        );
        assert_eq!(
            pairs(json!([3, 4]), QueryStyle::FormNoExplode),
            p(&[("id", "3,4")])
        );
        assert_eq!(
            pairs(json!([3, 4]), QueryStyle::SpaceDelimited),
            p(&[("id", "3 4")])
        );
        assert_eq!(
            pairs(json!([3, 4]), QueryStyle::PipeDelimited),
            p(&[("id", "3|4")])
        );
        assert_eq!(
            pairs(json!({"x": 1, "y": "b"}), QueryStyle::Form),
            p(&[("x", "1"), ("y", "b")])
        );
        assert_eq!(
            pairs(json!({"x": 1}), QueryStyle::FormNoExplode),
            p(&[("id", "x,1")])
        );
        assert_eq!(
            pairs(json!({"x": 1}), QueryStyle::DeepObject),
            p(&[("id[x]", "1")])
        );
        assert_eq!(pairs(json!("a b"), QueryStyle::Form), p(&[("id", "a b")]));
        assert_eq!(pairs(json!(true), QueryStyle::Form), p(&[("id", "true")]));
    }
}

#[cfg(test)]
mod dot_segments {
    use super::*;

    #[test]
    fn dots_in_any_spelling_fail_and_the_rest_stays_in_its_segment() {
        for value in [
            ".",
            "..",
            "%2e",
            "%2E",
            "%2e%2E",
            ".%2e",
            "%2E.",
            "%252e%252e",
            "%25252E",
        ] {
            assert!(
                matches!(
                    path_param("s", "deviceId", &Value::String(value.to_owned())),
                    Err(crate::Error::UnsafeParameter {
                        step: "s",
                        location: "path",
                        ..
                    })
                ),
                "{value}"
            );
        }
        for (value, encoded) in [
            ("a/../b", "a%2F..%2Fb"),
            ("?x=1", "%3Fx%3D1"),
            ("#frag", "%23frag"),
            ("/", "%2F"),
            ("a\r\nb", "a%0D%0Ab"),
            ("...", "..."),
            ("%2e%2e%2e", "%252e%252e%252e"),
        ] {
            assert_eq!(
                path_param("s", "p", &Value::String(value.to_owned()))
                    .ok()
                    .as_deref(),
                Some(encoded)
            );
        }
    }
}
