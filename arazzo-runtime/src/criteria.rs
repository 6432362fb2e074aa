//! What compiled success criteria call at run time: loose comparison of JSON values, and
//! regular expressions and JSONPath queries compiled once per process.
//!
//! The generator decides everything it can at compile time (a status code compared with a number
//! is a plain `!=`); these functions cover comparisons whose operands are only known as JSON,
//! with the rules written down in `docs/conditions.md`.
//!
//! Called by generated code; not part of the public API.

mod checked;

use std::cmp::Ordering;

use serde_json::Value;

use crate::Error;

pub use checked::{FailedCriterion, Why, compare_checked, failed, is_true_checked};

/// A comparison operator of a `simple` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// How two values compare, or `None` when they cannot be ordered (then only `!=` holds).
fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::String(a), Value::String(b)) => {
            // Arazzo: "String comparisons MUST be case insensitive."
            Some(a.to_lowercase().cmp(&b.to_lowercase()))
        }
        (Value::Bool(a), Value::Bool(b)) => (a == b).then_some(Ordering::Equal),
        (Value::Bool(a), Value::String(s)) | (Value::String(s), Value::Bool(a)) => {
            (s.eq_ignore_ascii_case(if *a { "true" } else { "false" })).then_some(Ordering::Equal)
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
            (left == right).then_some(Ordering::Equal)
        }
        // Numbers, and numeric strings against numbers, compare as numbers.
        _ => number(left)?.partial_cmp(&number(right)?),
    }
}

/// Compares two values the way `simple` conditions do: numbers (and numeric strings) as
/// numbers, strings without regard to case, `null` equal only to `null`, booleans and structures
/// only for (in)equality. A comparison that makes no sense is false (and its `!=` true).
pub fn compare(left: &Value, op: Op, right: &Value) -> bool {
    let ordering = order(left, right);
    match op {
        Op::Eq => ordering == Some(Ordering::Equal),
        Op::Ne => ordering != Some(Ordering::Equal),
        Op::Lt => ordering == Some(Ordering::Less),
        Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => ordering == Some(Ordering::Greater),
        Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// A condition that is a value on its own holds when the value is `true`.
pub fn is_true(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

/// The text a regular expression is matched against: a string as it is, `null` as nothing (the
/// criterion fails), anything else as its JSON text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A `regex` criterion's pattern, compiled once (keep it in a `static LazyLock`).
///
/// The pattern was validated when the code was generated, with the same engine; should it
/// somehow fail to compile here, evaluating it is an error, never a panic.
#[derive(Debug)]
pub struct Regex(Result<regex::Regex, regex::Error>);

impl Regex {
    /// Compiles the pattern.
    pub fn new(pattern: &str) -> Self {
        Self(regex::Regex::new(pattern))
    }

    /// Whether the pattern matches anywhere in the context's text (a search, not a whole-string
    /// match: anchor with `^…$` to match all of it). A `null` context never matches.
    ///
    /// # Errors
    /// [`Error::Criterion`] if the pattern did not compile.
    pub fn is_match(&self, step: &'static str, context: &Value) -> Result<bool, Error> {
        let regex = self.0.as_ref().map_err(|error| Error::Criterion {
            step,
            message: error.to_string(),
        })?;
        Ok(text(context).is_some_and(|text| regex.is_match(&text)))
    }
}

/// A `jsonpath` criterion's query (RFC 9535), compiled once (keep it in a `static LazyLock`).
#[derive(Debug)]
pub struct JsonPath(Result<serde_json_path::JsonPath, serde_json_path::ParseError>);

impl JsonPath {
    /// Compiles the query.
    pub fn new(query: &str) -> Self {
        Self(serde_json_path::JsonPath::parse(query))
    }

    /// Whether the query, run with the context value as its root `$`, selects at least one node.
    ///
    /// # Errors
    /// [`Error::Criterion`] if the query did not compile.
    pub fn matches(&self, step: &'static str, context: &Value) -> Result<bool, Error> {
        let path = self.0.as_ref().map_err(|error| Error::Criterion {
            step,
            message: error.to_string(),
        })?;
        Ok(!path.query(context).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn loose_comparison() {
        assert!(compare(&json!(200), Op::Eq, &json!(200)));
        assert!(compare(&json!("200"), Op::Eq, &json!(200)));
        assert!(compare(&json!(2.5), Op::Lt, &json!("3")));
        assert!(compare(&json!("Active"), Op::Eq, &json!("active")));
        assert!(compare(&json!("b"), Op::Gt, &json!("A")));
        assert!(compare(&json!(null), Op::Eq, &json!(null)));
        assert!(!compare(&json!(null), Op::Eq, &json!(0)));
        assert!(compare(&json!(null), Op::Ne, &json!(0)));
        assert!(!compare(&json!(null), Op::Lt, &json!(1)));
        assert!(compare(&json!(true), Op::Eq, &json!(true)));
        assert!(compare(&json!(true), Op::Eq, &json!("TRUE")));
        assert!(!compare(&json!(true), Op::Gt, &json!(false)));
        assert!(compare(&json!([1, 2]), Op::Eq, &json!([1, 2])));
        assert!(!compare(&json!({"a": 1}), Op::Lt, &json!({"a": 2})));
        assert!(!compare(&json!("abc"), Op::Lt, &json!(1)));
        assert!(compare(&json!("abc"), Op::Ne, &json!(1)));
    }

    #[test]
    fn regex_searches_and_null_fails() {
        let regex = Regex::new("^2\\d\\d$");
        assert_eq!(regex.is_match("s", &json!(204)).ok(), Some(true));
        assert_eq!(regex.is_match("s", &json!("404")).ok(), Some(false));
        assert_eq!(
            Regex::new("ok").is_match("s", &json!("is ok?")).ok(),
            Some(true)
        );
        assert_eq!(regex.is_match("s", &json!(null)).ok(), Some(false));
        assert!(Regex::new("(").is_match("s", &json!("x")).is_err());
    }

    #[test]
    fn jsonpath_selects_nodes() {
        let body = json!({"pets": [{"id": 1}], "count": 1});
        assert_eq!(
            JsonPath::new("$.pets[?@.id == 1]").matches("s", &body).ok(),
            Some(true)
        );
        assert_eq!(
            JsonPath::new("$.missing").matches("s", &body).ok(),
            Some(false)
        );
        // The specification's own example filters the members of the root object.
        assert_eq!(
            JsonPath::new("$[?count(@.pets) > 0]")
                .matches("s", &json!({"a": {"pets": [1]}}))
                .ok(),
            Some(true)
        );
        assert!(JsonPath::new("$.length > 0").matches("s", &body).is_err());
    }
}
