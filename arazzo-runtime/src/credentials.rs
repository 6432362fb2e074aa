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
/// `project_id`) that has no business in logs either.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    username: Secret,
    password: Secret,
}

impl BasicAuth {
    /// Credentials from a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: Secret::new(username),
            password: Secret::new(password),
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
