//! JSON pointers (RFC 6901), read and written by one set of rules: a pointer is empty (the whole
//! document) or a `/` before each token; `~1` is `/` and `~0` is `~` in a token; a token that
//! names an array item is `0` or a digit 1-9 followed by digits (no sign, no leading zero).
//! `-` (the item after the last) names no value to read and is not accepted for a write either.
//!
//! Every reader of this crate (the `Value` reader here, the byte reader in `stream`) and the
//! payload writer ([`crate::replace`]) go through these functions.

use std::borrow::Cow;

use serde_json::Value;

/// A pointer's tokens, still escaped; `None` when the pointer is neither empty nor starts with
/// `/`.
pub(crate) fn split(pointer: &str) -> Option<impl Iterator<Item = &str>> {
    let rest = match pointer {
        "" => None,
        _ => Some(pointer.strip_prefix('/')?),
    };
    Some(rest.into_iter().flat_map(|rest| rest.split('/')))
}

/// `~1` is `/` and `~0` is `~` in a pointer's token (allocating only when the token has a `~`).
pub(crate) fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// A member name as a pointer's token: `~` is `~0` and `/` is `~1`.
pub(crate) fn escape(name: &str) -> Cow<'_, str> {
    if name.contains(['~', '/']) {
        Cow::Owned(name.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(name)
    }
}

/// A pointer's (unescaped) token as an array index: `0`, or a digit 1-9 followed by digits.
pub(crate) fn array_index(token: &str) -> Option<usize> {
    let well_formed = match token.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if well_formed {
        token.parse().ok()
    } else {
        None
    }
}

/// The value at `pointer` in `root`, if there is one. As `serde_json::Value::pointer`, without
/// the two `String`s that one allocates for every token: the generated code reads each output
/// this way.
pub(crate) fn get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    split(pointer)?.try_fold(root, |node, token| {
        let token = unescape(token);
        match node {
            Value::Object(members) => members.get(token.as_ref()),
            Value::Array(items) => items.get(array_index(&token)?),
            _ => None,
        }
    })
}

/// [`get`], for writing.
fn get_mut<'v>(root: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    split(pointer)?.try_fold(root, |node, token| {
        let token = unescape(token);
        match node {
            Value::Object(members) => members.get_mut(token.as_ref()),
            Value::Array(items) => items.get_mut(array_index(&token)?),
            _ => None,
        }
    })
}

/// Sets the value at `pointer` in `root`: replaces what is there, or adds a member to an
/// existing object. `None` when the pointer leads nowhere (it is malformed, its parent is not
/// there, or its parent is neither an object nor an array with that index).
pub(crate) fn set(root: &mut Value, pointer: &str, value: Value) -> Option<()> {
    if pointer.is_empty() {
        *root = value;
        return Some(());
    }
    let (parent, last) = pointer.rsplit_once('/')?;
    let last = unescape(last);
    match get_mut(root, parent)? {
        Value::Object(members) => {
            members.insert(last.into_owned(), value);
        }
        Value::Array(items) => *items.get_mut(array_index(&last)?)? = value,
        _ => return None,
    }
    Some(())
}

/// A `serde_path_to_error` path as a JSON pointer: `owner.emails[1]` is `/owner/emails/1`.
pub(crate) fn from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{}", escape(key))),
            Segment::Enum { variant } => Some(format!("/{variant}")),
            Segment::Unknown => None,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    /// Pointers every reader of this crate must read as `serde_json::Value::pointer` does, in
    /// the document [`DOCUMENT`].
    pub(crate) const POINTERS: &[&str] = &[
        "",
        "/",
        "/a",
        "/a/b",
        "/a/b/0",
        "/a/b/1/c",
        "/a/b/2",
        "/a/b/3",
        "/a/b/01",
        "/a/b/+1",
        "/a/b/-1",
        "/a/b/-",
        "/a/b/1 ",
        "/a/b/ 1",
        "/a/b/1e0",
        "/a/b/99999999999999999999999",
        "/d~0~1e",
        "/~01",
        "/01",
        "/list/0/1",
        "/list/1/0",
        "/x",
        "a",
        "/a/b/1/c/d",
    ];

    /// The document [`POINTERS`] read.
    pub(crate) const DOCUMENT: &str = r#"{"a": {"b": [1, {"c": "x"}, null]}, "d~/e": true,
        "": 5, "~1": 6, "01": 7, "list": [[10, 20], 30]}"#;

    #[test]
    fn get_is_value_pointer() {
        let value: serde_json::Value = serde_json::from_str(DOCUMENT).expect("json");
        for &pointer in POINTERS {
            assert_eq!(
                super::get(&value, pointer),
                value.pointer(pointer),
                "{pointer}"
            );
        }
    }

    #[test]
    fn array_indices() {
        for (token, index) in [("0", Some(0)), ("7", Some(7)), ("10", Some(10))] {
            assert_eq!(super::array_index(token), index, "{token}");
        }
        for token in ["", "01", "00", "+1", "-1", "-", "1 ", " 1", "1e0", "x", "١"] {
            assert_eq!(super::array_index(token), None, "{token}");
        }
    }

    #[test]
    fn writes_follow_the_rules_reads_follow() {
        let document = || json!({"a": {"b": 1}, "list": [1, 2], "01": 0});
        let set = |pointer: &str| {
            let mut value = document();
            super::set(&mut value, pointer, json!("new")).map(|()| value)
        };
        for pointer in [
            "/list/01",
            "/list/+1",
            "/list/-",
            "/list/-1",
            "/list/2",
            "/list/ 1",
            "/nope/x",
            "/a/b/c",
            "a",
            "a/b",
            "/list/01/x",
        ] {
            assert_eq!(set(pointer), None, "{pointer}");
        }
        // Whatever a write can replace, a read finds at the same pointer.
        for pointer in ["", "/a/b", "/list/0", "/list/1", "/01", "/a/c~1d~0"] {
            let written = set(pointer).expect(pointer);
            assert_eq!(
                super::get(&written, pointer),
                Some(&json!("new")),
                "{pointer}"
            );
        }
    }

    #[test]
    fn escaping_round_trips() {
        for name in ["plain", "a/b", "~", "~1", "/~0/"] {
            assert_eq!(super::unescape(&super::escape(name)), name);
        }
    }
}
