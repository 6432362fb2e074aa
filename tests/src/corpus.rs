//! The shared corpus of Arazzo documents written by others (`../shared/corpus`): which documents
//! there are, how their remote sources map to local files (`url-map.yaml`), and what the
//! generator makes of each. Used by the corpus tests and by the `corpus-status` command that
//! writes `docs/corpus-status.md`.

use std::path::{Path, PathBuf};

use arazzo_codegen::node::{self, Node};
use arazzo_codegen::{Files, Generator, Settings};

/// One Arazzo document of the corpus, as its index describes it.
#[derive(Debug)]
pub struct Document {
    /// Its path inside the corpus.
    pub path: String,
    /// The non-conformances the index lists (empty for a conformant document).
    pub nonconformance: Vec<String>,
}

impl Document {
    /// True when the index lists no non-conformance.
    pub fn conformant(&self) -> bool {
        self.nonconformance.is_empty()
    }
}

/// What the generator made of a document.
#[derive(Debug)]
pub enum Outcome {
    /// Code, and how many warnings.
    Generated {
        /// The generated code, formatted.
        code: String,
        /// The warnings, rendered.
        warnings: Vec<String>,
        /// How many workflow outputs the document has.
        outputs: usize,
        /// Those whose type is `serde_json::Value` (`workflowId.output`).
        untyped: Vec<String>,
    },
    /// Diagnostics: the first one's headline, and how many there are.
    Rejected {
        /// Every diagnostic's headline (`file:line:col: error: …`).
        headlines: Vec<String>,
    },
}

/// The corpus directory, when the shared test data is beside the checkout.
pub fn dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.join("index.json")
        .exists()
        .then(|| dir.canonicalize().unwrap_or(dir))
}

/// The Arazzo documents the index lists, in its order.
pub fn documents(corpus: &Path) -> Vec<Document> {
    let Ok(text) = std::fs::read_to_string(corpus.join("index.json")) else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(&text) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|e| e["role"] == "arazzo")
        .filter_map(|e| {
            Some(Document {
                path: e["path"].as_str()?.to_owned(),
                nonconformance: e["nonconformance"]
                    .as_array()
                    .map(|list| {
                        list.iter()
                            .filter_map(|n| n.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Parses a YAML file of the corpus.
fn load(path: &Path) -> Option<Node> {
    let mut files = Files::default();
    let text = std::fs::read_to_string(path).ok()?;
    let id = files.add(path.to_owned(), path.display().to_string(), text);
    node::parse(&files, id).ok()
}

/// The local files `url-map.yaml` gives for a document's sources: by exact remote URL, by URL
/// prefix, by absolute path, and for documents whose relative URLs are relative to their
/// repository's root. The sources of an Arazzo source description are mapped too, under the
/// name `<arazzo source>.<name>`.
pub fn source_overrides(corpus: &Path, document: &str) -> Vec<(String, PathBuf)> {
    let Some(map) = load(&corpus.join("url-map.yaml")) else {
        return Vec::new();
    };
    let mut overrides = Vec::new();
    for (name, path, arazzo) in document_overrides(corpus, &map, document) {
        if arazzo {
            let nested = path
                .strip_prefix(corpus)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| document_overrides(corpus, &map, p))
                .unwrap_or_default();
            overrides.extend(
                nested
                    .into_iter()
                    .map(|(inner, path, _)| (format!("{name}.{inner}"), path)),
            );
        }
        overrides.push((name, path));
    }
    overrides
}

/// The files `url-map.yaml` gives for one document's sources, and whether each is an Arazzo
/// document; a local relative URL is given as the file it names.
fn document_overrides(corpus: &Path, map: &Node, document: &str) -> Vec<(String, PathBuf, bool)> {
    let Some(root) = load(&corpus.join(document)) else {
        return Vec::new();
    };
    let lookup =
        |section: &str, key: &str| map.get(section)?.get(key)?.as_str().map(|p| corpus.join(p));
    let mut overrides = Vec::new();
    for source in root
        .get("sourceDescriptions")
        .map(Node::items)
        .unwrap_or_default()
    {
        let (Some(name), Some(url)) = (
            source.get("name").and_then(Node::as_str),
            source.get("url").and_then(Node::as_str),
        ) else {
            continue;
        };
        let mapped = lookup("remote", url)
            .or_else(|| lookup("absolute_paths", url))
            .or_else(|| {
                let prefixes = map.get("prefixes")?;
                prefixes.entries().iter().find_map(|(prefix, local)| {
                    let rest = url.strip_prefix(prefix.name.as_str())?;
                    Some(corpus.join(local.as_str()?).join(rest))
                })
            });
        let mapped = mapped.or_else(|| {
            let roots = map.get("repo_root_relative")?;
            roots.entries().iter().find_map(|(under, root)| {
                if !document.starts_with(under.name.as_str()) || url.contains("://") {
                    return None;
                }
                Some(
                    corpus
                        .join(root.as_str()?)
                        .join(url.trim_start_matches("./")),
                )
            })
        });
        let arazzo = source.get("type").and_then(Node::as_str) == Some("arazzo");
        if let Some(path) = mapped {
            overrides.push((name.to_owned(), path, arazzo));
        } else if arazzo && !url.contains("://") {
            // Not an override, but the nested document's own sources may need mapping.
            let dir = corpus.join(document);
            let dir = dir.parent().unwrap_or(corpus);
            overrides.push((name.to_owned(), dir.join(url), arazzo));
        }
    }
    overrides
}

/// Every source of a document whose URL is a relative path, with the file it names beside the
/// document: the overrides a copy of the document kept elsewhere needs.
pub fn relative_sources(corpus: &Path, document: &str) -> Vec<(String, PathBuf)> {
    let path = corpus.join(document);
    let (Some(root), Some(dir)) = (load(&path), path.parent()) else {
        return Vec::new();
    };
    root.get("sourceDescriptions")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|source| {
            let name = source.get("name")?.as_str()?;
            let url = source.get("url")?.as_str()?;
            (!url.is_empty() && !url.contains("://")).then(|| {
                let file = url.split('#').next().unwrap_or(url);
                (name.to_owned(), dir.join(file))
            })
        })
        .collect()
}

/// Generates a document with its sources mapped to local files.
pub fn generate(corpus: &Path, document: &str) -> Outcome {
    let settings = source_overrides(corpus, document).into_iter().fold(
        Settings::new().with_base_dir(corpus),
        |settings, (name, path)| settings.with_source(name, path),
    );
    match Generator::new(settings).generate(document) {
        Ok(generated) => Outcome::Generated {
            code: generated.to_formatted_string(),
            warnings: generated
                .warnings()
                .iter()
                .map(|d| d.headline(files_of(&generated)))
                .collect(),
            outputs: generated.output_count(),
            untyped: generated
                .untyped_outputs()
                .iter()
                .map(|(workflow, output)| format!("{workflow}.{output}"))
                .collect(),
        },
        Err(failure) => {
            // Errors first: they are why the document was rejected.
            let mut diagnostics: Vec<_> = failure.diagnostics().iter().collect();
            diagnostics.sort_by_key(|d| d.severity != arazzo_codegen::Severity::Error);
            Outcome::Rejected {
                headlines: diagnostics
                    .iter()
                    .map(|d| d.headline(failure.files()))
                    .collect(),
            }
        }
    }
}

fn files_of(generated: &arazzo_codegen::Generated) -> &Files {
    generated.files()
}
