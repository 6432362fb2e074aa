//! Selector Objects (Arazzo 1.1) of type `jsonpath`: the one node an RFC 9535 query selects.
//!
//! A selector must select exactly one node: nothing, or several, is
//! [`Error::Selection`] naming the step, the selector and how many it found; never a silent
//! `null`. Selectors of type `jsonpointer` (and JSONPath queries that are plain member and index
//! paths) are turned into JSON pointers by the generator and read like `$response.body#/…`;
//! `xpath` selectors are in [`crate::xpath`] (feature `xpath`).
//!
//! Called by generated code; not part of the public API.

use serde_json::Value;

use crate::Error;

/// A `jsonpath` selector's query, compiled once (keep it in a `static LazyLock`).
#[derive(Debug)]
pub struct JsonPathSelector {
    query: &'static str,
    compiled: Result<serde_json_path::JsonPath, serde_json_path::ParseError>,
}

impl JsonPathSelector {
    /// Compiles the query.
    pub fn new(query: &'static str) -> Self {
        Self {
            query,
            compiled: serde_json_path::JsonPath::parse(query),
        }
    }

    /// The one node the query selects in `context` (its root `$`), cloned.
    ///
    /// # Errors
    /// [`Error::Selection`] when it selects no node or several; [`Error::Expression`] when the
    /// query did not compile (the generator checks it first, so only with a hand-edited file).
    pub fn select(&self, step: &'static str, context: &Value) -> Result<Value, Error> {
        let path = self.compiled.as_ref().map_err(|error| Error::Expression {
            step,
            kind: "jsonpath",
            expression: self.query,
            message: error.to_string(),
        })?;
        let nodes = path.query(context).all();
        match nodes.as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(Error::Selection {
                step,
                kind: "jsonpath",
                selector: self.query,
                found: nodes.len(),
            }),
        }
    }

    /// Sets every node the query selects in `body` (a request body) to `value`: a payload
    /// replacement whose `targetSelectorType` is `jsonpath`. Returns how many were set.
    ///
    /// # Errors
    /// [`Error::Body`] when the query selects no node (the target is not in the body, as for a
    /// JSON pointer target); [`Error::Expression`] when the query did not compile.
    pub fn replace_in(
        &self,
        step: &'static str,
        body: &mut Value,
        value: Value,
    ) -> Result<usize, Error> {
        let path = self.compiled.as_ref().map_err(|error| Error::Expression {
            step,
            kind: "jsonpath",
            expression: self.query,
            message: error.to_string(),
        })?;
        let mut pointers: Vec<String> = path
            .query_located(body)
            .locations()
            .map(|location| location.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            return Err(Error::Body {
                step,
                message: format!(
                    "the replacement target `{}` (jsonpath) selects no node in the request body",
                    self.query
                ),
            });
        }
        // Inner nodes first, so that a node inside another selected one is still there.
        pointers.sort_by_key(|pointer| std::cmp::Reverse(pointer.matches('/').count()));
        for pointer in &pointers {
            if let Some(node) = body.pointer_mut(pointer) {
                *node = value.clone();
            }
        }
        Ok(pointers.len())
    }

    /// The one node the query selects in the JSON text `body`: a body that is not JSON is
    /// [`Error::Expression`].
    ///
    /// # Errors
    /// As [`JsonPathSelector::select`], and when `body` is not JSON.
    pub fn select_in(&self, step: &'static str, body: &crate::Response) -> Result<Value, Error> {
        match body.body().as_json() {
            Some(json) => self.select(step, json),
            None => Err(Error::Expression {
                step,
                kind: "jsonpath",
                expression: self.query,
                message: "the response body is not JSON".to_owned(),
            }),
        }
    }
}

/// The text of a response body as received: the context of an `xpath` criterion or selector
/// on `$response.body` (bytes that are not UTF-8 are replaced by U+FFFD, which XML then rejects
/// only where they are).
pub fn body_text(response: &crate::Response) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(response.bytes())
}

/// The XML text an `xpath` criterion or selector reads from another value (an input, a step's
/// output): it must be a string.
///
/// # Errors
/// [`Error::Expression`] naming `expression` when the value is not a string.
pub fn xml_text<'v>(
    step: &'static str,
    expression: &'static str,
    value: &'v Value,
) -> Result<&'v str, Error> {
    value.as_str().ok_or_else(|| Error::Expression {
        step,
        kind: "xpath",
        expression,
        message: format!("its context is not XML text but {}", kind_of(value)),
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null (absent)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn exactly_one_node_or_a_typed_error() {
        let body = json!({"pets": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]});
        let one = JsonPathSelector::new("$.pets[?@.id == 2].name");
        assert_eq!(one.select("s", &body).ok(), Some(json!("b")));
        let none = JsonPathSelector::new("$.pets[?@.id == 3].name");
        assert!(matches!(
            none.select("s", &body),
            Err(Error::Selection { found: 0, .. })
        ));
        let several = JsonPathSelector::new("$.pets[*].id");
        assert!(matches!(
            several.select("s", &body),
            Err(Error::Selection { found: 2, .. })
        ));
        // A selected `null` is a node: it is the value.
        assert_eq!(
            JsonPathSelector::new("$.a")
                .select("s", &json!({"a": null}))
                .ok(),
            Some(Value::Null)
        );
        assert!(matches!(
            JsonPathSelector::new("$[").select("s", &body),
            Err(Error::Expression { .. })
        ));
    }

    #[test]
    fn a_jsonpath_target_sets_every_node_it_selects_and_none_is_an_error() {
        let mut body = json!({"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}, {"sku": "A", "qty": 3}]});
        let target = JsonPathSelector::new("$.items[?@.sku == 'A'].qty");
        assert_eq!(target.replace_in("s", &mut body, json!(0)).ok(), Some(2));
        assert_eq!(
            body,
            json!({"items": [{"sku": "A", "qty": 0}, {"sku": "B", "qty": 2}, {"sku": "A", "qty": 0}]})
        );
        let none = JsonPathSelector::new("$.items[?@.sku == 'C'].qty");
        assert!(matches!(
            none.replace_in("s", &mut body, json!(0)),
            Err(Error::Body { step: "s", .. })
        ));
        // Nested selections: the outer node is set last, and wins.
        let mut nested = json!({"a": {"a": 1}});
        assert_eq!(
            JsonPathSelector::new("$..a")
                .replace_in("s", &mut nested, json!(7))
                .ok(),
            Some(2)
        );
        assert_eq!(nested, json!({"a": 7}));
    }
}
