//! Compiles [Arazzo](https://spec.openapis.org/arazzo/latest.html) workflows into typed async Rust.
//!
//! Each workflow of an Arazzo 1.0.x document becomes an inputs struct, an outputs struct and an
//! `async fn` that sends the workflow's requests in order, with every runtime expression and
//! success criterion checked and compiled at generation time. There is no interpreter left at
//! run time; the generated code depends only on the small `arazzo-runtime` crate.
//!
//! One [`Generator`] serves three front-ends that all take the same [`Settings`]:
//! the `arazzo_workflow!` macro (crate `arazzo-macros`), build scripts ([`build`]) and the
//! `arazzo-codegen` command-line tool.
//!
//! Inside, data flows one way, one module per stage:
//! `load` (files, read and parsed once, positions kept) →
//! `model` (typed Arazzo, and the parts of OpenAPI that matter) →
//! `resolve` (every reference bound, every expression parsed, every problem a diagnostic) →
//! [`plan`] (exactly which requests, in what order) → [`emit`] (tokens) → [`Generated`]
//! (formatted with prettyplease).
//!
//! ```no_run
//! let generated = arazzo_codegen::Generator::new(arazzo_codegen::Settings::new())
//!     .generate("specs/arazzo/stytch-sms-otp-login-workflow.yml")
//!     .map_err(|failure| failure.to_string())?;
//! println!("{}", generated.to_formatted_string());
//! # Ok::<(), String>(())
//! ```

// Diagnostics are the error type of the loading functions; they are built once per problem, on
// the cold path, so their size does not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod build;
// Parsers the fuzz targets and the corpus tests drive directly; not part of the API.
#[doc(hidden)]
pub mod condition;
pub mod diagnostic;
pub(crate) mod emit;
#[doc(hidden)]
pub mod expr;
mod files;
pub(crate) mod identity;
pub(crate) mod load;
#[doc(hidden)]
pub mod macro_support;
pub(crate) mod model;
pub(crate) mod naming;
pub(crate) mod nested;
#[doc(hidden)]
pub mod node;
pub(crate) mod plan;
pub(crate) mod resolve;
mod settings;
mod suggest;
pub(crate) mod uri;

use std::fmt;
use std::path::Path;

use proc_macro2::TokenStream;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use files::{FileId, Files, SourceFile, Span};
pub use settings::Settings;

/// Generates code from Arazzo documents with one set of [`Settings`].
#[derive(Clone, Debug, Default)]
pub struct Generator {
    settings: Settings,
}

impl Generator {
    /// A generator with these settings.
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Reads the Arazzo document at `path` (relative to [`Settings::base_dir`]) and the source
    /// descriptions it names, checks them, and generates the code.
    ///
    /// # Errors
    /// A [`Failure`] holding every problem found, each with its file, line and column. With
    /// [`Settings::strict`], warnings count as problems too.
    pub fn generate(&self, path: impl AsRef<Path>) -> Result<Generated, Failure> {
        self.generate_with(path.as_ref(), None, &mut load::Cache::default())
    }

    /// Like [`Generator::generate`], with the Arazzo document's text given rather than read
    /// from `path` (which still names it, and locates its relative sources). For fuzzing.
    #[doc(hidden)]
    pub fn generate_text(&self, path: impl AsRef<Path>, text: &str) -> Result<Generated, Failure> {
        self.generate_with(path.as_ref(), Some(text), &mut load::Cache::default())
    }

    /// Generates each of several documents, as [`Generator::generate`] would one at a time, but
    /// reading and parsing each file once however many of the documents name it (the
    /// descriptions a set of workflow documents share are usually by far the largest files).
    /// Each result lists only the files its own document read.
    pub fn generate_each<P: AsRef<Path>>(
        &self,
        paths: impl IntoIterator<Item = P>,
    ) -> Vec<Result<Generated, Failure>> {
        let mut cache = load::Cache::default();
        paths
            .into_iter()
            .map(|path| {
                cache.start_generation();
                self.generate_with(path.as_ref(), None, &mut cache)
            })
            .collect()
    }

