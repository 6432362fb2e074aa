//! Reading files: the Arazzo document, then the source descriptions it names (relative URLs, or
//! the local files that settings map them to). Each file is read and parsed once, also across
//! the generations that share one [`Cache`]. Nothing is ever fetched from the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::{FileId, Files, Span, clean_path};
use crate::identity;
use crate::model::arazzo::{SourceDescription, SourceKind, Spanned, Version};
use crate::node::{self, Node};
use crate::settings::Settings;
use crate::uri;

/// What the generations of one generator share ([`crate::Generator::generate_each`]): every file
/// read, and the trees parsed from them, so that a description several documents name is read
/// and parsed once.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// Every file read so far; its list of files read is the current generation's.
    files: Files,
    /// Trees parsed from the files.
    parsed: Vec<(FileId, Arc<Node>)>,
}

impl Cache {
    /// Starts another generation: none of the files is read by it yet.
    pub(crate) fn start_generation(&mut self) {
        self.files.start_generation();
    }

    /// The files, with the current generation's list of files read.
    pub(crate) fn files(&self) -> &Files {
        &self.files
    }
}

/// A file to read: where to read it, and how diagnostics name it.
#[derive(Clone, Debug)]
struct Place {
    read: PathBuf,
    display: PathBuf,
}

impl Place {
    fn new(settings: &Settings, path: &Path) -> Self {
        let read = match (&settings.base_dir, path.is_absolute()) {
            (Some(base), false) => base.join(path),
            _ => path.to_owned(),
        };
        Self {
            read: clean_path(&read),
            display: clean_path(path),
        }
    }

    fn sibling(&self, relative: &str) -> Self {
        let parent = |p: &Path| p.parent().map(Path::to_owned).unwrap_or_default();
        Self {
            read: clean_path(&parent(&self.read).join(relative)),
            display: clean_path(&parent(&self.display).join(relative)),
        }
    }
}

/// Reads one file (once: a file already read keeps its id); `cited_at` is the place in another
/// file that named it.
fn read(cache: &mut Cache, place: &Place, cited_at: Option<Span>) -> Result<FileId, Diagnostic> {
    if let Some(id) = cache.files.reuse(&place.read) {
        return Ok(id);
    }
    let mut text = std::fs::read_to_string(&place.read).map_err(|error| {
        let message = format!("cannot read `{}`: {error}", place.display.display());
        let mut d = Diagnostic::error(cited_at, message);
        if place.read != place.display {
            d = d.with_help(format!("the path tried was `{}`", place.read.display()));
        }
        d
    })?;
    // A byte-order mark is not part of the document.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(cache.files.add(
        place.read.clone(),
        place.display.display().to_string(),
        text,
    ))
}

/// Parses a file that was read (once: the tree is kept in the cache).
fn parse(cache: &mut Cache, id: FileId) -> Result<Arc<Node>, Diagnostic> {
    if let Some((_, node)) = cache.parsed.iter().find(|(parsed, _)| *parsed == id) {
        return Ok(Arc::clone(node));
    }
    let node = Arc::new(node::parse(&cache.files, id)?);
    cache.parsed.push((id, Arc::clone(&node)));
    Ok(node)
}

/// Reads the Arazzo document at `path` (relative to the settings' base directory).
pub(crate) fn root(
    settings: &Settings,
    path: &Path,
    cache: &mut Cache,
) -> Result<(FileId, Arc<Node>), Diagnostic> {
    let id = read(cache, &Place::new(settings, path), None)?;
    parse(cache, id).map(|node| (id, node))
}

/// Like [`root`], with the document's text given: it is not read from `path`.
pub(crate) fn root_text(
    settings: &Settings,
    path: &Path,
    text: &str,
    cache: &mut Cache,
) -> Result<(FileId, Arc<Node>), Diagnostic> {
    let place = Place::new(settings, path);
    let id = cache.files.add(
        place.read.clone(),
        place.display.display().to_string(),
        text.strip_prefix('\u{feff}').unwrap_or(text).to_owned(),
    );
    node::parse(&cache.files, id).map(|node| (id, Arc::new(node)))
}

/// A source description and what was read for it.
#[derive(Debug)]
pub(crate) struct LoadedSource {
    /// Its name in the Arazzo document.
    pub name: String,
    /// `openapi` or `arazzo`.
    pub kind: SourceKind,
    /// The parsed file, unless it could not be read. Sources that name the same file share
    /// one parse.
    pub node: Option<Arc<Node>>,
    /// The `url` in the document.
    pub url_span: Span,
    /// The file read, relative to the settings' base directory, when it was read.
    pub path: Option<PathBuf>,
}

