//! Problems found in the input, each with a place in a file, and their rendering.

use std::fmt::{self, Write as _};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::files::{Files, Span};

/// The label of a dialect rewritten to its conformant form (see [`Diagnostic::dialect`]).
pub(crate) const READ_CONFORMANT: &str = "read in its conformant form";

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Generation goes on; the meaning of the document is clear.
    Warning,
    /// No code is generated.
    Error,
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where; `None` only for problems with no place in any file (the document itself is missing).
    pub span: Option<Span>,
    /// A short note shown under the caret.
    pub label: Option<String>,
    /// How to fix it, where there is a fix to suggest.
    pub help: Option<String>,
    /// Other places the problem involves, each with its own note (shown with `-` under it).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// An error at a place.
    pub fn error(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            span: span.into(),
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// A warning at a place.
    pub fn warning(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(span, message)
        }
    }

    /// A dialect: something Arazzo 1.0.1 does not define, whose meaning is clear, accepted with a
    /// warning. `read_as` (the label) says how it was read; [`Diagnostic::write_instead`] adds
    /// the conformant form. (Strict mode makes it an error, like every warning; see
    /// `docs/dialects.md`.)
    pub(crate) fn dialect(
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
        read_as: impl Into<String>,
    ) -> Self {
        Self::warning(span, message).with_label(read_as)
    }

    /// Adds ``help: write `<conformant>` ``: the conformant form of a dialect.
    #[must_use]
    pub(crate) fn write_instead(self, conformant: impl fmt::Display) -> Self {
        self.with_help(format!("write `{conformant}`"))
    }

    /// Adds the note shown under the caret.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds another place the problem involves, with a note under it.
    #[must_use]
    pub fn with_related(mut self, span: Span, note: impl Into<String>) -> Self {
        self.related.push((span, note.into()));
        self
    }

    /// Adds a `help:` line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:column` of the problem, or the empty string when it has no place.
    pub fn location(&self, files: &Files) -> String {
        match self.span {
            Some(span) => format!(
                "{}:{}:{}",
                files.get(span.file).display,
                span.line,
                span.column
            ),
            None => String::new(),
        }
    }

    /// The first line: `file:line:col: error: message`, the form editors and `grep` understand.
    pub fn headline(&self, files: &Files) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.span {
            Some(_) => format!("{}: {severity}: {}", self.location(files), self.message),
            None => format!("{severity}: {}", self.message),
        }
    }

    /// The headline, then the offending line with a caret under the problem and the `help:`
    /// line, in the style of rustc.
    pub fn render(&self, files: &Files) -> String {
        self.render_after(self.headline(files), files)
    }

    /// Like [`Diagnostic::render`], for a compiler that prints `error: ` itself: the headline
    /// is `file:line:col: message`.
    pub fn render_unprefixed(&self, files: &Files) -> String {
        let headline = match self.span {
            Some(_) => format!("{}: {}", self.location(files), self.message),
            None => self.message.clone(),
        };
        let headline = match self.severity {
            Severity::Error => headline,
            Severity::Warning => format!("warning: {headline}"),
        };
        self.render_after(headline, files)
    }

    fn render_after(&self, headline: String, files: &Files) -> String {
        let mut out = headline;
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut group = Group::with_level(level.clone());
        if let Some(span) = self.span {
            let file = files.get(span.file);
            // A span never runs past the end of its first line: a problem at the end of a line
            // (a condition cut short) gets its caret there, not a bracket down to the next line.
            let (start, end) = one_line(&file.text, span);
            let mut annotation = AnnotationKind::Primary.span(start..end);
            if let Some(label) = &self.label {
                annotation = annotation.label(label.as_str());
            }
            let mut snippet = Snippet::source(file.text.as_str())
                .path(file.display.as_str())
                .annotation(annotation);
            for (related, note) in self.related.iter().filter(|(s, _)| s.file == span.file) {
                let (start, end) = one_line(&file.text, *related);
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(start..end)
                        .label(note.as_str()),
                );
            }
            group = group.element(snippet);
            for (related, note) in self.related.iter().filter(|(s, _)| s.file != span.file) {
                let other = files.get(related.file);
                let (start, end) = one_line(&other.text, *related);
                group = group.element(
                    Snippet::source(other.text.as_str())
                        .path(other.display.as_str())
                        .annotation(
                            AnnotationKind::Context
                                .span(start..end)
                                .label(note.as_str()),
                        ),
                );
            }
        } else if let Some(label) = &self.label {
            group = group.element(Level::NOTE.message(label.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        if self.span.is_some() || self.help.is_some() || self.label.is_some() {
            let body = Renderer::plain().render(&[group]);
            let _ = write!(out, "\n{body}");
        }
        out
    }
}

/// The byte range of `span` in `text`, cut at the end of its first line.
fn one_line(text: &str, span: Span) -> (usize, usize) {
    let start = span.start.min(text.len());
    let end = span.end.max(start).min(text.len());
    let end = text
        .get(start..end)
        .and_then(|covered| covered.find(['\n', '\r']))
        .map_or(end, |newline| start + newline);
    (start, end)
}

/// The problems found by one generation, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// True when at least one problem is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity == Severity::Error)
    }

    /// All problems, errors and warnings, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// The same problems with every warning made an error (the strict setting).
    #[must_use]
    pub fn into_errors(self) -> Self {
        Self {
            list: self
                .list
                .into_iter()
                .map(|d| Diagnostic {
                    severity: Severity::Error,
                    ..d
                })
                .collect(),
        }
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every problem rendered, separated by blank lines.
    pub fn render(&self, files: &Files) -> String {
        self.list
            .iter()
            .map(|d| d.render(files))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every problem rendered by [`Diagnostic::render_unprefixed`].
    pub fn render_unprefixed(&self, files: &Files) -> String {
        self.list
            .iter()
            .map(|d| d.render_unprefixed(files))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
