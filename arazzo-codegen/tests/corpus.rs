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

/// Counts of what the census found.
#[derive(Debug, Default)]
struct Census {
    expressions: usize,
    criteria: usize,
    /// `xpath` criteria: recognised, and reported as unsupported by the generator.
    xpath: usize,
    failures: Vec<String>,
}

impl Census {
    fn expression(&mut self, where_: &str, text: &str) {
        use arazzo_codegen::expr;
        if !(expr::looks_like_expression(text) || text.contains("{$")) {
            return;
        }
        self.expressions += 1;
        let parsed = match text.strip_prefix("$sourceDescriptions.") {
            // An operationId qualified by its source is an expression with a free-form tail.
            Some(_) => expr::parse(text).map(|_| ()),
            None => expr::parse_template(text).map(|_| ()),
        };
        if let Err(error) = parsed {
            self.failures
                .push(format!("{where_}: expression `{text}`: {}", error.message));
        }
    }

    fn strings(&mut self, where_: &str, node: &arazzo_codegen::node::Node) {
        use arazzo_codegen::node::Value;
        match &node.value {
            Value::Str(s) => self.expression(where_, s),
            Value::Seq(items) => items.iter().for_each(|i| self.strings(where_, i)),
            Value::Map(entries) => entries.iter().for_each(|(_, v)| self.strings(where_, v)),
            _ => {}
        }
    }

    fn criterion(&mut self, where_: &str, node: &arazzo_codegen::node::Node) {
        self.criteria += 1;
        let condition = node
            .get("condition")
            .and_then(|c| c.as_str())
            .unwrap_or_default();
        if let Some(context) = node.get("context").and_then(|c| c.as_str()) {
            self.expression(where_, context);
        }
        let kind = match node.get("type") {
            None => "simple",
            Some(kind) => kind
                .as_str()
                .or_else(|| kind.get("type").and_then(|t| t.as_str()))
                .unwrap_or("?"),
        };
        let result = match kind {
            "simple" => arazzo_codegen::condition::parse(condition)
                .map(|_| ())
                .map_err(|e| e.message),
            "regex" => regex::Regex::new(condition)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "jsonpath" => serde_json_path::JsonPath::parse(condition)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "xpath" => {
                self.xpath += 1;
                Ok(())
            }
            other => Err(format!("criterion type `{other}`")),
        };
        if let Err(error) = result {
            self.failures
                .push(format!("{where_}: {kind} criterion `{condition}`: {error}"));
        }
    }

    fn actions(&mut self, where_: &str, node: Option<&arazzo_codegen::node::Node>) {
        for action in node.map(|n| n.items()).unwrap_or_default() {
            if let Some(reference) = action.get("reference").and_then(|r| r.as_str()) {
                self.expression(where_, reference);
            }
            for criterion in action
                .get("criteria")
                .map(|c| c.items())
                .unwrap_or_default()
            {
                self.criterion(where_, criterion);
            }
        }
    }

    fn document(&mut self, where_: &str, root: &arazzo_codegen::node::Node) {
        let items = |node: &arazzo_codegen::node::Node, key: &str| {
            node.get(key)
                .map(|n| n.items().to_vec())
                .unwrap_or_default()
        };
        for workflow in items(root, "workflows") {
            if let Some(outputs) = workflow.get("outputs") {
                self.strings(where_, outputs);
            }
            for parameter in items(&workflow, "parameters") {
                if let Some(value) = parameter.get("value") {
                    self.strings(where_, value);
                }
                if let Some(reference) = parameter.get("reference").and_then(|r| r.as_str()) {
                    self.expression(where_, reference);
                }
            }
            self.actions(where_, workflow.get("successActions"));
            self.actions(where_, workflow.get("failureActions"));
            for step in items(&workflow, "steps") {
                for key in ["operationId", "operationPath"] {
                    if let Some(text) = step.get(key).and_then(|t| t.as_str()) {
                        self.expression(where_, text);
                    }
                }
                for parameter in items(&step, "parameters") {
                    if let Some(value) = parameter.get("value") {
                        self.strings(where_, value);
                    }
                    if let Some(reference) = parameter.get("reference").and_then(|r| r.as_str()) {
                        self.expression(where_, reference);
                    }
                }
                if let Some(body) = step.get("requestBody") {
                    if let Some(payload) = body.get("payload") {
                        self.strings(where_, payload);
                    }
                    for replacement in items(body, "replacements") {
                        if let Some(value) = replacement.get("value") {
                            self.strings(where_, value);
                        }
                    }
                }
                for criterion in items(&step, "successCriteria") {
                    self.criterion(where_, &criterion);
                }
                self.actions(where_, step.get("onSuccess"));
                self.actions(where_, step.get("onFailure"));
                if let Some(outputs) = step.get("outputs") {
                    self.strings(where_, outputs);
                }
            }
        }
        if let Some(components) = root.get("components") {
            self.actions(where_, components.get("successActions"));
            self.actions(where_, components.get("failureActions"));
            if let Some(parameters) = components.get("parameters") {
                for (_, parameter) in parameters.entries() {
                    if let Some(value) = parameter.get("value") {
                        self.strings(where_, value);
                    }
                }
            }
        }
    }
}

/// Every runtime expression and criterion in the corpus documents its index lists as
/// conformant parses (the numbers go to the output: `cargo test -p arazzo-codegen --test corpus
/// -- --nocapture`).
#[test]
fn every_expression_and_criterion_of_the_conformant_corpus_parses() {
    let Some(corpus) = corpus() else { return };
    let index = std::fs::read_to_string(corpus.join("index.json")).expect("index.json reads");
    let index: serde_json::Value = serde_json::from_str(&index).expect("index.json parses");
    let conformant: Vec<&str> = index
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["role"] == "arazzo")
        .filter(|entry| {
            entry["nonconformance"]
                .as_array()
                .is_some_and(Vec::is_empty)
        })
        .filter_map(|entry| entry["path"].as_str())
        .collect();
    let mut census = Census::default();
    for path in &conformant {
        let mut files = arazzo_codegen::Files::default();
        let text = std::fs::read_to_string(corpus.join(path)).expect("reads");
        let id = files.add(corpus.join(path), (*path).to_owned(), text);
        let Ok(root) = arazzo_codegen::node::parse(&files, id) else {
            // The schema negative test of the corpus is not YAML an Arazzo reader can take.
            census
                .failures
                .push(format!("{path}: does not parse as YAML"));
            continue;
        };
        census.document(path, &root);
    }
    println!(
        "conformant corpus: {} documents, {} expressions and {} criteria ({} of them xpath, which the \
         generator reports as unsupported); {} did not parse",
        conformant.len(),
        census.expressions,
        census.criteria,
        census.xpath,
        census.failures.len()
    );
    assert!(census.failures.is_empty(), "{:#?}", census.failures);
}
