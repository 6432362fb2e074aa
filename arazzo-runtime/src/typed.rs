//! Typed bodies: a request body serialized once, straight from a struct that borrows the
//! workflow's values, and a response body decoded once into a struct of exactly the members a
//! step's outputs read (no `serde_json::Value` in between either way).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::http::{Request, Response};

impl Response {
    /// The body decoded in one pass as `T`, a struct of the members the step's outputs read
    /// (each an `Option`; other members skipped without being built). `None` when the body is
    /// not one JSON object of that shape (not JSON, a value of another type, a member twice):
    /// the outputs are then read one by one ([`Response::body_value`]), which says which value is
    /// missing or wrong exactly as always.
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        let mut deserializer = serde_json::Deserializer::from_slice(self.bytes());
        let value =
            de::Deserializer::deserialize_map(&mut deserializer, ObjectOf(PhantomData)).ok()?;
        deserializer.end().ok()?;
        Some(value)
    }

    /// A value decoded by [`Response::decode`] that the workflow needs.
    ///
    /// # Errors
    /// [`Error::MissingValue`] naming `pointer` when it is `None` (absent or `null`).
    pub fn required<T>(&self, value: Option<T>, pointer: &'static str) -> Result<T, Error> {
        value.ok_or(Error::MissingValue {
            step: self.step(),
            status: self.status(),
            location: pointer,
        })
    }
}

/// Decodes an object on the way to a step's outputs (`serde(deserialize_with)` of a member of a
/// struct for [`Response::decode`]): a JSON object as `T`, `null` as `T::default()` (nothing
/// under it), anything else an error, as a JSON pointer through it finds nothing. (A struct's
/// derived `Deserialize` alone would also take an array, item by item.)
///
/// # Errors
/// The deserializer's, for a value that is neither an object nor `null`.
///
/// Called by generated code; not part of the public API.
#[doc(hidden)]
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<Object<T>>::deserialize(deserializer)?.map_or_else(T::default, |o| o.0))
}

/// A `T` that is decoded only from a JSON object.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(ObjectOf(PhantomData))
            .map(Object)
    }
}

struct ObjectOf<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOf<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

impl Request {
    /// Sends `body`, serialized as JSON, with the content type `content_type` (a JSON media
    /// type: `application/json`, `application/merge-patch+json`, …).
    ///
    /// An error serializing it ([`Error::Encode`]) is kept and returned by [`Request::send`].
    pub fn json_body<T: Serialize + ?Sized>(self, content_type: &'static str, body: &T) -> Self {
        let step = self.step();
        let bytes = match serde_json::to_vec(body) {
            Ok(bytes) => bytes,
            Err(source) => return self.fail(Error::Encode { step, source }),
        };
        // Checked as `HeaderValue::from_static` checks, which then cannot panic and copies nothing.
        let content_type = match content_type
            .bytes()
            .all(|b| b == b'\t' || (32..127).contains(&b))
        {
            true => reqwest::header::HeaderValue::from_static(content_type),
            false => {
                return self.fail(Error::Body {
                    step,
                    message: format!("the content type `{content_type}` is not valid in a header"),
                });
            }
        };
        self.map(|b| {
            b.header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, HttpClient, Method};

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    struct Inner {
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        #[serde(default, deserialize_with = "super::object")]
        a: Inner,
        c: Option<i64>,
    }

    fn decode(text: &str) -> Option<Outer> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = serde::Deserializer::deserialize_map(
            &mut deserializer,
            super::ObjectOf(std::marker::PhantomData),
        )
        .ok()?;
        deserializer.end().ok()?;
        Some(value)
    }

    #[test]
    fn decodes_objects_only() {
        let inner = |b: Option<&str>| Inner {
            b: b.map(str::to_owned),
        };
        assert_eq!(
            decode(r#"{"x": [1, {"y": 2}], "a": {"b": "v", "z": {}}, "c": 3}"#),
            Some(Outer {
                a: inner(Some("v")),
                c: Some(3)
            })
        );
        assert_eq!(
            decode(r#"{"a": null}"#),
            Some(Outer {
                a: inner(None),
                c: None
            })
        );
        assert_eq!(
            decode("{}"),
            Some(Outer {
                a: inner(None),
                c: None
            })
        );
        // Not objects where the outputs read through: decoded one by one instead.
        for text in [
            r#"["v", 3]"#,
            r#"{"a": ["v"]}"#,
            r#"{"a": "v"}"#,
            r#"{"c": "3"}"#,
        ] {
            assert_eq!(decode(text), None, "{text}");
        }
        // A member written twice, trailing text, not JSON.
        for text in [r#"{"c": 1, "c": 2}"#, "{} x", "oops", ""] {
            assert_eq!(decode(text), None, "{text}");
        }
    }

    #[derive(serde::Serialize)]
    struct Body<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        minutes: &'a Option<i64>,
    }

    #[tokio::test]
    async fn a_typed_body_that_cannot_be_serialized_fails_the_step() {
        let map: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let client = HttpClient::new();
        let request = client
            .request("s", Method::POST, "http://127.0.0.1:1", "/x")
            .json_body("application/json", &map);
        match request.send().await {
            Err(Error::Encode { step: "s", .. }) => {}
            other => panic!("{other:?}"),
        }
        // A body that serializes is kept until sent.
        let minutes = None;
        let body = Body {
            name: "a",
            minutes: &minutes,
        };
        assert_eq!(
            serde_json::to_string(&body).ok().as_deref(),
            Some(r#"{"name":"a"}"#)
        );
    }
}
