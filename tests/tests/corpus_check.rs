//! `arazzo-codegen check` on every corpus document (the generator the command runs, with the
//! settings it builds): the answer is nothing, warnings, or errors that each name a file, line
//! and column; never a panic. Once as the command line sees a document (remote sources not
//! mapped, so they are errors), and once with the corpus's `url-map.yaml` mappings given as
//! `--source` overrides.

use std::panic::{AssertUnwindSafe, catch_unwind};

use arazzo_codegen::{Diagnostics, Files, Generator, Settings, Severity};
use arazzo_tests::corpus;

/// Problems with `diagnostics` that a user could not act on: an error without a location, or
/// whose rendering does not start with `file:line:col: error:`.
fn unlocated(diagnostics: &Diagnostics, files: &Files) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| {
            let rendered = d.render(files);
            let headline = rendered.lines().next().unwrap_or_default().to_owned();
            let located = d.span.is_some()
                && headline
                    .split(": error: ")
                    .next()
                    .and_then(|place| {
                        let mut parts = place.rsplitn(3, ':');
                        let column = parts.next()?.parse::<usize>().ok()?;
                        let line = parts.next()?.parse::<usize>().ok()?;
                        let file = parts.next()?;
                        Some(column > 0 && line > 0 && !file.is_empty())
                    })
                    .unwrap_or(false);
            (!located).then_some(headline)
        })
        .collect()
}

#[test]
fn check_on_every_corpus_document_answers_nothing_warnings_or_located_errors() {
    let Some(dir) = corpus::dir() else {
        println!(
            "skipped: ../shared/corpus is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let documents = corpus::documents(&dir);
    assert!(!documents.is_empty(), "the corpus index lists no documents");
    let mut problems = Vec::new();
    let (mut clean, mut warned, mut rejected) = (0, 0, 0);
    for document in &documents {
        let mapped = corpus::source_overrides(&dir, &document.path);
        for overrides in [Vec::new(), mapped] {
            let settings = overrides.into_iter().fold(
                Settings::new().with_base_dir(&dir),
                |settings, (name, path)| settings.with_source(name, path),
            );
            let generator = Generator::new(settings);
            let outcome = catch_unwind(AssertUnwindSafe(|| generator.generate(&document.path)));
            match outcome {
                Err(_) => problems.push(format!("{}: the generator panicked", document.path)),
                Ok(Ok(generated)) => {
                    if generated.warnings().is_empty() {
                        clean += 1;
                    } else {
                        warned += 1;
                    }
                    if generated.warnings().has_errors() {
                        problems.push(format!("{}: generated, with errors", document.path));
                    }
                }
                Ok(Err(failure)) => {
                    rejected += 1;
                    if !failure.diagnostics().has_errors() {
                        problems.push(format!("{}: rejected without an error", document.path));
                    }
                    for headline in unlocated(failure.diagnostics(), failure.files()) {
                        problems.push(format!("{}: unlocated: {headline}", document.path));
                    }
                }
            }
        }
    }
    println!(
        "{} documents, checked without and with source mappings: {clean} clean, {warned} with warnings only, {rejected} with located errors",
        documents.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
