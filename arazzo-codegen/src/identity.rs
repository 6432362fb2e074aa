//! Identity-based referencing (Arazzo 1.1): an Arazzo source description whose `url` is an
//! absolute URI (as written, or once resolved against the document's `$self`) names the
//! document whose `$self` is that URI, wherever that document was read from.
//!
//! The documents the generator is given to match against are the Arazzo 1.1 documents in the
//! directory of the document that names the source (nothing is ever fetched). A source
//! override (`sources(name = …)`, `--source`) still comes first; with no document of that
//! identity the `url` is read by its location, as before.

use std::path::Path;

use crate::files::Files;
use crate::node::{self, Value};
use crate::uri;

/// The file name, in `dir`, of the Arazzo 1.1 document whose absolute `$self` is `identity`.
pub(crate) fn find(dir: &Path, identity: &str) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .find(|name| self_of(&dir.join(name)).is_some_and(|own| own == identity))
}

/// The absolute `$self` of the Arazzo 1.1 document at `path`, if it is one.
fn self_of(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    // Most files are not candidates: only a document that mentions both is parsed.
    if !(text.contains("$self") && text.contains("arazzo")) {
        return None;
    }
    let mut files = Files::default();
    let id = files.add(path.to_owned(), path.display().to_string(), text);
    let root = node::parse(&files, id).ok()?;
    let version = root.get("arazzo").and_then(node::Node::as_str)?;
    if !version.starts_with("1.1.") {
        return None;
    }
    let own = match &root.get("$self")?.value {
        Value::Str(own) => own.clone(),
        _ => return None,
    };
    uri::parts(&own).scheme.is_some().then_some(own)
}

/// The identity a source's `url` names: the `url` when it is an absolute URI, else the
/// remote URI it resolves to against an absolute `$self`; without its fragment.
pub(crate) fn named(url: &str, self_uri: Option<&str>) -> Option<String> {
    let absolute = if uri::parts(url).scheme.is_some() {
        url.to_owned()
    } else {
        let base = self_uri.filter(|s| uri::parts(s).scheme.is_some())?;
        uri::resolve(base, url)
    };
    Some(absolute.split('#').next().unwrap_or(&absolute).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_a_url_names() {
        assert_eq!(
            named("https://example.com/a.arazzo.yaml#x", None).as_deref(),
            Some("https://example.com/a.arazzo.yaml")
        );
        assert_eq!(
            named(
                "b.arazzo.yaml",
                Some("https://example.com/flows/a.arazzo.yaml")
            )
            .as_deref(),
            Some("https://example.com/flows/b.arazzo.yaml")
        );
        // Relative to a relative `$self`, or without one: a location, not an identity.
        assert_eq!(named("b.arazzo.yaml", Some("flows/a.arazzo.yaml")), None);
        assert_eq!(named("b.arazzo.yaml", None), None);
    }
}
