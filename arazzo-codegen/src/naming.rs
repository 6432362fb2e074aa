//! Rust names for document names: one place decides every identifier the generator emits.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

/// Words that cannot be plain identifiers (strict and reserved keywords of edition 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Replaces anything but ASCII letters and digits by `_`, so that heck splits words there and
/// every generated name is a valid identifier on every edition.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn finish(mut ident: String, fallback: &str) -> String {
    if ident.is_empty() {
        ident = fallback.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// `snake_case` for functions, fields, variables and builder setters: `stytchConsumerApi` →
/// `stytch_consumer_api`, `sms-otp-login` → `sms_otp_login`, `type` → `type_`.
pub(crate) fn snake(name: &str) -> String {
    finish(clean(name).to_snake_case(), "value")
}

/// True for a name that says its value is a credential: one of its words is `token`, `secret`,
/// `password`, `jwt`, `credential(s)` or `authorization`, or it ends in `api_key`, `apikey` or
/// `private_key`. (`session_token`, `sessionJwt`, `client_secret`, `x-api-key`; not `user_id`.)
pub(crate) fn is_sensitive(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "jwt",
        "credential",
        "credentials",
        "authorization",
        "apikey",
    ];
    let snake = clean(name).to_snake_case();
    let words: Vec<&str> = snake.split('_').collect();
    words.iter().any(|w| WORDS.contains(w))
        || words
            .windows(2)
            .any(|pair| pair == ["api", "key"] || pair == ["private", "key"])
}

/// `PascalCase` for types: `sms-otp-login` → `SmsOtpLogin`.
pub(crate) fn pascal(name: &str) -> String {
    finish(clean(name).to_pascal_case(), "Value")
}

/// `PascalCase` for an enum variant: `sms` → `Sms`, `in-progress` → `InProgress`; a value that
/// starts with a digit gets a `V` (`2fa` → `V2fa`), a keyword a `Value` suffix (`self` →
/// `SelfValue`), so that every variant is an upper camel case identifier.
pub(crate) fn variant(value: &str) -> String {
    let ident = pascal(value);
    if let Some(rest) = ident.strip_prefix('_') {
        format!("V{rest}")
    } else if let Some(rest) = ident.strip_suffix('_') {
        format!("{rest}Value")
    } else {
        ident
    }
}

/// Hands out identifiers that are unique within one scope (a struct's fields, a module's items),
/// appending `_2`, `_3` … to later names that collide.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// `ident`, or the first free `ident_N` (for snake_case names).
    pub(crate) fn unique(&mut self, ident: String) -> String {
        self.unique_with(ident, "_")
    }

    /// `Ident`, or the first free `IdentN` (for CamelCase names, which may not hold `_`).
    pub(crate) fn unique_type(&mut self, ident: String) -> String {
        self.unique_with(ident, "")
    }

    fn unique_with(&mut self, ident: String, separator: &str) -> String {
        if self.taken.insert(ident.clone()) {
            return ident;
        }
        (2..)
            .map(|n| format!("{ident}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or(ident)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names() {
        for name in [
            "session_token",
            "sessionJwt",
            "session_jwt",
            "client_secret",
            "x-api-key",
            "apiKey",
            "Authorization",
            "password",
            "accessToken",
            "private_key",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in [
            "user_id",
            "phone_id",
            "tokenizer",
            "keyboard",
            "key",
            "status",
            "code",
        ] {
            assert!(!is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(snake("stytchConsumerApi"), "stytch_consumer_api");
        assert_eq!(snake("sms-otp-login"), "sms_otp_login");
        assert_eq!(snake("basicAuth"), "basic_auth");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("user.name"), "user_name");
        assert_eq!(snake("$$"), "value");
        assert_eq!(pascal("sms-otp-login"), "SmsOtpLogin");
        assert_eq!(pascal("sendSmsOtp"), "SendSmsOtp");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(pascal("x²"), "X");
        assert_eq!(snake("١abc"), "abc");
        assert_eq!(snake("é"), "value");
    }

    #[test]
    fn scopes_deduplicate() {
        let mut scope = Scope::with_reserved(&["client"]);
        assert_eq!(scope.unique("a".into()), "a");
        assert_eq!(scope.unique("a".into()), "a_2");
        assert_eq!(scope.unique("client".into()), "client_2");
        assert_eq!(scope.unique_type("ABInputs".into()), "ABInputs");
        assert_eq!(scope.unique_type("ABInputs".into()), "ABInputs2");
    }
}
