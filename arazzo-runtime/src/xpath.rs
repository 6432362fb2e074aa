//! XPath over XML bodies (feature `xpath`): `xpath` criteria and Selector Objects, evaluated by
//! [`xee-xpath`](https://docs.rs/xee-xpath) (XPath 3.1).
//!
//! An expression is compiled once per thread, the first time it is evaluated there: the
//! compiled program of `xee-xpath` is reference-counted (`Rc`), so it cannot be shared between
//! threads through a `static`. The generator has checked its syntax already.
//!
//! - A criterion holds when the result's Effective Boolean Value is true (XPath 2.0, 3.0, 3.1:
//!   an empty sequence is false, a sequence starting with a node true, a single boolean, string
//!   or number by its value, anything else an error); for `xpath-10`, by XPath 1.0's
//!   `boolean()`: a node-set is true when it is not empty, a number when it is neither zero nor
//!   NaN, a string when it is not empty.
//! - A selector yields the string value of the one item selected (a node's text content, an
//!   atomic value's canonical text); nothing, or several items, is [`Error::Selection`].
//!
//! Every expression is evaluated by the XPath 3.1 engine whatever its version: XPath 3.1 reads
//! the expressions of the earlier versions, bar XPath 1.0's compatibility-mode comparisons.
//!
//! Called by generated code; not part of the public API.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use xee_xpath::{Documents, Item, Queries, Query, Sequence};

use crate::Error;

/// The XPath version of an Expression Type Object (`xpath-31` when none is given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `xpath-10`: results convert to booleans by XPath 1.0's `boolean()`.
    V10,
    /// `xpath-20`.
    V20,
    /// `xpath-30`.
    V30,
    /// `xpath-31` (the default).
    V31,
}

/// An XPath expression of a criterion or a selector, compiled on first use.
#[derive(Debug)]
pub struct XPath {
    expression: &'static str,
    version: Version,
}

thread_local! {
    /// The expressions compiled on this thread, by their text.
    static COMPILED: RefCell<HashMap<&'static str, Rc<xee_xpath::query::SequenceQuery>>> =
        RefCell::new(HashMap::new());
}

impl XPath {
    /// An expression of the given version (nothing is compiled yet).
    pub const fn new(expression: &'static str, version: Version) -> Self {
        Self {
            expression,
            version,
        }
    }

    fn failed(&self, step: &'static str, error: &xee_xpath::error::Error) -> Error {
        let message = error.error.message().trim().trim_end_matches('.');
        self.error(step, format!("{message} ({})", error.error.code()))
    }

    fn error(&self, step: &'static str, message: impl std::fmt::Display) -> Error {
        Error::Expression {
            step,
            kind: "xpath",
            expression: self.expression,
            message: message.to_string(),
        }
    }

    /// Evaluates the expression with the document element of `xml` as its context: the result
    /// sequence and the documents (whose tree gives nodes their string values).
    fn evaluate(&self, step: &'static str, xml: &str) -> Result<(Sequence, Documents), Error> {
        let query = COMPILED.with(|compiled| {
            if let Some(query) = compiled.borrow().get(self.expression) {
                return Ok(Rc::clone(query));
            }
            let query = Rc::new(
                Queries::default()
                    .sequence(self.expression)
                    .map_err(|error| self.failed(step, &error))?,
            );
            compiled
                .borrow_mut()
                .insert(self.expression, Rc::clone(&query));
            Ok(query)
        })?;
        let mut documents = Documents::new();
        let document = documents
            .add_string_without_uri(xml)
            .map_err(|error| self.error(step, format!("the context is not XML: {error}")))?;
        let sequence = query
            .execute(&mut documents, document)
            .map_err(|error| self.failed(step, &error))?;
        Ok((sequence, documents))
    }

