//! Reading one value at a JSON pointer straight from a response's bytes: the parser walks the
//! body once, skips what is not on the pointer's way without building it, and decodes only the
//! value at the pointer into its Rust type. A step's outputs are read this way, so a large body
//! (Stytch returns the whole `user` object) is never built as a `serde_json::Value` unless a
//! criterion or an error needs it.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use serde_json::value::RawValue;

use crate::pointer::{self, array_index, unescape};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

/// What a read found.
pub(crate) enum Read<T> {
    /// The value, decoded; `None` when it is `null`.
    Found(Option<T>),
    /// Nothing at the pointer: a member or item is missing, or something on the way is neither
    /// an object nor an array.
    Absent,
    /// The value is there but does not decode as `T`: where inside it (a JSON pointer relative
    /// to the value), and serde's message.
    WrongType(String, serde_json::Error),
    /// The body is not one JSON document: the caller reads it the slow way, which says so.
    NotJson,
}

/// The top-level members of a JSON object document: each name (borrowed from the document
/// where it has no escapes) and the byte range of its value. One pass, nothing decoded, so that
/// a step's several outputs skip the rest of a large body once, not once each.
#[derive(Debug, Default)]
pub(crate) struct Members(Vec<(Name, Range<usize>)>);

/// A member's name: its byte range in the document, or, when it has escapes, the name itself.
#[derive(Debug)]
enum Name {
    Raw(Range<usize>),
    Unescaped(String),
}

impl Members {
    /// Indexes `bytes`; `None` when it is not one JSON object.
    pub(crate) fn of(bytes: &[u8]) -> Option<Self> {
        let start = bytes.as_ptr() as usize;
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let members =
            de::Deserializer::deserialize_map(&mut deserializer, IndexMembers { start }).ok()?;
        deserializer.end().ok()?;
        Some(members)
    }

    /// Reads the value at `pointer` in the indexed document `bytes`: only the member the
    /// pointer starts with is read again.
    pub(crate) fn read<T: DeserializeOwned>(&self, bytes: &[u8], pointer: &str) -> Read<T> {
        let Some(rest) = pointer.strip_prefix('/') else {
            return read(bytes, pointer);
        };
        let (first, rest) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let first = unescape(first);
        // As `serde_json::Map`, the last of duplicate members wins.
        let found = self.0.iter().rev().find(|(name, _)| match name {
            Name::Raw(range) => bytes.get(range.clone()) == Some(first.as_bytes()),
            Name::Unescaped(name) => *name == first,
        });
        match found {
            Some((_, range)) => read(&bytes[range.clone()], rest),
            None => Read::Absent,
        }
    }
}

/// Where a slice of the document starts in it.
fn offset(start: usize, slice: &str) -> Range<usize> {
    let at = slice.as_ptr() as usize - start;
    at..at + slice.len()
}

struct IndexMembers {
    start: usize,
}

impl<'de> Visitor<'de> for IndexMembers {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut members = Vec::new();
        while let Some(name) = map.next_key_seed(NameOf { start: self.start })? {
            let value: &'de RawValue = map.next_value()?;
            members.push((name, offset(self.start, value.get())));
        }
        Ok(Members(members))
    }
}

/// Reads a member's name without allocating, unless it has escapes.
struct NameOf {
    start: usize,
}