    fn generate_with(
        &self,
        path: &Path,
        text: Option<&str>,
        cache: &mut load::Cache,
    ) -> Result<Generated, Failure> {
        let mut diagnostics = Diagnostics::default();
        let root = match text {
            None => load::root(&self.settings, path, cache),
            Some(text) => load::root_text(&self.settings, path, text, cache),
        };
        let (_, root) = match root {
            Ok(root) => root,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                let files = cache.files().clone();
                return Err(Failure { files, diagnostics });
            }
        };
        let Some(mut document) = model::arazzo::read(&root, &mut diagnostics) else {
            let files = cache.files().clone();
            return Err(Failure { files, diagnostics });
        };
        // Arazzo 1.1: the steps in an order that satisfies their dependencies.
        resolve::order_steps(&mut document, &mut diagnostics);
        resolve::imply_dependencies(cache.files(), &mut document, &mut diagnostics);
        let sources = load::sources(
            &self.settings,
            None,
            None,
            path,
            document.self_uri.as_ref(),
            document.version,
            &document.sources,
            cache,
            &mut diagnostics,
        );
        // The Arazzo documents of Arazzo source descriptions, at any depth: each with its own
        // sources, and its plan, resolved before the document naming it so that that document's
        // steps and actions can call its workflows.
        let root_urls = document
            .sources
            .iter()
            .map(|s| (s.name.value.clone(), s.url.value.clone()))
            .collect();
        let nested = nested::load(
            &self.settings,
            path,
            &sources,
            &root_urls,
            cache,
            &mut diagnostics,
        );
        let nested_documents: Vec<Option<model::arazzo::Document<'_>>> = nested
            .iter()
            .map(|n| {
                // Read once before, with its problems reported then.
                let mut nested = model::arazzo::read(&n.node, &mut Diagnostics::default())?;
                resolve::order_steps(&mut nested, &mut diagnostics);
                resolve::imply_dependencies(cache.files(), &mut nested, &mut diagnostics);
                Some(nested)
            })
            .collect();
        let names: Vec<String> = document
            .sources
            .iter()
            .map(|s| s.name.value.clone())
            .chain(nested.iter().flat_map(|n| {
                n.sources
                    .iter()
                    .flat_map(move |s| [s.name.clone(), format!("{}.{}", n.scope, s.name)])
            }))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        load::check_overrides(&self.settings, &names, &mut diagnostics);
        // Deepest first: each nested document within the names taken so far, calling the
        // workflows of its own Arazzo sources.
        let mut taken = resolve::Context {
            fake: self.settings.fake,
            concurrent: self.settings.concurrent,
            durable: self.settings.durable,
            ..resolve::Context::default()
        };
        let mut nested_plans: Vec<Option<plan::Plan>> = nested.iter().map(|_| None).collect();
        let children = |parent: Option<usize>| {
            nested
                .iter()
                .enumerate()
                .filter(move |(_, n)| n.parent == parent)
                .map(|(i, _)| i)
        };
        for (i, document) in nested_documents.iter().enumerate().rev() {
            let Some(document) = document else { continue };
            let mut context = taken.for_source(&nested[i].scope.replace('.', "-"));
            for child in children(Some(i)) {
                if let Some(plan) = &nested_plans[child] {
                    context.add_source(&nested[child].name, plan);
                }
            }
            let plan = resolve::resolve(
                cache.files(),
                document,
                &nested[i].sources,
                self.settings.max_steps,
                &context,
                &mut diagnostics,
            );
            taken.add_source(&nested[i].name, &plan);
            nested_plans[i] = Some(plan);
        }
        let mut context = taken.for_source("");
        context.prefix = None;
        for child in children(None) {
            if let Some(plan) = &nested_plans[child] {
                context.add_source(&nested[child].name, plan);
            }
        }
        let mut plan = resolve::resolve(
            cache.files(),
            &document,
            &sources,
            self.settings.max_steps,
            &context,
            &mut diagnostics,
        );
        for nested in nested_plans.into_iter().flatten() {
            plan.merge(nested);
        }
        let failed = diagnostics.has_errors() || (self.settings.strict && !diagnostics.is_empty());
        if failed {
            if self.settings.strict {
                diagnostics = diagnostics.into_errors();
            }
            let files = cache.files().clone();
            return Err(Failure { files, diagnostics });
        }
        if self.settings.durable {
            let documents =
                plan::durable::documents_hash(cache.files().iter().map(|f| f.text.as_str()));
            plan::durable::plan_durable(&mut plan.workflows, documents);
        }
        let mut tokens = emit::emit(&plan);
        if self.settings.fake {
            // The OpenAPI descriptions, in the order of `plan.sources`: this document's, then
            // those of its Arazzo sources.
            let descriptions: Vec<&node::Node> = sources
                .iter()
                .chain(nested.iter().flat_map(|n| &n.sources))
                .filter(|s| s.kind == model::arazzo::SourceKind::OpenApi)
                .filter_map(|s| s.node.as_deref())
                .collect();
            let fake = resolve::fake::fake(&plan, &descriptions);
            for note in &fake.notes {
                diagnostics.push(Diagnostic::warning(None, note.clone()));
            }
            tokens.extend(emit::fake(&plan, &fake));
        }
        let output_count = plan.workflows.iter().map(|w| w.outputs.len()).sum();
        let untyped_outputs = plan
            .untyped_outputs()
            .into_iter()
            .map(|(workflow, output)| (workflow.to_owned(), output.to_owned()))
            .collect();
        let untyped_selector_outputs = plan
            .untyped_selector_outputs()
            .into_iter()
            .map(|(w, step, output)| (w.to_owned(), step.to_owned(), output.to_owned()))
            .collect();
        Ok(Generated {
            tokens,
            untyped_outputs,
            untyped_selector_outputs,
            output_count,
            source: files::clean_path(path).display().to_string(),
            files: cache.files().clone(),
            warnings: diagnostics,
        })
    }
}

