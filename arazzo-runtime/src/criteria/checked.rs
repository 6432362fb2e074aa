//! Condition evaluation as Arazzo 1.1 defines it, for the criteria of 1.1 documents: an
//! evaluation error (values that cannot be ordered, a JSONPath query applied to a body that is
//! not JSON, a pattern that does not compile) makes the criterion fail rather than the step
//! error out, and the reason is kept ([`Why`]) so that the step's error can say it
//! ([`FailedCriterion`]). `null` equals only `null`, as in 1.0 documents.
//!
//! Called by generated code; not part of the public API (except [`FailedCriterion`], which
//! `Error::Step` carries).

use serde_json::Value;

use super::{JsonPath, Op, Regex, compare, number, text};
use crate::Body;

/// The criterion of a step's `successCriteria` that did not hold, and, when it could not be
/// evaluated, why (Arazzo 1.1 documents).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedCriterion {
    /// Its position in `successCriteria`, from 0.
    pub index: usize,
    /// Its `condition`, as the document writes it.
    pub condition: &'static str,
    /// What made it fail when it could not be evaluated (a type mismatch, a JSONPath query on a
    /// body that is not JSON, …); `None` when it was evaluated and is false.
    pub evaluation_error: Option<String>,
}

impl std::fmt::Display for FailedCriterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "criterion {} `{}` ", self.index + 1, self.condition)?;
        match &self.evaluation_error {
            Some(error) => write!(f, "could not be evaluated: {error}"),
            None => f.write_str("does not hold"),
        }
    }
}

/// The criterion `index` (`condition` as written) was evaluated, and does not hold.
pub fn failed(index: usize, condition: &'static str) -> FailedCriterion {
    FailedCriterion {
        index,
        condition,
        evaluation_error: None,
    }
}

/// The evaluation error of the criterion being evaluated, if it met one: the first is kept.
#[derive(Debug, Default)]
pub struct Why(Option<String>);

impl Why {
    pub(crate) fn set(&mut self, reason: impl FnOnce() -> String) {
        if self.0.is_none() {
            self.0 = Some(reason());
        }
    }

    /// True when the criterion met an evaluation error (and so fails, whatever its value).
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// The criterion `index` (`condition` as written) failed: with the evaluation error, if any.
    pub fn failed(&mut self, index: usize, condition: &'static str) -> FailedCriterion {
        FailedCriterion {
            index,
            condition,
            evaluation_error: self.0.take(),
        }
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// [`compare`], where ordering (`<`, `<=`, `>`, `>=`) two values that have no order (a
/// string that is no number against a number, booleans, arrays, objects) is an evaluation error.
/// `null` against anything else is simply false (`null` equals only `null`); `==` and `!=`
/// between values of different types are false and true.
pub fn compare_checked(left: &Value, op: Op, right: &Value, why: &mut Why) -> bool {
    let ordering_op = !matches!(op, Op::Eq | Op::Ne);
    let orderable = matches!((left, right), (Value::String(_), Value::String(_)))
        || (number(left).is_some() && number(right).is_some());
    if ordering_op && !left.is_null() && !right.is_null() && !orderable {
        why.set(|| {
            format!(
                "`{}` and `{}` cannot be ordered (a type mismatch)",
                short(left),
                short(right)
            )
        });
        return false;
    }
    compare(left, op, right)
}

/// A value on its own: `true` holds, `false` and `null` fail; any other value is a type
/// mismatch.
pub fn is_true_checked(value: &Value, why: &mut Why) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        other => {
            why.set(|| format!("`{}` is not a boolean", short(other)));
            false
        }
    }
}

impl Regex {
    /// [`Regex::is_match`], where a pattern that did not compile is an evaluation error.
    pub fn is_match_checked(&self, context: &Value, why: &mut Why) -> bool {
        match &self.0 {
            Ok(regex) => text(context).is_some_and(|text| regex.is_match(&text)),
            Err(error) => {
                why.set(|| format!("the pattern does not compile: {error}"));
                false
            }
        }
    }
}

impl JsonPath {
    /// [`JsonPath::matches`], where a query that did not compile is an evaluation error.
    pub fn matches_checked(&self, context: &Value, why: &mut Why) -> bool {
        match &self.0 {
            Ok(path) => !path.query(context).is_empty(),
            Err(error) => {
                why.set(|| format!("the JSONPath query does not compile: {error}"));
                false
            }
        }
    }

    /// The query applied to a response body (`context: $response.body#<pointer>`): a body that
    /// is not JSON is an evaluation error.
    pub fn matches_body(&self, body: &Body, pointer: &str, why: &mut Why) -> bool {
        let Some(json) = body.as_json() else {
            why.set(|| "a JSONPath query applied to a response body that is not JSON".to_owned());
            return false;
        };
        match crate::pointer::get(json, pointer) {
            Some(context) => self.matches_checked(context, why),
            None => self.matches_checked(&Value::Null, why),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ordering_values_without_an_order_is_an_evaluation_error() {
        let mut why = Why::default();
        assert!(!compare_checked(&json!("abc"), Op::Lt, &json!(1), &mut why));
        assert!(why.is_set());
        let failed = why.failed(2, "$response.body#/name < 1");
        assert_eq!(failed.index, 2);
        assert!(
            failed
                .evaluation_error
                .is_some_and(|why| why.contains("type mismatch"))
        );

        let mut why = Why::default();
        assert!(compare_checked(&json!("2"), Op::Lt, &json!(3), &mut why));
        assert!(compare_checked(&json!("abc"), Op::Ne, &json!(1), &mut why));
        assert!(!compare_checked(&json!(null), Op::Eq, &json!(0), &mut why));
        assert!(compare_checked(&json!(null), Op::Ne, &json!(0), &mut why));
        assert!(!compare_checked(&json!(null), Op::Lt, &json!(1), &mut why));
        assert!(compare_checked(
            &json!(null),
            Op::Eq,
            &json!(null),
            &mut why
        ));
        assert!(!why.is_set());

        assert!(!compare_checked(
            &json!(true),
            Op::Gt,
            &json!(false),
            &mut why
        ));
        assert!(why.is_set());
    }

    #[test]
    fn truthy_values_are_booleans() {
        let mut why = Why::default();
        assert!(is_true_checked(&json!(true), &mut why));
        assert!(!is_true_checked(&json!(null), &mut why));
        assert!(!why.is_set());
        assert!(!is_true_checked(&json!("yes"), &mut why));
        assert!(why.is_set());
    }

    #[test]
    fn jsonpath_on_a_body_that_is_not_json_fails_with_a_reason() {
        let query = JsonPath::new("$.pets[0]");
        let mut why = Why::default();
        assert!(query.matches_body(&Body::from_bytes(br#"{"pets":[1]}"#), "", &mut why));
        assert!(!why.is_set());
        assert!(!query.matches_body(&Body::from_bytes(b"<pets/>"), "", &mut why));
        assert!(why.is_set());
        let mut why = Why::default();
        assert!(!Regex::new("(").is_match_checked(&json!("x"), &mut why));
        assert!(why.is_set());
    }
}
