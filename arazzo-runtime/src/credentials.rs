use std::fmt;

/// A credential value: a password, token or API key.
///
/// Its `Debug` and `Display` output is always `[redacted]`; the value is reachable only through
/// [`Secret::expose`], which the request code calls when it sets the header.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself. Call this only to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Credentials for an HTTP `basic` security scheme.
///
/// Both parts are redacted in `Debug`: the user name is often an account identifier (Stytch's
/// `project_id`) that has no business in logs either. The `Authorization` header is encoded
/// once, here, not for every request.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    username: Secret,
    password: Secret,
    /// `Basic <base64 of username:password>`, marked sensitive; `None` when it cannot be a
    /// header value (it always can: base64 is ASCII).
    header: Option<reqwest::header::HeaderValue>,
}

impl BasicAuth {
    /// Credentials from a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        let (username, password) = (Secret::new(username), Secret::new(password));
        let mut text = String::from("Basic ");
        base64_into(
            format!("{}:{}", username.expose(), password.expose()).as_bytes(),
            &mut text,
        );
        let header = reqwest::header::HeaderValue::from_str(&text)
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            });
        Self {
            username,
            password,
            header,
        }
    }

    /// The user name, for the `Authorization` header.
    pub fn username(&self) -> &str {
        self.username.expose()
    }

    /// The password, for the `Authorization` header.
    pub fn password(&self) -> &str {
        self.password.expose()
    }

    /// The `Authorization` header value, encoded when the credentials were made.
    pub(crate) fn header(&self) -> Option<&reqwest::header::HeaderValue> {
        self.header.as_ref()
    }
}

/// Appends the standard base64 encoding (RFC 4648, with padding) of `bytes` to `out`.
fn base64_into(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648() {
        for (bytes, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("\u{ff}\u{fe}?>", "w7/Dvj8+"),
        ] {
            let mut out = String::new();
            base64_into(bytes.as_bytes(), &mut out);
            assert_eq!(out, expected, "{bytes:?}");
        }
        let auth = BasicAuth::new("Aladdin", "open sesame");
        let header = auth.header().expect("a header");
        assert_eq!(
            header.to_str().ok(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        assert!(header.is_sensitive());
    }

    #[test]
    fn debug_and_display_redact() {
        let auth = BasicAuth::new("project-test-123", "secret-test-456");
        let debug = format!("{auth:?} {:?} {}", Secret::new("tok"), Secret::new("tok"));
        assert!(!debug.contains("project-test-123"), "{debug}");
        assert!(!debug.contains("secret-test-456"), "{debug}");
        assert!(!debug.contains("tok"), "{debug}");
        assert_eq!(auth.username(), "project-test-123");
        assert_eq!(auth.password(), "secret-test-456");
    }
}

/// Stands in for a value that `Debug` output must not show: generated inputs and outputs structs
/// print it for fields whose names say they hold a token, secret, password, JWT or key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
