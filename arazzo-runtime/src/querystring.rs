//! OpenAPI 3.2's `in: querystring` parameter (Arazzo 1.1): one value that is the whole query
//! string of the request, encoded as the parameter's `content` media type says.
//!
//! - `application/x-www-form-urlencoded`: the text is already `key=value&…`; each value taken
//!   from an embedded expression was percent-encoded when the text was built
//!   ([`form_part`](crate::form_part)), and [`form_query`] escapes only what a query cannot hold
//!   (a space, `#`, a control character, non-ASCII …), keeping `&`, `=`, `+` and `%` as written.
//! - any other media type (`application/json`, …): the text is one component, percent-encoded
//!   whole ([`component_query`]), so that `{"a":1}` is sent as `%7B%22a%22%3A1%7D`.

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a query string written as `key=value&…` may not hold as it is: controls, space, `"`,
/// `#`, `<`, `>`, `` ` ``, `{`, `}`, `|`, `\`, `^`, `[`, `]` (and every non-ASCII byte).
const QUERY_TEXT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// Everything but the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A form (`application/x-www-form-urlencoded`) query string as it is sent: the text as written,
/// with the characters a query cannot hold percent-encoded; a leading `?` is dropped.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub fn form_query(text: &str) -> String {
    let text = text.strip_prefix('?').unwrap_or(text);
    utf8_percent_encode(text, QUERY_TEXT).to_string()
}

/// A query string that is one component (`application/json` and every other media type that
/// is not a form): the whole text percent-encoded.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub fn component_query(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// Sets the query of a request's URL to `query`, before any query pairs already there (an API key
/// in the query); an empty `query` adds nothing.
pub(crate) fn set(url: &mut reqwest::Url, query: &str) {
    let joined = match url.query() {
        Some(existing) if !existing.is_empty() && !query.is_empty() => {
            format!("{query}&{existing}")
        }
        Some(existing) if !existing.is_empty() => existing.to_owned(),
        _ => query.to_owned(),
    };
    url.set_query((!joined.is_empty()).then_some(joined.as_str()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_query_keeps_its_separators_and_escapes_what_a_query_cannot_hold() {
        assert_eq!(form_query("a=1&b=x%20y"), "a=1&b=x%20y");
        assert_eq!(form_query("?q=a b#c"), "q=a%20b%23c");
        assert_eq!(form_query("name=Zoë"), "name=Zo%C3%AB");
    }

    #[test]
    fn a_json_query_is_one_component() {
        assert_eq!(
            component_query(r#"{"filter":"active","limit":50}"#),
            "%7B%22filter%22%3A%22active%22%2C%22limit%22%3A50%7D"
        );
        assert_eq!(component_query("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn the_query_string_comes_before_pairs_already_there() {
        let mut url = reqwest::Url::parse("http://127.0.0.1/items?api_key=k").expect("a URL");
        set(&mut url, "a=1&b=2");
        assert_eq!(url.query(), Some("a=1&b=2&api_key=k"));
        let mut url = reqwest::Url::parse("http://127.0.0.1/items").expect("a URL");
        set(&mut url, "");
        assert_eq!(url.as_str(), "http://127.0.0.1/items");
    }
}
