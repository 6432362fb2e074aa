//! The Arazzo specification's own schema fixtures (`../shared/spec/arazzo/schema-tests`): every
//! document under `fail/` is rejected by the generator with at least one located error; the
//! documents under `pass/` are counted (generated, rejected as not supported yet, …) and the
//! first problem of each is printed.
//!
//! The fixtures name remote sources, which are never fetched: each OpenAPI source is mapped to
//! `fixtures/arazzo-1.1/schema-tests.openapi.yaml` (or a description of its own), each AsyncAPI
//! source to `fixtures/arazzo-1.1/schema-tests.asyncapi.yaml`, each Arazzo source to
//! `fixtures/arazzo-1.1/schema-tests/other.arazzo.yaml`, which have what they name, so that a
//! fixture is rejected for what it says rather than for a remote URL. Without
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

/// A document's source descriptions, read from its text (the fixtures are small YAML files):
/// each `name:` of `sourceDescriptions` with its `type` (`openapi` when absent).
fn sources(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut inside = false;
    let mut current: Option<String> = None;
    let mut kind = String::from("openapi");
    let mut finish = |current: &mut Option<String>, kind: &mut String| {
        if let Some(name) = current.take() {
            found.push((name, std::mem::replace(kind, "openapi".to_owned())));
        }
        *kind = "openapi".to_owned();
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if !line.starts_with(' ') && !line.starts_with('-') && !trimmed.is_empty() {
            if inside {
                finish(&mut current, &mut kind);
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
            finish(&mut current, &mut kind);
        }
        if let Some(name) = field.strip_prefix("name:") {
            current = Some(name.trim().trim_matches(['\'', '"']).to_owned());
        }
        if let Some(written) = field.strip_prefix("type:") {
            written.trim().clone_into(&mut kind);
        }
    }
    finish(&mut current, &mut kind);
    found
}

/// The OpenAPI description an OpenAPI source of a fixture is mapped to: a small description of
/// its own where the catch-all lacks its operations (`fixtures/arazzo-1.1/schema-tests/`), else
/// `fixtures/arazzo-1.1/schema-tests.openapi.yaml`.
const OWN_SOURCES: &[(&str, &str)] = &[
    ("bnpl-example.yaml", "bnpl.openapi.yaml"),
    ("oauth-example.yaml", "oauth.openapi.yaml"),
    ("pet-coupons-example.yaml", "pet-coupons.openapi.yaml"),
    (
        "parameter-with-querystring-and-runtime-expr.arazzo.yaml",
        "querystring.openapi.yaml",
    ),
    (
        "parameter-with-static-querystring.arazzo.yaml",
        "querystring.openapi.yaml",
    ),
    (
        "invalid-querystring-without-value.arazzo.yaml",
        "querystring.openapi.yaml",
    ),
    (
        "parameter-with-selector.arazzo.yaml",
        "selectors.openapi.yaml",
    ),
    (
        "payload-replacement-using-selector.arazzo.yaml",
        "selectors.openapi.yaml",
    ),
    (
        "criterion-with-extended-xpath.arazzo.yaml",
        "selectors.openapi.yaml",
    ),
    (
        "openapi-and-asyncapi.arazzo.yaml",
        "order-workflow.openapi.yaml",
    ),
];

fn source_for(document: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arazzo-1.1");
    let name = document.file_name().unwrap_or_default().to_string_lossy();
    match OWN_SOURCES.iter().find(|(fixture, _)| *fixture == name) {
        Some((_, own)) => fixtures.join("schema-tests").join(own),
        None => fixtures.join("schema-tests.openapi.yaml"),
    }
}

/// The description a source of a fixture is mapped to, by its type: every `asyncapi` source to
/// `fixtures/arazzo-1.1/schema-tests.asyncapi.yaml`, every `arazzo` one to
/// `fixtures/arazzo-1.1/schema-tests/other.arazzo.yaml`, an `openapi` one as [`source_for`] says.
fn description_for(document: &Path, kind: &str) -> Option<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arazzo-1.1");
    match kind {
        "openapi" => Some(source_for(document)),
        "asyncapi" => Some(fixtures.join("schema-tests.asyncapi.yaml")),
        "arazzo" => Some(fixtures.join("schema-tests/other.arazzo.yaml")),
        _ => None,
    }
}

