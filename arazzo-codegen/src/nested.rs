//! The Arazzo documents a document names as sources, at any depth: each read with its own
//! sources (its overrides scoped by the chain of source names that reached it), and a cycle
//! between documents reported where it closes.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::files::{Span, clean_path};
use crate::load::{self, Cache, LoadedSource};
use crate::model::arazzo::{self, SourceKind};
use crate::node::Node;
use crate::settings::Settings;

/// An Arazzo document reached through an Arazzo source description.
#[derive(Debug)]
pub(crate) struct Nested {
    /// The source's name in the document that names it.
    pub name: String,
    /// The chain of source names from the root document (`a`, `a.b`): the scope of its
    /// overrides and the prefix of its names.
    pub scope: String,
    /// The nested document that names it (its index), or `None` for the root.
    pub parent: Option<usize>,
    /// The parsed document.
    pub node: Arc<Node>,
    /// Its own sources.
    pub sources: Vec<LoadedSource>,
}

/// One Arazzo source still to read.
struct Pending {
    parent: Option<usize>,
    name: String,
    node: Arc<Node>,
    path: PathBuf,
    url_span: Span,
    /// The files from the root to the document naming this one.
    chain: Vec<PathBuf>,
}

/// Reads every Arazzo document reached from the root's `sources`, breadth first: a document's
/// index is always after the index of the document that names it.
pub(crate) fn load(
    settings: &Settings,
    root_path: &Path,
    root_sources: &[LoadedSource],
    root_urls: &BTreeMap<String, String>,
    cache: &mut Cache,
    diagnostics: &mut Diagnostics,
) -> Vec<Nested> {
    let mut queue: VecDeque<Pending> = VecDeque::new();
    let root_chain = vec![clean_path(root_path)];
    queue.extend(arazzo_sources(None, root_sources, &root_chain));
    let mut nested: Vec<Nested> = Vec::new();
    while let Some(pending) = queue.pop_front() {
        if let Some(first) = pending.chain.iter().position(|p| *p == pending.path) {
            let cycle: Vec<String> = pending.chain[first..]
                .iter()
                .chain([&pending.path])
                .map(|p| format!("`{}`", p.display()))
                .collect();
            diagnostics.push(
                Diagnostic::error(
                    pending.url_span,
                    format!(
                        "source `{}` closes a cycle between Arazzo documents",
                        pending.name
                    ),
                )
                .with_label(cycle.join(" names "))
                .with_help("a document cannot reach itself through its Arazzo sources; remove this source, or name the workflows' own document instead"),
            );
            continue;
        }
        let scope = match pending.parent {
            Some(parent) => format!("{}.{}", nested[parent].scope, pending.name),
            None => pending.name.clone(),
        };
        let sources = {
            let Some(document) = arazzo::read(&pending.node, diagnostics) else {
                continue;
            };
            load::sources(
                settings,
                Some(&scope),
                Some(root_urls),
                &pending.path,
                document.self_uri.as_ref(),
                document.version,
                &document.sources,
                cache,
                diagnostics,
            )
        };
        let index = nested.len();
        let mut chain = pending.chain;
        chain.push(pending.path);
        queue.extend(arazzo_sources(Some(index), &sources, &chain));
        nested.push(Nested {
            name: pending.name,
            scope,
            parent: pending.parent,
            node: pending.node,
            sources,
        });
    }
    nested
}

/// The Arazzo sources among `sources` that were read, to be read in turn.
fn arazzo_sources(
    parent: Option<usize>,
    sources: &[LoadedSource],
    chain: &[PathBuf],
) -> Vec<Pending> {
    sources
        .iter()
        .filter(|s| s.kind == SourceKind::Arazzo)
        .filter_map(|s| {
            Some(Pending {
                parent,
                name: s.name.clone(),
                node: s.node.clone()?,
                path: clean_path(s.path.as_ref()?),
                url_span: s.url_span,
                chain: chain.to_vec(),
            })
        })
        .collect()
}