fn is_remote(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Reports source overrides that name no source description of any document read.
pub(crate) fn check_overrides(settings: &Settings, names: &[&str], diagnostics: &mut Diagnostics) {
    for name in settings.sources.keys() {
        if !names.contains(&name.as_str()) {
            let d = Diagnostic::error(
                None,
                format!(
                    "a source override names `{name}`, but the document has no source description of that name"
                ),
            )
            .with_did_you_mean(name, names.iter().copied());
            diagnostics.push(d);
        }
    }
}

/// How to say that a remote source is read from a local file instead.
fn override_help(name: &str) -> String {
    format!(
        "save the file locally and map the source to it: `sources({name} = \"path/to/file.yaml\")` in the macro, \
         `--source {name}=path/to/file.yaml` on the command line, or `Settings::with_source` in build.rs"
    )
}

/// Where a source's `url` leads when the document has a `$self` (Arazzo 1.1): the base URI is
/// `$self`, resolved against the document's own place when it is relative (RFC 3986 §5.1).
/// A local file to read, or the remote URL it names (never fetched).
enum AgainstSelf {
    Local(Place),
    Remote(String),
}

fn against_self(root: &Place, self_uri: &str, url: &str) -> AgainstSelf {
    let parts = uri::parts(self_uri);
    if parts.scheme.is_none() && parts.authority.is_none() {
        // A relative `$self` is resolved against the document's place, a local file; the
        // source's `url` then against that.
        let own = match parts.path {
            "" => root.clone(),
            // A directory: only its parent is ever used, so any name in it will do.
            dir if dir.ends_with('/') => root.sibling(&format!("{dir}self")),
            path => root.sibling(path),
        };
        return match uri::parts(url) {
            u if u.scheme.is_none() && u.authority.is_none() => {
                AgainstSelf::Local(own.sibling(u.path))
            }
            _ => AgainstSelf::Remote(url.to_owned()),
        };
    }
    let base = if parts.scheme.is_some() {
        self_uri.to_owned()
    } else {
        // `//host/path`: the document's own scheme is `file`.
        format!("file:{self_uri}")
    };
    let target = uri::resolve(&base, url);
    let t = uri::parts(&target);
    match t.scheme {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("file")
                && t.authority.is_none_or(|a| a.is_empty() || a == "localhost") =>
        {
            AgainstSelf::Local(Place {
                read: clean_path(Path::new(t.path)),
                display: clean_path(Path::new(t.path)),
            })
        }
        _ => AgainstSelf::Remote(target),
    }
}

/// Reads every source description of the document at `root_path`. `scope` is the chain of
/// Arazzo source names through which the document was reached (`a`, `a.b`), if any: an override
/// named `<scope>.<name>` then comes before one named `<name>`, so that two documents may each
/// have a source of the same name; and a plain `<name>` override applies to it only when the
/// root document has no source `<name>` or one with the same `url` (`root_urls`: the root's
/// sources, name to url). An Arazzo source of a 1.1 document whose `url` names an identity is
/// the document of that `$self` beside it, when there is one ([`identity`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn sources(
    settings: &Settings,
    scope: Option<&str>,
    root_urls: Option<&BTreeMap<String, String>>,
    root_path: &Path,
    self_uri: Option<&Spanned<String>>,
    version: Version,
    sources: &[SourceDescription],
    cache: &mut Cache,
    diagnostics: &mut Diagnostics,
) -> Vec<LoadedSource> {
    let root = Place::new(settings, root_path);
    sources
        .iter()
        .map(|source| {
            let url = &source.url.value;
            let scoped = scope.and_then(|scope| {
                settings
                    .sources
                    .get(&format!("{scope}.{}", source.name.value))
            });
            let plain = settings.sources.get(&source.name.value);
            // A plain override names the root's source; a nested document's source of the same
            // name is that source only when it has the same `url`.
            let root_url = root_urls.and_then(|urls| urls.get(&source.name.value));
            let plain_applies = scope.is_none() || root_url.is_none_or(|root| root == url);
            let skipped = plain.filter(|_| scoped.is_none() && !plain_applies).and(root_url);
            let by_identity = || {
                if version < Version::V1_1 || source.kind != SourceKind::Arazzo {
                    return None;
                }
                let named = identity::named(url, self_uri.map(|s| s.value.as_str()))?;
                // A document named without a directory is in the current one.
                let dir = root
                    .read
                    .parent()
                    .filter(|dir| !dir.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                identity::find(dir, &named).map(|name| root.sibling(&name))
            };
            let place = if let Some(path) = scoped.or(plain.filter(|_| plain_applies)) {
                Some(Place::new(settings, path))
            } else if let Some(place) = by_identity() {
                Some(place)
            } else if let Some(self_uri) = self_uri.filter(|_| !is_remote(url) && !url.starts_with("file://")) {
                match against_self(&root, &self_uri.value, url) {
                    AgainstSelf::Local(place) => Some(place),
                    AgainstSelf::Remote(target) => {
                        diagnostics.push(
                            Diagnostic::error(
                                source.url.span,
                                format!(
                                    "source `{}`: `{url}` resolves against `$self` to the remote URL `{target}`; it is never fetched",
                                    source.name.value
                                ),
                            )
                            .with_label(format!("relative to `$self: {}`, not to this file", self_uri.value))
                            .with_help(override_help(&source.name.value)),
                        );
                        None
                    }
                }
            } else if let Some(path) = url.strip_prefix("file://") {
                // `file:///abs/path` and `file://relative/path` name local files.
                Some(root.sibling(path.split('#').next().unwrap_or(path)))
            } else if is_remote(url) {
                let name = &source.name.value;
                let d = Diagnostic::error(
                    source.url.span,
                    format!("source `{name}` is a remote URL; it is never fetched"),
                );
                let d = match (skipped, scope) {
                    (Some(root_url), Some(scope)) => d
                        .with_label(format!(
                            "the override `{name}` maps the root document's source `{name}` (`{root_url}`), not this one"
                        ))
                        .with_help(override_help(&format!("{scope}.{name}"))),
                    _ => d.with_help(override_help(&match scope {
                        Some(scope) => format!("{scope}.{name}"),
                        None => name.clone(),
                    })),
                };
                diagnostics.push(d);
                None
            } else {
                Some(root.sibling(url.split('#').next().unwrap_or(url)))
            };
            let path = place.as_ref().map(|place| place.display.clone());
            let parsed_node = place.map(|place| {
                let id = read(cache, &place, Some(source.url.span))?;
                parse(cache, id)
            });
            let node = match parsed_node {
                Some(Ok(node)) => Some(node),
                Some(Err(d)) => {
                    diagnostics.push(d);
                    None
                }
                None => None,
            };
            LoadedSource {
                name: source.name.value.clone(),
                kind: source.kind,
                path: node.as_ref().and(path),
                node,
                url_span: source.url.span,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(path: &str) -> Place {
        Place {
            read: PathBuf::from(path),
            display: PathBuf::from(path),
        }
    }

    fn local(target: AgainstSelf) -> PathBuf {
        match target {
            AgainstSelf::Local(place) => place.read,
            AgainstSelf::Remote(url) => panic!("expected a local file, got {url}"),
        }
    }

    fn remote(target: AgainstSelf) -> String {
        match target {
            AgainstSelf::Remote(url) => url,
            AgainstSelf::Local(place) => {
                panic!("expected a remote URL, got {}", place.read.display())
            }
        }
    }

    /// Where a source `url` leads, against `$self`, for a document read from a local file.
    #[test]
    fn urls_against_self() {
        let doc = place("/work/specs/arazzo/doc.arazzo.yaml");
        // A relative `$self` is resolved against the file first: still local.
        assert_eq!(
            local(against_self(
                &doc,
                "workflows/purchase.arazzo.yaml",
                "../specs/petstore.yaml"
            )),
            PathBuf::from("/work/specs/arazzo/specs/petstore.yaml")
        );
        assert_eq!(
            local(against_self(&doc, "", "./petstore.yaml")),
            PathBuf::from("/work/specs/arazzo/petstore.yaml")
        );
        assert_eq!(
            local(against_self(&doc, "sub/", "petstore.yaml")),
            PathBuf::from("/work/specs/arazzo/sub/petstore.yaml")
        );
        // An absolute `http(s)` `$self`: the url is remote (Appendix B, Base URI Within Content).
        assert_eq!(
            remote(against_self(
                &doc,
                "https://api.example.com/workflows/purchase.arazzo.yaml",
                "../specs/petstore.yaml"
            )),
            "https://api.example.com/specs/petstore.yaml"
        );
        assert_eq!(
            remote(against_self(
                &doc,
                "https://example.com/arazzo/doc.yaml",
                "./openapi.yaml"
            )),
            "https://example.com/arazzo/openapi.yaml"
        );
        // A `file:` `$self` names local files.
        assert_eq!(
            local(against_self(
                &doc,
                "file:///srv/arazzo/doc.yaml",
                "../openapi/pets.yaml"
            )),
            PathBuf::from("/srv/openapi/pets.yaml")
        );
    }

    #[test]
    fn remote_urls() {
        assert!(is_remote("https://example.com/openapi.yaml"));
        assert!(is_remote("http://x"));
        assert!(!is_remote("../openapi/x.yml"));
        assert!(!is_remote("openapi.yaml"));
    }
}
