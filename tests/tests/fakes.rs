//! Every workflow of the upstream Stytch documents (`../shared/specs-upstream/arazzo`) that
//! generates runs to success against its own generated fake, with no handler registered and
//! the inputs `fake::inputs` makes up, and none of its requests breaks the description (the
//! fake's checks: required parameters and body members, their types, the content type,
//! credentials). Every typed default body (`default_<status>()`) reads as its type. The
//! documents are generated with `fake = true`, compiled together in one crate, and run
//! (trybuild runs a `pass` case's `main`); the counts are printed.
//!
//! The same for the corpus (`../shared/corpus`): every workflow of every document that generates
//! runs against its own fake; how many succeed, and why the others fail, is printed
//! (`--nocapture`) and kept in `docs/corpus-fakes.md`.

use std::fmt::Write as _;

use arazzo_codegen::{Generator, Settings};
use arazzo_tests::corpus;

/// The workflow functions at the root of a generated module.
fn workflow_functions(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|line| line.strip_prefix("pub async fn "))
        .filter_map(|rest| rest.split('(').next())
        .map(str::to_owned)
        .collect()
}

/// The typed default bodies of a generated fake, as `Response::default_<status>` paths.
fn typed_defaults(code: &str) -> Vec<String> {
    let mut response = "";
    let mut found = Vec::new();
    for line in code.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("impl ")
            && let Some(name) = rest.strip_suffix(" {")
            && name.ends_with("Response")
        {
            response = name;
        }
        if let Some(rest) = line.strip_prefix("pub fn default_")
            && let Some(name) = rest.split('(').next()
            && !["answer", "body"].contains(&name)
        {
            found.push(format!("{response}::default_{name}"));
        }
    }
    found
}

#[test]
fn every_stytch_workflow_succeeds_against_its_own_fake() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs-upstream/arazzo");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: {} is absent; skipping", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    let generator = Generator::new(Settings::new().with_fake(true));
    let (mut modules, mut runs) = (String::new(), String::new());
    let (mut documents, mut workflows) = (0, 0);
    for (i, path) in paths.iter().enumerate() {
        let Ok(generated) = generator.generate(path) else {
            continue;
        };
        documents += 1;
        let code = generated.to_formatted_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for default in typed_defaults(&code) {
            // Every typed default body reads as its type (it panics otherwise).
            writeln!(runs, "    let _ = document_{i}::fake::{default}();").expect("written");
        }
        for function in workflow_functions(&code) {
            workflows += 1;
            write!(
                runs,
                "    {{\n        let fake = document_{i}::fake::Fake::start().await;\n        \
                 let result = document_{i}::{function}(&fake.client(), document_{i}::fake::inputs::{function}()).await;\n        \
                 check(&mut failures, \"{name}\", \"{function}\", result.map(drop), fake.violations());\n    }}\n"
            )
            .expect("written");
        }
        write!(
            modules,
            "/// `{name}`\npub mod document_{i} {{\n{code}\n}}\n\n"
        )
        .expect("written");
    }
    println!(
        "{documents} of {} Stytch documents generate, with {workflows} workflows",
        paths.len()
    );
    assert!(documents >= 22, "{documents} documents generate");
    let source = format!(
        "//! Every Stytch workflow that generates, run against its own fake.\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n{modules}\n\
         fn check(\n    failures: &mut Vec<String>,\n    document: &str,\n    workflow: &str,\n    \
         result: Result<(), arazzo_runtime::Error>,\n    violations: Vec<arazzo_runtime::fake::Violation>,\n) {{\n    \
         match result {{\n        Err(error) => failures.push(format!(\"{{document}} {{workflow}}: {{error}}\")),\n        \
         Ok(()) if !violations.is_empty() => failures.push(format!(\"{{document}} {{workflow}}: {{violations:?}}\")),\n        \
         Ok(()) => {{}}\n    }}\n}}\n\n\
         #[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n    let mut failures = Vec::new();\n{runs}    \
         println!(\"{{}} of {workflows} workflows succeed against their fakes\", {workflows} - failures.len());\n    \
         assert!(failures.is_empty(), \"{{failures:#?}}\");\n}}\n"
    );
    let crate_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("stytch_fakes.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
}

/// The corpus's workflows that succeed against their fakes, at least (see `docs/corpus-fakes.md`).
const CORPUS_SUCCEEDING: usize = 56;

#[test]
fn corpus_workflows_against_their_fakes() {
    let Some(dir) = corpus::dir() else {
        println!(
            "skipped: ../shared/corpus is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let (mut modules, mut runs) = (String::new(), String::new());
    let (mut documents, mut workflows) = (0, 0);
    for (i, document) in corpus::documents(&dir).iter().enumerate() {
        let settings = corpus::source_overrides(&dir, &document.path)
            .into_iter()
            .fold(
                Settings::new().with_base_dir(&dir).with_fake(true),
                |settings, (name, path)| settings.with_source(name, path),
            );
        let Ok(generated) = Generator::new(settings).generate(&document.path) else {
            continue;
        };
        documents += 1;
        let code = generated.to_formatted_string();
        let name = &document.path;
        for function in workflow_functions(&code) {
            workflows += 1;
            write!(
                runs,
                "    {{\n        let fake = document_{i}::fake::Fake::start().await;\n        \
                 let client = fake.client_builder().timeout(std::time::Duration::from_secs(5)).build();\n        \
                 let run = document_{i}::{function}(&client, document_{i}::fake::inputs::{function}());\n        \
                 let result = match tokio::time::timeout(std::time::Duration::from_secs(10), run).await {{\n            \
                 Ok(result) => result.map(drop).map_err(|e| e.to_string()),\n            \
                 Err(_) => Err(\"did not end within 10 s\".to_owned()),\n        }};\n        \
                 check(&mut lines, \"{name}\", \"{function}\", result, fake.violations());\n    }}\n"
            )
            .expect("written");
        }
        write!(
            modules,
            "/// `{name}`\npub mod document_{i} {{\n{code}\n}}\n\n"
        )
        .expect("written");
    }
    let results = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus_fakes.txt");
    let _ = std::fs::remove_file(&results);
    let source = format!(
        "//! Every corpus workflow that generates, run against its own fake.\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n{modules}\n\
         fn check(\n    lines: &mut Vec<String>,\n    document: &str,\n    workflow: &str,\n    \
         result: Result<(), String>,\n    violations: Vec<arazzo_runtime::fake::Violation>,\n) {{\n    \
         lines.push(match result {{\n        Err(error) => format!(\"fails {{document}} {{workflow}}: {{error}}\"),\n        \
         Ok(()) if !violations.is_empty() => format!(\"fails {{document}} {{workflow}}: {{violations:?}}\"),\n        \
         Ok(()) => format!(\"ok {{document}} {{workflow}}\"),\n    }});\n}}\n\n\
         #[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n    let mut lines = Vec::new();\n{runs}    \
         std::fs::write({results:?}, lines.join(\"\\n\")).expect(\"written\");\n}}\n"
    );
    let crate_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus_fakes.rs");
    std::fs::write(&crate_file, source).expect("written");
    trybuild::TestCases::new().pass(&crate_file);
    let lines = std::fs::read_to_string(&results).expect("the run wrote its results");
    let succeeding = lines.lines().filter(|l| l.starts_with("ok ")).count();
    println!(
        "corpus: {documents} documents generate, with {workflows} workflows; {succeeding} succeed against their fakes"
    );
    for line in lines.lines().filter(|l| l.starts_with("fails ")) {
        println!("  {line}");
    }
    assert!(succeeding >= CORPUS_SUCCEEDING, "{lines}");
}
