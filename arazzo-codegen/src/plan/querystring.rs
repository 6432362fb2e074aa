//! The plan of an OpenAPI 3.2 `in: querystring` parameter (Arazzo 1.1): one value that is the
//! whole query string, and how it is encoded.

use super::ValuePlan;

/// A step's whole query string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QueryStringPlan {
    /// The parameter's name (for docs; the name is not sent).
    pub(crate) name: String,
    /// Its value: a string, usually a template (`a={$inputs.a}&b=2`).
    pub(crate) value: ValuePlan,
    /// How the text is encoded, from the parameter's `content` media type.
    pub(crate) encoding: QueryEncoding,
}

/// How a query string is encoded (`arazzo_runtime::form_query` / `component_query`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QueryEncoding {
    /// `application/x-www-form-urlencoded`: the text is `key=value&…`; each embedded value is
    /// percent-encoded, the text as written keeps its separators.
    Form,
    /// Any other media type (`application/json`, …): the whole text is one percent-encoded
    /// component; embedded values are escaped for JSON text when the media type is JSON.
    Component {
        /// True for a JSON media type.
        json: bool,
    },
}
