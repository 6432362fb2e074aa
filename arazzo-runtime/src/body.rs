use std::fmt;

/// A response body, kept whole so that an error can show what the server said.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// No body at all.
    Empty,
    /// A body that parsed as JSON.
    Json(serde_json::Value),
    /// A body that is UTF-8 text but not JSON.
    Text(String),
    /// Anything else.
    Bytes(Vec<u8>),
}

impl Body {
    /// Classifies raw response bytes: empty, JSON, text or binary.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Self::Empty;
        }
        if let Ok(value) = serde_json::from_slice(bytes) {
            return Self::Json(value);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::Text(text.to_owned()),
            Err(_) => Self::Bytes(bytes.to_vec()),
        }
    }

    /// The JSON value, when the body is JSON.
    pub fn as_json(&self) -> Option<&serde_json::Value> {
        match self {
            Self::Json(value) => Some(value),
            _ => None,
        }
    }
}

/// At most this many characters of a body go into an error's one-line message; the whole body
/// stays available through [`crate::Error::body`].
const DISPLAY_LIMIT: usize = 512;

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Empty => return f.write_str("(empty body)"),
            Self::Bytes(bytes) => return write!(f, "({} bytes of binary data)", bytes.len()),
            Self::Json(value) => value.to_string(),
            Self::Text(text) => text.clone(),
        };
        match text.char_indices().nth(DISPLAY_LIMIT) {
            Some((cut, _)) => write!(f, "{}…", &text[..cut]),
            None => f.write_str(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bodies() {
        assert_eq!(Body::from_bytes(b""), Body::Empty);
        assert_eq!(Body::from_bytes(b" \n"), Body::Empty);
        assert_eq!(
            Body::from_bytes(b"{\"a\":1}"),
            Body::Json(serde_json::json!({"a": 1}))
        );
        assert_eq!(Body::from_bytes(b"oops"), Body::Text("oops".into()));
        assert_eq!(
            Body::from_bytes(&[0xff, 0xfe]),
            Body::Bytes(vec![0xff, 0xfe])
        );
    }

    #[test]
    fn display_is_bounded() {
        let long = Body::Text("x".repeat(2000));
        assert_eq!(long.to_string().chars().count(), DISPLAY_LIMIT + 1);
    }
}
