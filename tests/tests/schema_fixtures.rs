//! The Arazzo specification's own schema fixtures (`../shared/spec/arazzo/schema-tests`): every
//! document under `fail/` is rejected by the generator with at least one located error; the
//! documents under `pass/` are counted (generated, rejected as not supported yet, …) and the
//! first problem of each is printed.
//!
//! The fixtures name remote sources, which are never fetched: each OpenAPI source is mapped to
//! `fixtures/arazzo-1.1/schema-tests.openapi.yaml`, which has the operations they call, so
//! that a fixture is rejected for what it says rather than for a remote URL. Without
//! `../shared` the test prints a notice and passes.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings, Severity};

fn dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/arazzo/schema-tests");
    dir.join("fail").is_dir().then_some(dir)
}

fn documents(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.extension()
                        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The names of a document's OpenAPI source descriptions, read from its text (the fixtures are
/// small YAML files): each `name:` of `sourceDescriptions` whose entry is not `asyncapi` or
/// `arazzo`.
fn openapi_sources(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    let mut current: Option<String> = None;
    let mut skip = false;
    let mut finish = |current: &mut Option<String>, skip: &mut bool| {
        if let Some(name) = current.take()
            && !*skip
        {
            names.push(name);
        }
        *skip = false;
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if !line.starts_with(' ') && !line.starts_with('-') && !trimmed.is_empty() {
            if inside {
                finish(&mut current, &mut skip);
            }
            inside = trimmed.starts_with("sourceDescriptions:");
            continue;
        }
        if !inside {
            continue;
        }
        let entry = trimmed.strip_prefix("- ");
        let field = entry.unwrap_or(trimmed);
        if entry.is_some() {
            finish(&mut current, &mut skip);
        }
        if let Some(name) = field.strip_prefix("name:") {
            current = Some(name.trim().trim_matches(['\'', '"']).to_owned());
        }
        if let Some(kind) = field.strip_prefix("type:") {
            skip = !matches!(kind.trim(), "openapi");
        }
    }
    finish(&mut current, &mut skip);
    names
}

/// The generator's answer: `Ok(())` when it generates, else the first error's headline and
/// whether every error is located.
fn check(document: &Path) -> Result<(), (String, bool)> {
    let text = std::fs::read_to_string(document).unwrap_or_default();
    let openapi =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arazzo-1.1/schema-tests.openapi.yaml");
    let settings = openapi_sources(&text)
        .into_iter()
        .fold(Settings::new(), |settings, name| {
            settings.with_source(name, openapi.clone())
        });
    match Generator::new(settings).generate(document) {
        Ok(_) => Ok(()),
        Err(failure) => {
            let errors: Vec<_> = failure
                .diagnostics()
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            let located = !errors.is_empty() && errors.iter().any(|d| d.span.is_some());
            let first = errors
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "(no error)".to_owned());
            Err((first, located))
        }
    }
}

#[test]
fn every_fail_fixture_is_rejected_with_a_located_error() {
    let Some(dir) = dir() else {
        println!(
            "skipped: ../shared/spec/arazzo/schema-tests is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let fail = documents(&dir.join("fail"));
    assert!(!fail.is_empty(), "schema-tests/fail is empty");
    let mut wrong = Vec::new();
    for document in &fail {
        let name = document.file_name().unwrap_or_default().to_string_lossy();
        match check(document) {
            Ok(()) => wrong.push(format!("{name}: generates")),
            Err((first, located)) => {
                println!("fail/{name}: rejected: {first}");
                if !located {
                    wrong.push(format!("{name}: no located error ({first})"));
                }
            }
        }
    }
    println!(
        "fail: {} of {} rejected with a located error",
        fail.len() - wrong.len(),
        fail.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn pass_fixtures_are_counted() {
    let Some(dir) = dir() else {
        println!(
            "skipped: ../shared/spec/arazzo/schema-tests is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let pass = documents(&dir.join("pass"));
    let mut generated = 0;
    for document in &pass {
        let name = document.file_name().unwrap_or_default().to_string_lossy();
        match check(document) {
            Ok(()) => {
                generated += 1;
                println!("pass/{name}: generates");
            }
            Err((first, _)) => println!("pass/{name}: rejected: {first}"),
        }
    }
    println!("pass: {generated} of {} generate", pass.len());
}
