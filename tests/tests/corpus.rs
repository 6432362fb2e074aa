//! The shared corpus (`../shared/corpus`): every document the generator accepts compiles, all of
//! them together in one crate, and every conformant document it rejects is rejected for the
//! reason listed here (a source that cannot be had, a mistake in the document, or a feature
//! this version does not support). `docs/corpus-status.md` shows the whole table.

use arazzo_tests::corpus::{self, Outcome};

/// Conformant documents that do not generate, and the (first) reason they give.
const REJECTED_CONFORMANT: &[(&str, &str)] = &[
    (
        "ExtendedParametersExample.arazzo.yaml",
        "cannot read `oai-arazzo-spec/examples/1.0.0/animals.yaml`",
    ),
    ("FAPI-PAR.arazzo.yaml", "unknown operationId `PAR`"),
    (
        "pet-coupons.arazzo.yaml",
        "the operation's path `/pet/{petId}/coupons` has no `{pet_id}`",
    ),
    (
        "reusable-components.arazzo.yaml",
        "workflow inputs must be an object schema",
    ),
    (
        "cross_source.arazzo.yaml",
        "is a remote URL; it is never fetched",
    ),
    ("test.arazzo.yaml", "is a remote URL; it is never fetched"),
    (
        "speakeasybar.arazzo.yaml",
        "is a remote URL; it is never fetched",
    ),
];

#[test]
fn generated_corpus_documents_compile_together_and_rejections_say_why() {
    let Some(dir) = corpus::dir() else {
        println!(
            "skipped: ../shared/corpus is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let mut modules = String::new();
    let mut unexpected = Vec::new();
    let mut generated = 0;
    let mut conformant_generated = 0;
    for (i, document) in corpus::documents(&dir).iter().enumerate() {
        match corpus::generate(&dir, &document.path) {
            Outcome::Generated { code, .. } => {
                generated += 1;
                conformant_generated += usize::from(document.conformant());
                modules.push_str(&format!(
                    "/// `{}`\npub mod document_{i} {{\n{code}\n}}\n\n",
                    document.path
                ));
                if REJECTED_CONFORMANT
                    .iter()
                    .any(|(name, _)| document.path.ends_with(name))
                {
                    unexpected.push(format!(
                        "{}: now generates; take it off the list",
                        document.path
                    ));
                }
            }
            Outcome::Rejected { headlines } => {
                for headline in &headlines {
                    // Every diagnostic with a place names `file:line:column`.
                    assert!(
                        !headline.starts_with(&document.path)
                            || headline
                                .split(':')
                                .nth(2)
                                .is_some_and(|c| c.parse::<usize>().is_ok()),
                        "{headline}"
                    );
                }
                if !document.conformant() {
                    continue;
                }
                let first = headlines.first().cloned().unwrap_or_default();
                match REJECTED_CONFORMANT
                    .iter()
                    .find(|(name, _)| document.path.ends_with(name))
                {
                    Some((_, reason)) if first.contains(reason) => {}
                    Some((_, reason)) => unexpected.push(format!(
                        "{}: expected `{reason}`, got `{first}`",
                        document.path
                    )),
                    None => {
                        unexpected.push(format!("{}: conformant, rejected: {first}", document.path))
                    }
                }
            }
        }
    }
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    // The counts of `docs/corpus-status.md`: they may grow, never shrink.
    assert!(generated >= 56, "{generated} documents generate");
    assert!(
        conformant_generated >= 41,
        "{conformant_generated} conformant documents generate"
    );

    let crate_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus_generated.rs");
    let source = format!(
        "//! Every corpus document the generator accepts, as modules of one crate.\n\
         #![deny(warnings)]\n\
         // The generated items are the crate's API; in a binary nothing uses them.\n\
         #![allow(dead_code)]\n\n{modules}fn main() {{}}\n"
    );
    std::fs::write(&crate_file, source).expect("written");
    println!("corpus: {generated} documents generated; compiling them together");
    trybuild::TestCases::new().pass(&crate_file);
}