impl<'de> DeserializeSeed<'de> for NameOf {
    type Value = Name;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Name, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameOf {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Name, E> {
        Ok(Name::Raw(offset(self.start, name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<Name, E> {
        Ok(Name::Unescaped(name.to_owned()))
    }
}

/// Reads the value at `pointer` (RFC 6901) in the JSON document `bytes`.
pub(crate) fn read<T: DeserializeOwned>(bytes: &[u8], pointer: &str) -> Read<T> {
    let Some(tokens) = pointer::split(pointer) else {
        return Read::Absent;
    };
    let tokens: Vec<&str> = tokens.collect();
    let leaf_error = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let seed = Walk::<T> {
        tokens: &tokens,
        leaf_error: &leaf_error,
        marker: std::marker::PhantomData,
    };
    let result = seed.deserialize(&mut deserializer);
    if let Some((path, error)) = leaf_error.into_inner() {
        // The value may have failed to decode because the document ends or breaks inside it.
        return match serde_json::from_slice::<IgnoredAny>(bytes) {
            Ok(_) => Read::WrongType(path, error),
            Err(_) => Read::NotJson,
        };
    }
    match (result, deserializer.end()) {
        (Ok(Some(found)), Ok(())) => Read::Found(found),
        (Ok(None), Ok(())) => Read::Absent,
        _ => Read::NotJson,
    }
}

/// Walks down the remaining tokens; at the end, decodes the value. `Ok(None)`: not there.
struct Walk<'a, T> {
    tokens: &'a [&'a str],
    /// Set when the value is there but does not decode: the error is kept here, because the
    /// parser's own error must only say that the document stopped being read.
    leaf_error: &'a RefCell<Option<(String, serde_json::Error)>>,
    marker: std::marker::PhantomData<T>,
}

impl<T> Walk<'_, T> {
    fn next(&self) -> Walk<'_, T> {
        Walk {
            tokens: &self.tokens[1..],
            leaf_error: self.leaf_error,
            marker: std::marker::PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Walk<'_, T> {
    type Value = Option<Option<T>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        if self.tokens.is_empty() {
            return match serde_path_to_error::deserialize::<_, Option<T>>(deserializer) {
                Ok(value) => Ok(Some(value)),
                Err(error) => {
                    let path = pointer::from_path(error.path());
                    let message = error.into_inner().to_string();
                    *self.leaf_error.borrow_mut() =
                        Some((path, <serde_json::Error as de::Error>::custom(message)));
                    Err(de::Error::custom("stopped"))
                }
            };
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Walk<'_, T> {
    type Value = Option<Option<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let token = unescape(self.tokens[0]);
        let mut found = None;
        while let Some(matches) = map.next_key_seed(KeyIs(&token))? {
            if matches {
                // As `serde_json::Map`, the last of duplicate members wins.
                found = map.next_value_seed(self.next())?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let index = array_index(self.tokens[0]);
        let mut found = None;
        let mut position = 0;
        loop {
            if Some(position) == index {
                match seq.next_element_seed(self.next())? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            position += 1;
        }
        Ok(found)
    }

    // Anything else has no members: nothing is at the pointer.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads an object member's name and says whether it is the one wanted, without allocating.
struct KeyIs<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{Read, read};
    use crate::pointer::tests::{DOCUMENT, POINTERS};

    fn found(bytes: &str, pointer: &str) -> Option<serde_json::Value> {
        match read::<serde_json::Value>(bytes.as_bytes(), pointer) {
            Read::Found(value) => value,
            Read::Absent => None,
            Read::WrongType(..) => panic!("a Value always decodes"),
            Read::NotJson => panic!("not JSON: {bytes}"),
        }
    }

    #[test]
    fn reads_what_value_pointer_reads() {
        let text = format!(
            "{}, \"esc\\\"aped\": 8, \"dup\": 1, \"dup\": 2}}",
            DOCUMENT.trim_end_matches('}')
        );
        let text = text.as_str();
        let value: serde_json::Value = serde_json::from_str(text).expect("json");
        for pointer in POINTERS.iter().copied().chain(["/esc\"aped", "/dup"]) {
            let expected = value.pointer(pointer).filter(|v| !v.is_null()).cloned();
            assert_eq!(found(text, pointer), expected, "{pointer}");
        }
    }

    #[test]
    fn reads_through_the_index_as_without_it() {
        let text = r#"{"a": {"b": [1, {"c": "x"}]}, "d~/e": true, "dup": 1, "dup": 2,
            "s": "v", "esc\u0061ped": 3}"#;
        let members = super::Members::of(text.as_bytes()).expect("an object");
        for pointer in [
            "", "/a", "/a/b/1/c", "/d~0~1e", "/dup", "/s", "/s/x", "/x", "/a/x", "/escaped",
        ] {
            let indexed = match members.read::<serde_json::Value>(text.as_bytes(), pointer) {
                Read::Found(value) => value,
                Read::Absent => None,
                _ => panic!("{pointer}"),
            };
            assert_eq!(indexed, found(text, pointer), "{pointer}");
        }
        assert!(super::Members::of(b"[1, 2]").is_none());
        assert!(super::Members::of(b"oops").is_none());
        assert!(super::Members::of(b"{\"a\": 1} trailing").is_none());
    }

    #[test]
    fn a_wrong_type_says_where() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Owner {
            name: String,
        }
        match read::<Owner>(br#"{"owner": {"name": 7}, "rest": [1]}"#, "/owner") {
            Read::WrongType(path, error) => {
                assert_eq!(path, "/name");
                assert!(error.to_string().contains("expected a string"), "{error}");
            }
            _ => panic!("a wrong type"),
        }
    }

    #[test]
    fn what_is_not_json_is_said() {
        for text in ["", "oops", "{\"a\": 1} trailing", "{\"a\": "] {
            assert!(
                matches!(
                    read::<serde_json::Value>(text.as_bytes(), "/a"),
                    Read::NotJson
                ),
                "{text}"
            );
        }
    }
}
