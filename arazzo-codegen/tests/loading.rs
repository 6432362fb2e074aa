//! Loading: byte-order marks, `file://` sources, one document per file, settings.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings};

fn seed_openapi() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/openapi/stytch-consumer-openapi.yml")
        .canonicalize()
        .expect("exists")
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("arazzo-loading-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

fn document(url: &str) -> String {
    format!(
        "arazzo: 1.0.1\ninfo: {{title: t, version: '1'}}\nsourceDescriptions:\n- {{name: stytch, url: '{url}'}}\n\
         workflows:\n- workflowId: w\n  steps:\n  - stepId: s\n    operationId: api_otp_v1_Authenticate\n    \
         requestBody:\n      payload: {{method_id: m, code: c}}\n"
    )
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_document() {
    let path = temp_file(
        "bom.arazzo.yaml",
        &format!(
            "\u{feff}{}",
            document(&seed_openapi().display().to_string())
        ),
    );
    let generated = Generator::new(Settings::new()).generate(&path);
    assert!(
        generated.is_ok(),
        "{}",
        generated.err().map(|f| f.to_string()).unwrap_or_default()
    );
}

#[test]
fn file_urls_name_local_files() {
    let url = format!("file://{}", seed_openapi().display());
    let path = temp_file("file-url.arazzo.yaml", &document(&url));
    let generated = Generator::new(Settings::new()).generate(&path);
    assert!(
        generated.is_ok(),
        "{}",
        generated.err().map(|f| f.to_string()).unwrap_or_default()
    );
}

#[test]
fn remote_urls_are_never_fetched_and_say_how_to_map_them() {
    let path = temp_file(
        "remote.arazzo.yaml",
        &document("https://example.com/openapi.yaml"),
    );
    let failure = Generator::new(Settings::new())
        .generate(&path)
        .expect_err("refused");
    let text = failure.to_string();
    assert!(
        text.contains("source `stytch` is a remote URL; it is never fetched"),
        "{text}"
    );
    assert!(text.contains("--source stytch=path/to/file.yaml"), "{text}");
    // Mapped to a local file, it generates.
    let settings = Settings::new().with_source("stytch", seed_openapi());
    assert!(Generator::new(settings).generate(&path).is_ok());
}

#[test]
fn a_second_yaml_document_is_an_error() {
    let text = format!(
        "{}---\nnot: [closed\n",
        document(&seed_openapi().display().to_string())
    );
    let path = temp_file("two-documents.arazzo.yaml", &text);
    let failure = Generator::new(Settings::new())
        .generate(&path)
        .expect_err("refused");
    assert!(
        failure.to_string().contains("second YAML document"),
        "{failure}"
    );
}

#[test]
fn the_macro_takes_source_names_that_are_not_identifiers() {
    let input = arazzo_codegen::macro_support::parse(quote::quote!(
        "specs/x.yml",
        sources("my-api" = "a.yml", other = "b.yml"),
        strict = true
    ))
    .expect("parses");
    assert_eq!(
        input.sources,
        [
            ("my-api".to_owned(), PathBuf::from("a.yml")),
            ("other".to_owned(), PathBuf::from("b.yml"))
        ]
    );
    assert!(input.strict);
    let error = arazzo_codegen::macro_support::parse(quote::quote!("specs/x.yml", colour = true))
        .expect_err("refused");
    assert!(
        error.to_string().contains("unknown setting `colour`"),
        "{error}"
    );
}

fn composition_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/composition")
        .join(name)
        .canonicalize()
        .expect("exists")
}

/// A document whose one step runs `workflow` of the Arazzo source `shared`.
fn calling(workflow: &str) -> String {
    format!(
        "arazzo: 1.0.1\ninfo: {{title: t, version: '1'}}\nsourceDescriptions:\n\
         - {{name: shared, type: arazzo, url: '{}'}}\n\
         workflows:\n- workflowId: w\n  steps:\n  - stepId: s\n    workflowId: $sourceDescriptions.shared.{workflow}\n",
        composition_fixture("shared.arazzo.yaml").display()
    )
}

#[test]
fn an_unknown_workflow_of_an_arazzo_source_is_located_with_a_suggestion() {
    let path = temp_file("nested-unknown.arazzo.yaml", &calling("begn"));
    let failure = Generator::new(Settings::new())
        .generate(&path)
        .expect_err("no workflow `begn`");
    let text = failure.to_string();
    assert!(
        text.contains(
            "nested-unknown.arazzo.yaml:9:17: error: source `shared` has no workflow `begn`"
        ),
        "{text}"
    );
    assert!(text.contains("begn"), "{text}");
    assert!(text.contains("help: did you mean `begin`?"), "{text}");
}

#[test]
fn a_scoped_override_replaces_a_source_of_the_arazzo_source() {
    let path = temp_file("nested-scoped.arazzo.yaml", &calling("begin"));
    // The nested document's `jobs` source, replaced by a file that lacks `startJob`: the
    // override was applied to it.
    let generated =
        Generator::new(Settings::new().with_source("shared.jobs", seed_openapi())).generate(&path);
    let text = generated.err().map(|f| f.to_string()).unwrap_or_default();
    assert!(text.contains("startJob"), "{text}");
    // A scoped name that no document has is an error, like any unknown override.
    let failure = Generator::new(Settings::new().with_source("shared.nope", seed_openapi()))
        .generate(&path)
        .expect_err("unknown override");
    assert!(failure.to_string().contains("`shared.nope`"), "{failure}");
    // Without overrides it generates.
    assert!(Generator::new(Settings::new()).generate(&path).is_ok());
}

#[test]
fn generate_each_shares_files_and_gives_what_generate_gives() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/arazzo/stytch-sms-otp-login-workflow.yml")
        .canonicalize()
        .expect("exists");
    let other = temp_file(
        "each.arazzo.yaml",
        &document(&seed_openapi().display().to_string()),
    );
    let missing = temp_file("each-missing.arazzo.yaml", &document("nope.yml"));
    // A failure can go into `Box<dyn Error + Send + Sync>` (anyhow), as before.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<arazzo_codegen::Failure>();
    let generator = Generator::new(Settings::new());
    let each = generator.generate_each([&seed, &other, &missing, &seed]);
    assert_eq!(each.len(), 4);
    for (path, result) in [&seed, &other, &missing, &seed].into_iter().zip(&each) {
        let alone = generator.generate(path);
        match (result, alone) {
            (Ok(shared), Ok(alone)) => {
                assert_eq!(shared.to_formatted_string(), alone.to_formatted_string());
                let read: Vec<_> = shared.files_read().collect();
                assert_eq!(read, alone.files_read().collect::<Vec<_>>());
                assert_eq!(read.len(), 2, "{read:?}");
            }
            (Err(shared), Err(alone)) => {
                assert_eq!(shared.to_string(), alone.to_string());
                assert_eq!(
                    shared.files_read().collect::<Vec<_>>(),
                    alone.files_read().collect::<Vec<_>>()
                );
            }
            (shared, alone) => panic!(
                "{}: generate_each gave {}, generate {}",
                path.display(),
                shared.is_ok(),
                alone.is_ok()
            ),
        }
    }
}
