//! The bad-input suite: every malformed document under `tests/bad-input/` goes through the
//! generator and must come back with at least one error, never a panic; what the user sees
//! (the text `arazzo-codegen check` prints) is compared with the snapshot next to the document,
//! `<document>.stderr`.
//!
//! Documents under `tests/bad-input/dialects/` are real-world dialects that the generator
//! accepts with warnings: their snapshot shows the warnings, then what `--strict` makes of them
//! (the same problems as errors).
//!
//! Paths are relative to `tests/bad-input`, so the snapshots do not depend on the checkout.
//! Regenerate with `EXPECTORATE=overwrite cargo test -p arazzo-tests --test bad_input`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

/// The generator's answer for one document: `(rendered text, errors, warnings)`.
fn check(base: &Path, document: &Path, strict: bool) -> (String, usize, usize) {
    let generator = Generator::new(Settings::new().with_base_dir(base).with_strict(strict));
    let count = |diagnostics: &arazzo_codegen::Diagnostics, severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    // A message may name an absolute path (the file it tried to read): the checkout's own
    // place is written `<bad-input>`, so that snapshots are the same on every machine.
    let relative = |text: String| text.replace(&base.display().to_string(), "<bad-input>");
    match catch_unwind(AssertUnwindSafe(|| generator.generate(document))) {
        Err(_) => panic!("{}: the generator panicked", document.display()),
        Ok(Ok(generated)) => (
            relative(generated.render_warnings()),
            0,
            count(generated.warnings(), arazzo_codegen::Severity::Warning),
        ),
        Ok(Err(failure)) => (
            relative(failure.to_string()),
            count(failure.diagnostics(), arazzo_codegen::Severity::Error),
            count(failure.diagnostics(), arazzo_codegen::Severity::Warning),
        ),
    }
}

/// The Arazzo documents of a directory of the suite, relative to `tests/bad-input`.
fn documents(base: &Path, dir: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(base.join(dir))
        .expect("the bad-input directory is readable")
        .filter_map(Result::ok)
        .map(|entry| PathBuf::from(dir).join(entry.file_name()))
        .filter(|path| {
            let name = path.to_string_lossy();
            name.ends_with(".arazzo.yaml") || name.ends_with(".arazzo.json")
        })
        .collect();
    found.sort();
    found
}

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bad-input")
}

fn snapshot_path(base: &Path, document: &Path) -> PathBuf {
    let mut name = document.as_os_str().to_owned();
    name.push(".stderr");
    base.join(name)
}

#[test]
fn every_malformed_document_gets_located_errors_matching_its_snapshot() {
    let base = base();
    let documents = documents(&base, "");
    assert!(
        documents.len() >= 40,
        "the suite has {} documents, fewer than 40",
        documents.len()
    );
    for document in &documents {
        let (text, errors, _) = check(&base, document, false);
        assert!(
            errors >= 1,
            "{}: expected at least one error, got:\n{text}",
            document.display()
        );
        // Every error names its place, `file:line:col: error: …`, except a document that
        // cannot be read at all.
        for line in text.lines().filter(|l| l.contains("error: ")) {
            assert!(
                !line.starts_with("error: "),
                "{}: an error without a location: {line}",
                document.display()
            );
        }
        expectorate::assert_contents(snapshot_path(&base, document), &format!("{text}\n"));
    }
}

#[test]
fn dialects_are_warnings_and_strict_makes_them_errors() {
    let base = base();
    let documents = documents(&base, "dialects");
    assert!(!documents.is_empty());
    for document in &documents {
        let (lenient, errors, warnings) = check(&base, document, false);
        assert_eq!(
            errors,
            0,
            "{}: a dialect is accepted, got:\n{lenient}",
            document.display()
        );
        assert!(
            warnings >= 1,
            "{}: a dialect is accepted with a warning",
            document.display()
        );
        let (strict, strict_errors, strict_warnings) = check(&base, document, true);
        assert_eq!(
            (strict_errors, strict_warnings),
            (warnings, 0),
            "{}: with --strict, every warning is an error:\n{strict}",
            document.display()
        );
        expectorate::assert_contents(
            snapshot_path(&base, document),
            &format!("{lenient}\n\n--- with --strict ---\n\n{strict}\n"),
        );
    }
}