/// The generator's answer: the code when it generates, else the first error's headline and
/// whether every error is located.
fn check(document: &Path) -> Result<String, (String, bool)> {
    let text = std::fs::read_to_string(document).unwrap_or_default();
    let settings = sources(&text)
        .into_iter()
        .fold(
            Settings::new(),
            |settings, (name, kind)| match description_for(document, &kind) {
                Some(path) => settings.with_source(name, path),
                None => settings,
            },
        );
    match Generator::new(settings).generate(document) {
        Ok(generated) => Ok(generated.to_formatted_string()),
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
            Ok(_) => wrong.push(format!("{name}: generates")),
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

/// The `pass/` fixtures that are still rejected, and why, by the first error's text: each a
/// document that is valid for the schema only.
const REJECTED: &[(&str, &str, &str)] = &[
    // Valid for the schema only ("characterization" fixtures): what they say has no meaning,
    // and a located error says why.
    (
        "characterization-async-invalid-channelPath-string.arazzo.yaml",
        "schema-only",
        "invalid channelPath",
    ),
    (
        "characterization-asyncapi-operationId-without-action.arazzo.yaml",
        "schema-only",
        "must say whether it sends or receives",
    ),
    (
        "characterization-openapi-operationId-with-action.arazzo.yaml",
        "schema-only",
        "belongs to AsyncAPI steps",
    ),
    (
        "characterization-openapi-receive-with-correlationId.arazzo.yaml",
        "schema-only",
        "belongs to AsyncAPI steps",
    ),
    // Its jsonpath criterion `$.status == 'accepted'` is no RFC 9535 query (as in the OAuth
    // example below; the generator says so where it is written).
    (
        "asyncapi-success-criteria.arazzo.yaml",
        "schema-only",
        "invalid JSONPath query",
    ),
    // Valid for the schema only: its `replacements` have no `payload` to apply to (and it reads
    // a step `previous` that does not exist).
    (
        "payload-replacement-using-selector.arazzo.yaml",
        "schema-only",
        "need a `payload`",
    ),
    // Valid for the schema only: what they say cannot be generated (a located error says why).
    (
        "characterization-openapi-invalid-operationPath-string.arazzo.yaml",
        "schema-only",
        "invalid operationPath",
    ),
    (
        "characterization-workflow-step-with-requestBody.arazzo.yaml",
        "schema-only",
        "request body on a step that calls a workflow",
    ),
    // The specification's BNPL example writes a JSON payload without a comma and reads outputs
    // no step declares (its 1.0 original in the corpus has the same mistakes).
    ("bnpl-example.yaml", "schema-only", "not JSON"),
    // The OAuth example's jsonpath criterion `$.access_token != null` is no RFC 9535 query (by
    // 1.1 it would always fail; the generator says so where it is written).
    (
        "oauth-example.yaml",
        "schema-only",
        "invalid JSONPath query",
    ),
];

#[test]
fn pass_fixtures_generate_and_compile() {
    let Some(dir) = dir() else {
        println!(
            "skipped: ../shared/spec/arazzo/schema-tests is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let pass = documents(&dir.join("pass"));
    let mut modules = String::new();
    let mut generated = 0;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut wrong = Vec::new();
    for (i, document) in pass.iter().enumerate() {
        let name = document.file_name().unwrap_or_default().to_string_lossy();
        let expected = REJECTED.iter().find(|(fixture, _, _)| *fixture == name);
        match (check(document), expected) {
            (Ok(code), None) => {
                generated += 1;
                println!("pass/{name}: generates");
                modules.push_str(&format!(
                    "/// `pass/{name}`\npub mod fixture_{i} {{\n{code}\n}}\n\n"
                ));
            }
            (Ok(_), Some(_)) => wrong.push(format!("{name}: now generates; take it off REJECTED")),
            (Err((first, _)), Some((_, why, reason))) => {
                println!("pass/{name}: rejected ({why}): {first}");
                *counts.entry(why).or_default() += 1;
                if !first.contains(reason) {
                    wrong.push(format!("{name}: expected `{reason}`, got `{first}`"));
                }
            }
            (Err((first, _)), None) => wrong.push(format!("{name}: rejected: {first}")),
        }
    }
    println!(
        "pass: {generated} of {} generate; rejected: {counts:?}",
        pass.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(pass.len(), 35, "the fixtures of Arazzo 1.1.0");
    assert_eq!(generated, 25);
    assert_eq!(counts.get("schema-only"), Some(&10));

    let crate_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema_fixtures_generated.rs");
    let source = format!(
        "//! Every `pass/` schema fixture the generator accepts, as modules of one crate.\n\
         #![deny(warnings)]\n\
         // The generated items are the crate's API; in a binary nothing uses them.\n\
         #![allow(dead_code)]\n\n{modules}fn main() {{}}\n"
    );
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}
