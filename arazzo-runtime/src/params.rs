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
