//! Every Arazzo document of the shared corpus (`../shared/corpus`, documents written by others)
//! goes through the whole generator: it must come back with code or with diagnostics that have
//! places, and never panic.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.join("index.json").exists() {
        Some(dir)
    } else {
        println!(
            "skipped: {} is absent (the shared test data lives beside the checkout)",
            dir.display()
        );
        None
    }
}

/// The Arazzo documents listed in the corpus index (entries with `"role": "arazzo"`).
fn arazzo_documents(corpus: &Path) -> Vec<PathBuf> {
    let index = std::fs::read_to_string(corpus.join("index.json")).expect("index.json reads");
    let index: serde_json::Value = serde_json::from_str(&index).expect("index.json parses");
    index
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["role"] == "arazzo")
        .filter_map(|entry| entry["path"].as_str())
        .map(|path| corpus.join(path))
        .collect()
}

#[test]
fn every_corpus_document_generates_or_explains_why_not() {
    let Some(corpus) = corpus() else { return };
    let documents = arazzo_documents(&corpus);
    assert!(
        documents.len() >= 70,
        "the index lists the corpus ({} found)",
        documents.len()
    );
    let (mut generated, mut rejected) = (0, 0);
    for document in &documents {
        match Generator::new(Settings::new()).generate(document) {
            Ok(_) => generated += 1,
            Err(failure) => {
                rejected += 1;
                assert!(
                    !failure.diagnostics().is_empty(),
                    "{}: a failure explains itself",
                    document.display()
                );
                for diagnostic in failure.diagnostics().iter() {
                    if let Some(span) = diagnostic.span {
                        assert!(
                            span.line >= 1 && span.column >= 1,
                            "{}: {diagnostic:?}",
                            document.display()
                        );
                    }
                }
                // Rendering reads the lines the diagnostics point at; it must not panic either.
                let _ = failure.to_string();
            }
        }
    }
    println!(
        "corpus: {} documents, {generated} generated, {rejected} rejected with diagnostics",
        documents.len()
    );
}
