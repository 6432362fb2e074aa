//! URI references (RFC 3986): parsing into parts and resolving a reference against a base URI
//! (§5.2), for Arazzo 1.1's `$self` and the relative `url`s of source descriptions.
//!
//! Only what resolution needs: no percent-decoding, no normalisation beyond removing dot
//! segments.

/// The five parts of a URI reference (RFC 3986 §3, Appendix B).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    pub scheme: Option<&'a str>,
    pub authority: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

/// Splits a URI reference as Appendix B's regular expression does.
pub(crate) fn parts(text: &str) -> Parts<'_> {
    let (rest, fragment) = match text.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (text, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    // A scheme is what comes before the first `:`, when no `/` comes before it and it has the
    // scheme's characters.
    let (scheme, rest) = match rest.find(':') {
        Some(colon)
            if colon > 0
                && rest[..colon].starts_with(|c: char| c.is_ascii_alphabetic())
                && rest[..colon]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (Some(&rest[..colon]), &rest[colon + 1..])
        }
        _ => (None, rest),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    Parts {
        scheme,
        authority,
        path,
        query,
        fragment,
    }
}

/// Why `text` is not a URI-reference (RFC 3986 §4.1), if it is not one. Lenient: it checks the
/// characters, and that a relative reference's first segment has no `:`.
pub(crate) fn check_reference(text: &str) -> Result<(), String> {
    if let Some(c) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(*c))
    {
        return Err(format!("`{c}` is not allowed in a URI (percent-encode it)"));
    }
    Ok(())
}

/// RFC 3986 §5.2.4: removes `.` and `..` segments from a path.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    if absolute {
        input = &input[1..];
    }
    segments.extend(input.split('/'));
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, segment) in segments.into_iter().enumerate() {
        match segment {
            "." => trailing_slash = i == last,
            ".." => {
                output.pop();
                trailing_slash = i == last;
            }
            other => {
                output.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut result = if absolute {
        String::from("/")
    } else {
        String::new()
    };
    result.push_str(&output.join("/"));
    if trailing_slash && !result.ends_with('/') {
        result.push('/');
    }
    result
}

/// RFC 3986 §5.2.3: merges a relative path with the base's.
fn merge(base: &Parts<'_>, path: &str) -> String {
    if base.authority.is_some() && base.path.is_empty() {
        format!("/{path}")
    } else {
        match base.path.rfind('/') {
            Some(slash) => format!("{}{path}", &base.path[..=slash]),
            None => path.to_owned(),
        }
    }
}

/// RFC 3986 §5.2.2: the target URI of `reference` resolved against `base` (strict: a scheme
/// in the reference makes it the target).
pub(crate) fn resolve(base: &str, reference: &str) -> String {
    let b = parts(base);
    let r = parts(reference);
    let (scheme, authority, path, query);
    if r.scheme.is_some() {
        scheme = r.scheme;
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme = b.scheme;
        if r.authority.is_some() {
            authority = r.authority;
            path = remove_dot_segments(r.path);
            query = r.query;
        } else {
            authority = b.authority;
            if r.path.is_empty() {
                path = b.path.to_owned();
                query = r.query.or(b.query);
            } else {
                path = if r.path.starts_with('/') {
                    remove_dot_segments(r.path)
                } else {
                    remove_dot_segments(&merge(&b, r.path))
                };
                query = r.query;
            }
        }
    }
    // §5.3: recomposition.
    let mut target = String::new();
    if let Some(scheme) = scheme {
        target.push_str(scheme);
        target.push(':');
    }
    if let Some(authority) = authority {
        target.push_str("//");
        target.push_str(authority);
    }
    target.push_str(&path);
    if let Some(query) = query {
        target.push('?');
        target.push_str(query);
    }
    if let Some(fragment) = r.fragment {
        target.push('#');
        target.push_str(fragment);
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arazzo 1.1.0, Appendix B, "Base URI Within Content (Using `$self`)".
    #[test]
    fn appendix_b_base_uri_within_content() {
        assert_eq!(
            resolve(
                "https://api.example.com/workflows/purchase.arazzo.yaml",
                "../specs/petstore.yaml"
            ),
            "https://api.example.com/specs/petstore.yaml"
        );
    }

    /// Appendix B, "Base URI From the Retrieval URI (No `$self`)".
    #[test]
    fn appendix_b_base_uri_from_the_retrieval_uri() {
        assert_eq!(
            resolve(
                "file:///Users/dev/projects/workflows/purchase.arazzo.yaml",
                "../specs/petstore.yaml"
            ),
            "file:///Users/dev/projects/specs/petstore.yaml"
        );
    }

    /// Appendix B, "Base URI From Encapsulating Entity" (`Content-Location`).
    #[test]
    fn appendix_b_base_uri_from_encapsulating_entity() {
        assert_eq!(
            resolve(
                "https://api.example.com/workflows/purchase.arazzo.json",
                "../specs/petstore.json"
            ),
            "https://api.example.com/specs/petstore.json"
        );
    }

    /// Appendix B, "Application-Specific Default Base URI", and its note on a trailing slash.
    #[test]
    fn appendix_b_application_specific_default_base_uri() {
        assert_eq!(
            resolve(
                "https://workflows.example.com/a7b3c4d5",
                "specs/petstore.yaml"
            ),
            "https://workflows.example.com/specs/petstore.yaml"
        );
        assert_eq!(
            resolve("https://workflows.example.com/", "specs/petstore.yaml"),
            "https://workflows.example.com/specs/petstore.yaml"
        );
    }

    /// Appendix B, "Resolving Relative `$self`": `$self` first, then the `url` against it.
    #[test]
    fn appendix_b_resolving_relative_self() {
        let base = resolve(
            "https://api.example.com/v2/api-description.yaml",
            "workflows/purchase.arazzo.yaml",
        );
        assert_eq!(
            base,
            "https://api.example.com/v2/workflows/purchase.arazzo.yaml"
        );
        assert_eq!(
            resolve(&base, "../specs/petstore.yaml"),
            "https://api.example.com/v2/specs/petstore.yaml"
        );
    }

    /// Appendix B, "Identity vs Location": wherever the document was read from, an absolute
    /// `$self` is the base.
    #[test]
    fn appendix_b_identity_vs_location() {
        let own = "https://workflows.example.com/canonical/purchase.arazzo.yaml";
        for retrieved in [
            "https://cdn.example.com/cache/abc123.yaml",
            "file:///local/dev/purchase.arazzo.yaml",
        ] {
            assert_eq!(resolve(retrieved, own), own);
        }
        assert_eq!(
            resolve(own, "./openapi.yaml"),
            "https://workflows.example.com/canonical/openapi.yaml"
        );
    }

    /// RFC 3986 §5.4.1 normal examples, a few of them.
    #[test]
    fn rfc3986_normal_examples() {
        let base = "http://a/b/c/d;p?q";
        for (reference, target) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("g:h", "g:h"),
        ] {
            assert_eq!(resolve(base, reference), target, "{reference}");
        }
    }

    #[test]
    fn parts_and_references() {
        assert_eq!(parts("https://example.com/x").scheme, Some("https"));
        assert_eq!(parts("./x.yaml").scheme, None);
        assert_eq!(parts("dir/x:y.yaml").scheme, None);
        assert!(check_reference("https://example.com/a b").is_err());
        assert!(check_reference("workflows/purchase.arazzo.yaml").is_ok());
    }
}
