//! Bad input never panics: mutated versions of every corpus document (lines deleted,
//! duplicated or swapped, text cut short, stray YAML and expression syntax put in) go through
//! the whole generator, which must answer with code or with diagnostics, never a panic.
//!
//! Bounded and deterministic: `ARAZZO_MUTATIONS` mutations per document (default 4), from a
//! fixed seed, so a failure names a mutation that can be replayed.

use arazzo_codegen::{Generator, Settings};
use arazzo_tests::corpus::{self, Outcome};

/// xorshift64*: a fixed, dependency-free sequence of choices.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// Fragments that break YAML, JSON, expressions or references in interesting ways.
const JUNK: &[&str] = &[
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "\t",
    "*a",
    "&a ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "$steps.",
    "$inputs.",
    "{$",
    "#/",
    "$response.body#/",
    "$statusCode ==",
    " && ",
    " || ",
    "$workflows.",
    "$sourceDescriptions.",
    "~1",
    "%",
    "\u{0}",
    "\u{feff}",
    "é",
    "9999999999999999999999",
    "workflowId: x",
    "stepId: x",
    "operationId: x",
    "type: goto",
    "retryLimit: -1",
    "null",
];

fn mutate(text: &str, choices: &mut Choices) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    match choices.below(6) {
        0 if !lines.is_empty() => {
            let at = choices.below(lines.len());
            lines.remove(at);
            lines.join("\n")
        }
        1 if !lines.is_empty() => {
            let at = choices.below(lines.len());
            lines.insert(at, lines[at]);
            lines.join("\n")
        }
        2 if lines.len() > 1 => {
            let (a, b) = (choices.below(lines.len()), choices.below(lines.len()));
            lines.swap(a, b);
            lines.join("\n")
        }
        3 => {
            let mut at = choices.below(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text[..at].to_owned()
        }
        _ => {
            let mut at = choices.below(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let junk = JUNK[choices.below(JUNK.len())];
            format!("{}{junk}{}", &text[..at], &text[at..])
        }
    }
}

#[test]
fn mutated_corpus_documents_give_diagnostics_never_a_panic() {
    let Some(dir) = corpus::dir() else {
        eprintln!(
            "skipped: ../shared/corpus is absent (the shared test data lives beside the checkout)"
        );
        return;
    };
    let per_document: u64 = std::env::var("ARAZZO_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4);
    let out = std::env::temp_dir().join(format!("arazzo-mutations-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("temp dir");
    // A panic is caught and counted; keep the default hook from printing each one.
    std::panic::set_hook(Box::new(|_| {}));
    let mut panics = Vec::new();
    let mut relocation = Vec::new();
    let mut silent = Vec::new();
    let mut runs = 0_u32;
    let (mut generated, mut rejected) = (0_u32, 0_u32);
    for (index, document) in corpus::documents(&dir).iter().enumerate() {
        let original = dir.join(&document.path);
        let Ok(text) = std::fs::read_to_string(&original) else {
            continue;
        };
        // The mutated copy lives elsewhere: its relative sources are mapped back to the files
        // beside the original, on top of the corpus's own URL map.
        let overrides = corpus::relative_sources(&dir, &document.path)
            .into_iter()
            .chain(corpus::source_overrides(&dir, &document.path));
        let settings = overrides.fold(Settings::new(), |settings, (name, path)| {
            settings.with_source(name, path)
        });
        let extension = if document.path.ends_with(".json") {
            "json"
        } else {
            "yaml"
        };
        // The copy, unmutated, must do what the original does: else the mutations would test
        // the relocation rather than the generator.
        let copy = out.join(format!("m{index}.{extension}"));
        std::fs::write(&copy, &text).expect("written");
        let copied = Generator::new(settings.clone()).generate(&copy).is_ok();
        let in_place = matches!(
            corpus::generate(&dir, &document.path),
            Outcome::Generated { .. }
        );
        if copied != in_place {
            relocation.push(document.path.clone());
        }
        for mutation in 0..per_document {
            let seed = (index as u64 + 1) * 1_000_003 + mutation + 1;
            let mut choices = Choices(seed);
            let mutated = mutate(&text, &mut choices);
            let path = out.join(format!("m{index}-{mutation}.{extension}"));
            std::fs::write(&path, &mutated).expect("written");
            runs += 1;
            let generator = Generator::new(settings.clone());
            match std::panic::catch_unwind(|| {
                generator.generate(&path).map(|g| g.to_formatted_string())
            }) {
                Ok(Ok(_)) => generated += 1,
                Ok(Err(failure)) => {
                    rejected += 1;
                    if !failure.diagnostics().has_errors() {
                        silent.push(format!("{} (seed {seed})", document.path));
                    }
                }
                Err(_) => panics.push(format!(
                    "{} (seed {seed}, file {})",
                    document.path,
                    path.display()
                )),
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "{runs} mutated documents: {generated} generated, {rejected} rejected with diagnostics, {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "the generator panicked on: {panics:#?}");
    assert!(
        silent.is_empty(),
        "rejected without an error diagnostic: {silent:#?}"
    );
    assert!(
        relocation.is_empty(),
        "copied elsewhere, these documents do not generate as they do in place: {relocation:#?}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
