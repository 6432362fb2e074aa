//! Writes `docs/corpus-status.md`: every Arazzo document of the shared corpus and what the
//! generator makes of it.
//!
//! ```sh
//! cargo run -p arazzo-tests --bin corpus-status > docs/corpus-status.md
//! ```

use arazzo_tests::corpus::{self, Outcome};

fn main() {
    let Some(dir) = corpus::dir() else {
        eprintln!("../shared/corpus is absent: nothing to report");
        std::process::exit(1);
    };
    let documents = corpus::documents(&dir);
    let mut rows = Vec::new();
    let (mut generated, mut conformant_generated, mut conformant) = (0, 0, 0);
    let (mut outputs_total, mut untyped_total) = (0, 0);
    for document in &documents {
        let outcome = corpus::generate(&dir, &document.path);
        conformant += usize::from(document.conformant());
        let result = match &outcome {
            Outcome::Generated {
                warnings,
                outputs,
                untyped,
                ..
            } => {
                generated += 1;
                conformant_generated += usize::from(document.conformant());
                outputs_total += outputs;
                untyped_total += untyped.len();
                let mut result = match warnings.len() {
                    0 => "generated".to_owned(),
                    n => format!("generated, {n} warning{}", if n == 1 { "" } else { "s" }),
                };
                if !untyped.is_empty() {
                    result.push_str(&format!(
                        "; outputs as `serde_json::Value`: {}",
                        untyped.join(", ")
                    ));
                }
                result
            }
            Outcome::Rejected { headlines } => {
                let first = headlines.first().map(String::as_str).unwrap_or("rejected");
                // The headline names the file and place; keep the message after the severity.
                let message = first.split_once(": error: ").map_or(first, |(_, m)| m);
                let more = match headlines.len() {
                    0 | 1 => String::new(),
                    n => format!(" (+{} more)", n - 1),
                };
                format!("rejected: {}{more}", message.replace('|', "\\|"))
            }
        };
        let conformance = if document.conformant() {
            "conformant".to_owned()
        } else {
            document.nonconformance.join("; ").replace('|', "\\|")
        };
        rows.push(format!(
            "| `{}` | {conformance} | {result} |",
            document.path
        ));
    }
    println!("# Corpus status");
    println!();
    println!(
        "What the generator makes of each Arazzo document of the shared corpus (`../shared/corpus`,"
    );
    println!(
        "documents written by others), with remote sources mapped to local files by its `url-map.yaml`."
    );
    println!("Produced by:");
    println!();
    println!("```sh");
    println!("cargo run -p arazzo-tests --bin corpus-status > docs/corpus-status.md");
    println!("```");
    println!();
    println!(
        "{generated} of {} documents generate; {conformant_generated} of the {conformant} the corpus lists as conformant.",
        documents.len()
    );
    println!(
        "Every generated document compiles, all of them in one crate (`cargo test -p arazzo-tests --test corpus`)."
    );
    println!(
        "Of their {outputs_total} workflow outputs, {} have a concrete Rust type and {untyped_total} are `serde_json::Value`, because no schema describes them (listed per document).",
        outputs_total - untyped_total
    );
    println!(
        "A rejected document's first diagnostic is shown; `arazzo-codegen check` shows all of them, with their lines."
    );
    println!();
    println!("| document | conformance (corpus index) | result |");
    println!("|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
