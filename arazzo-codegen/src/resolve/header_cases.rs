//! Header parameters whose names differ only in case (`Content-Type`, `content-type`): header
//! names are case-insensitive (RFC 9110), so they are one header given several times. Redocly
//! Respect sends the last one; so does the generated code, with a warning that points at each.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::files::Span;

use super::parameters::Written;

/// A header parameter as written: where, and its name.
type Spelling = (Span, String);

/// The header parameters of one list (the workflow's or the step's) given more than once in
/// different cases, by list and lowercased name: the earlier spellings, then the last.
#[derive(Default)]
pub(super) struct HeaderCases {
    given: BTreeMap<(bool, String), (Vec<Spelling>, Spelling)>,
}

impl HeaderCases {
    /// Notes that `later`, of the workflow's list or the step's, is sent instead of `earlier`.
    pub(super) fn given(
        &mut self,
        from_workflow: bool,
        earlier: &Written<'_>,
        later: &Written<'_>,
    ) {
        let key = (from_workflow, later.name.to_ascii_lowercase());
        let entry = self
            .given
            .entry(key)
            .or_insert_with(|| (Vec::new(), (later.span, later.name.clone())));
        if !entry.0.iter().any(|(span, _)| *span == earlier.span) {
            entry.0.push((earlier.span, earlier.name.clone()));
        }
        entry.1 = (later.span, later.name.clone());
    }

    /// One warning per header, at the spelling that is sent, pointing at the others.
    pub(super) fn diagnostics(self) -> impl Iterator<Item = Diagnostic> {
        self.given.into_values().map(|(earlier, (span, name))| {
            let spellings: Vec<String> = earlier
                .iter()
                .map(|(_, n)| format!("`{n}`"))
                .chain([format!("`{name}`")])
                .collect();
            let d = Diagnostic::warning(
                span,
                format!(
                    "the header `{name}` is given {} times, as {}: header names are case-insensitive",
                    spellings.len(),
                    spellings.join(", ")
                ),
            )
            .with_label("the last one is sent")
            .with_help(format!("give the header once: `{{name: {name}, in: header, value: …}}`"));
            earlier.into_iter().fold(d, |d, (span, n)| {
                d.with_related(span, format!("`{n}`, not sent"))
            })
        })
    }
}
