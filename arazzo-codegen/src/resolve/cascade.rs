//! Reads of a step that has errors of its own. Its errors are reported where they are; a read
//! of an output the step declares is then not reported again (its value is what is in error),
//! but a read of an output it does not declare is a mistake of its own, reported as always.

use crate::diagnostic::Diagnostic;
use crate::files::Span;

use super::{Resolver, WorkflowScope};

/// True when the step `step` declares the output that `name` reads (`name` itself, or, for a
/// dot path, the output before a dot).
pub(super) fn declares(scope: &WorkflowScope, step: &str, name: &str) -> bool {
    scope.declared_outputs.get(step).is_some_and(|declared| {
        declared.iter().any(|output| {
            name == output
                || name
                    .strip_prefix(output.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

impl Resolver<'_, '_> {
    /// `$steps.<step>.outputs.<name>` for a step that could not be resolved: reported when the
    /// step does not declare `name`, silent when it does.
    pub(super) fn read_of_failed_step(
        &mut self,
        scope: &WorkflowScope,
        step: &str,
        name: &str,
        here: Span,
    ) {
        if declares(scope, step, name) {
            return;
        }
        let declared = scope
            .declared_outputs
            .get(step)
            .cloned()
            .unwrap_or_default();
        let d = Diagnostic::error(here, format!("step `{step}` has no output `{name}`"))
            .with_suggestion_or(
                name,
                declared.iter().map(String::as_str),
                "did you mean `{}`?",
                format!(
                    "declare it under the step's `outputs`, e.g. `{name}: $response.body#/{name}`"
                ),
            );
        self.report(d);
    }
}