/// Generated code, with the files it was generated from.
#[derive(Debug)]
pub struct Generated {
    tokens: TokenStream,
    untyped_outputs: Vec<(String, String)>,
    untyped_selector_outputs: Vec<(String, String, String)>,
    output_count: usize,
    source: String,
    files: Files,
    warnings: Diagnostics,
}

impl Generated {
    /// The code as tokens (what the macro expands to).
    pub fn tokens(&self) -> &TokenStream {
        &self.tokens
    }

    /// The code formatted by prettyplease, with a header naming the document (what build.rs
    /// and the CLI write).
    pub fn to_formatted_string(&self) -> String {
        let header = format!(
            "// Generated by arazzo-codegen from `{}`. Do not edit: change the document and regenerate.\n\n",
            self.source
        );
        let body = match syn::parse2::<syn::File>(self.tokens.clone()) {
            Ok(file) => prettyplease::unparse(&file),
            // The emitter only writes items, so this cannot happen; if it ever did, unformatted
            // code is still correct code.
            Err(_) => self.tokens.to_string(),
        };
        header + &space_out_items(&body)
    }

    /// The workflow outputs whose type is (or holds) `serde_json::Value` because no schema
    /// describes them, as `(workflowId, output name)`: what `arazzo-codegen check --types`
    /// reports.
    pub fn untyped_outputs(&self) -> &[(String, String)] {
        &self.untyped_outputs
    }

    /// The step outputs whose type is `serde_json::Value` because a JSONPath selector (Arazzo
    /// 1.1) can select anything, as `(workflowId, stepId, output name)`: also reported by
    /// `arazzo-codegen check --types`.
    pub fn untyped_selector_outputs(&self) -> &[(String, String, String)] {
        &self.untyped_selector_outputs
    }

    /// The number of workflow outputs, typed or not.
    pub fn output_count(&self) -> usize {
        self.output_count
    }

    /// Every file read, in reading order: the Arazzo document first, then its sources.
    pub fn files_read(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The files read, for rendering warnings.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// Warnings: things that did not stop generation.
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The warnings, rendered with the lines they point at.
    pub fn render_warnings(&self) -> String {
        self.warnings.render(&self.files)
    }
}

/// Puts a blank line between top-level items, which prettyplease writes back to back.
fn space_out_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut previous = "";
    for line in code.lines() {
        let top_level = !previous.starts_with(' ');
        let item_ended = top_level && (previous.ends_with('}') || previous.ends_with(';'));
        if item_ended && !line.is_empty() && !line.starts_with([' ', '}', ')']) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// Generation failed: every problem found, with the files needed to show them.
#[derive(Debug)]
pub struct Failure {
    files: Files,
    diagnostics: Diagnostics,
}

impl Failure {
    /// The problems.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// The files read before generation stopped (so build scripts can still watch them).
    pub fn files_read(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The files, for rendering diagnostics.
    pub fn files(&self) -> &Files {
        &self.files
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostics.render(&self.files))
    }
}

impl std::error::Error for Failure {}