    /// Whether an `xpath` criterion holds over the XML text `xml`.
    ///
    /// # Errors
    /// [`Error::Expression`] when `xml` is not XML, or the expression raises an error (an
    /// Effective Boolean Value that does not exist is one).
    pub fn holds(&self, step: &'static str, xml: &str) -> Result<bool, Error> {
        let (sequence, _documents) = self.evaluate(step, xml)?;
        match self.version {
            Version::V10 => boolean_1_0(&sequence).ok_or_else(|| {
                self.error(
                    step,
                    "the result has no XPath 1.0 boolean value (a sequence of several values)",
                )
            }),
            Version::V20 | Version::V30 | Version::V31 => sequence
                .effective_boolean_value()
                .map_err(|error| self.failed(step, &error.into())),
        }
    }

    /// [`XPath::holds`] for a criterion of an Arazzo 1.1 document: an evaluation error (the
    /// context is not XML, the expression raises an error) makes the criterion fail, and is kept
    /// in `why` for the step's error.
    pub fn holds_checked(
        &self,
        step: &'static str,
        xml: &str,
        why: &mut crate::criteria::Why,
    ) -> bool {
        self.holds(step, xml).unwrap_or_else(|error| {
            why.set(|| error.to_string());
            false
        })
    }

    /// The string value of the one item a selector selects in the XML text `xml`.
    ///
    /// # Errors
    /// [`Error::Selection`] when it selects no item or several; [`Error::Expression`] when
    /// `xml` is not XML or the expression raises an error.
    pub fn select(&self, step: &'static str, xml: &str) -> Result<String, Error> {
        let (sequence, documents) = self.evaluate(step, xml)?;
        if sequence.len() != 1 {
            return Err(Error::Selection {
                step,
                kind: "xpath",
                selector: self.expression,
                found: sequence.len(),
            });
        }
        sequence
            .string_value(documents.xot())
            .map_err(|error| self.failed(step, &error.into()))
    }
}

/// XPath 1.0's `boolean()` of a result: `None` for a sequence XPath 1.0 cannot produce.
fn boolean_1_0(sequence: &Sequence) -> Option<bool> {
    let first = sequence.get(0);
    match first {
        None => Some(false),
        Some(Item::Node(_)) => Some(true),
        Some(_) if sequence.len() > 1 => None,
        Some(item) => item.effective_boolean_value().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str =
        "<pets><pet id='1'><name>Rex</name></pet><pet id='2'><name>Tom</name></pet></pets>";

    #[test]
    fn criteria_use_the_effective_boolean_value() {
        let holds = |e: &'static str, v| XPath::new(e, v).holds("s", XML).ok();
        assert_eq!(holds("/pets/pet[@id = '2']", Version::V31), Some(true));
        assert_eq!(holds("/pets/pet[@id = '3']", Version::V31), Some(false));
        assert_eq!(holds("count(/pets/pet) = 2", Version::V20), Some(true));
        assert_eq!(holds("string(/pets/pet[1]/name)", Version::V30), Some(true));
        assert_eq!(holds("count(/pets/pet) - 2", Version::V10), Some(false));
        assert_eq!(holds("/pets/pet/name", Version::V10), Some(true));
        // Several atomic values have no Effective Boolean Value.
        assert!(XPath::new("(1, 2)", Version::V31).holds("s", XML).is_err());
        assert!(XPath::new("(1, 2)", Version::V10).holds("s", XML).is_err());
        assert!(
            XPath::new("/pets", Version::V31)
                .holds("s", "not xml")
                .is_err()
        );
    }

    #[test]
    fn selectors_yield_one_string_value() {
        let select = |e: &'static str| XPath::new(e, Version::V31).select("s", XML);
        assert_eq!(
            select("/pets/pet[@id = '2']/name").ok().as_deref(),
            Some("Tom")
        );
        assert_eq!(select("/pets/pet[1]/@id").ok().as_deref(), Some("1"));
        assert_eq!(select("count(/pets/pet)").ok().as_deref(), Some("2"));
        assert!(matches!(
            select("/pets/pet/name"),
            Err(Error::Selection { found: 2, .. })
        ));
        assert!(matches!(
            select("/pets/cat"),
            Err(Error::Selection { found: 0, .. })
        ));
    }
}
