//! The one settings type that the macro, the build.rs API and the CLI all fill in.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// How to generate. Every front-end builds one of these and hands it to [`crate::Generator`].
///
/// ```
/// let settings = arazzo_codegen::Settings::new()
///     .with_base_dir(".")
///     .with_source("stytchConsumerApi", "specs/openapi/stytch-consumer-openapi.yml");
/// # let _ = settings;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Relative paths (the document's, and those of source overrides) are relative to this
    /// directory; the current directory when `None`. The macro and build.rs set it to the crate's
    /// `CARGO_MANIFEST_DIR`.
    pub base_dir: Option<PathBuf>,
    /// Local files that replace source descriptions, by source name: a remote URL (which is never
    /// fetched) or another local file. A source of an Arazzo source description may be named
    /// `<arazzo source>.<name>`; that override comes before one named plainly `<name>`.
    pub sources: BTreeMap<String, PathBuf>,
    /// Treat warnings as errors.
    pub strict: bool,
    /// The most steps one run of a workflow with `goto` or `retry` actions may execute before
    /// it fails with `Error::StepLimit`, so that an endless loop ends. Default: 1000.
    pub max_steps: usize,
    /// Also generate `pub mod fake`: a server on 127.0.0.1 that answers every operation the
    /// workflows call (it needs `arazzo-runtime`'s feature `fake`).
    pub fake: bool,
    /// Run the steps of a workflow that declares step `dependsOn` (Arazzo 1.1) at once: each
    /// step starts as soon as the steps it depends on completed. `false` runs them one after
    /// the other, in an order that satisfies every dependency. Default: `true`.
    pub concurrent: bool,
    /// Also generate, in each workflow's module, durable runs: `start`, `resume` and
    /// `resume_with`, which save the run's `State` in an `arazzo_runtime::durable::Store` after
    /// every step, and suspend when a step needs an input the run was not given yet.
    pub durable: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_dir: None,
            sources: BTreeMap::new(),
            strict: false,
            max_steps: 1000,
            fake: false,
            concurrent: true,
            durable: false,
        }
    }
}

impl Settings {
    /// The defaults: paths relative to the current directory, no overrides, warnings allowed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the directory that relative paths are relative to.
    #[must_use]
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Reads the source description named `name` from `path` instead of its `url`.
    #[must_use]
    pub fn with_source(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.sources.insert(name.into(), path.into());
        self
    }

    /// Sets the bound on steps executed by one run of a looping workflow.
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = max_steps.max(1);
        self
    }

    /// Turns warnings into errors.
    #[must_use]
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Whether the steps of a workflow that declares step `dependsOn` run at once (the
    /// default) or one after the other.
    #[must_use]
    pub fn with_concurrent(mut self, concurrent: bool) -> Self {
        self.concurrent = concurrent;
        self
    }

    /// Also generates durable runs of each workflow (`start`, `resume`, `resume_with`), whose
    /// state is saved after every step.
    #[must_use]
    pub fn with_durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Also generates `pub mod fake`, a typed fake server of the workflows' operations.
    #[must_use]
    pub fn with_fake(mut self, fake: bool) -> Self {
        self.fake = fake;
        self
    }
}
