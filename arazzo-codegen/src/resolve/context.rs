//! What a document is resolved within: the names other documents of the same generated module
//! took, and the workflows of Arazzo source descriptions it may call ([`Signature`]).

use std::collections::BTreeMap;

use crate::plan::Plan;
use crate::plan::{ItemPath, StepPlan};

use super::Fields;

/// What a document is resolved within: for the workflows of an Arazzo source description, the
/// prefix of their names; the names already taken; the workflows of other documents it may call.
#[derive(Debug, Default)]
pub(crate) struct Context {
    /// Prefix of every item and client member the document adds (its source name), if any.
    pub prefix: Option<String>,
    /// Names at the root already taken (by other documents of the same module).
    pub reserved_items: Vec<String>,
    /// Names in `types` already taken (by other documents of the same module).
    pub reserved_types: Vec<String>,
    /// Client fields and setters already taken.
    pub reserved_members: Vec<String>,
    /// Workflows of Arazzo source descriptions, by (source name, workflowId).
    pub external: BTreeMap<(String, String), Signature>,
    /// Whether the fake is generated too (`Settings::fake`): the types of every operation the
    /// steps call are made then.
    pub fake: bool,
    /// Whether the steps of workflows that declare step `dependsOn` run at once
    /// (`Settings::concurrent`).
    pub concurrent: bool,
    /// Whether durable runs are generated too (`Settings::durable`): their items' names are
    /// then taken in every workflow's module.
    pub durable: bool,
}

impl Context {
    /// The context of the Arazzo source description `source`: its names prefixed, and the
    /// names taken so far reserved.
    pub(crate) fn for_source(&self, source: &str) -> Self {
        Self {
            prefix: Some(source.to_owned()),
            reserved_items: self.reserved_items.clone(),
            reserved_types: self.reserved_types.clone(),
            reserved_members: self.reserved_members.clone(),
            external: BTreeMap::new(),
            fake: self.fake,
            concurrent: self.concurrent,
            durable: self.durable,
        }
    }

    /// Takes in the plan of the Arazzo source description `source`: the names it uses are taken,
    /// and its workflows may be called.
    pub(crate) fn add_source(&mut self, source: &str, plan: &Plan) {
        self.reserved_items
            .extend(plan.workflows.iter().map(|w| w.fn_name.clone()));
        self.reserved_types
            .extend(plan.types.iter().map(|t| t.name.clone()));
        self.reserved_members.extend(
            plan.sources
                .iter()
                .map(|s| s.field.clone())
                .chain(plan.schemes.iter().map(|s| s.field.clone())),
        );
        for (workflow, signature) in signatures(plan) {
            self.external
                .insert((source.to_owned(), workflow), signature);
        }
    }

    pub(super) fn prefixed(&self, name: &str) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}-{name}"),
            None => name.to_owned(),
        }
    }
}

/// What callers of a workflow need to know of it, from its plan.
fn signatures(plan: &Plan) -> BTreeMap<String, Signature> {
    plan.workflows
        .iter()
        .map(|w| {
            let signature = Signature {
                fn_name: w.fn_name.clone(),
                inputs_type: w.inputs_type.clone(),
                inputs: w.inputs.iter().map(|f| f.name.clone()).collect(),
                required: w
                    .inputs
                    .iter()
                    .filter(|f| !f.ty.is_option())
                    .map(|f| f.name.clone())
                    .collect(),
                outputs: w
                    .outputs
                    .iter()
                    .map(|(f, _)| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
                    .collect(),
                steps: step_signatures(&w.steps),
            };
            (w.id.clone(), signature)
        })
        .collect()
}

/// What callers of a workflow need to know of it.
#[derive(Clone, Debug)]
pub(crate) struct Signature {
    pub(super) fn_name: String,
    pub(super) inputs_type: ItemPath,
    /// Input names, as the document writes them.
    pub(super) inputs: Vec<String>,
    /// The inputs a caller must give.
    pub(super) required: Vec<String>,
    pub(super) outputs: Fields,
    /// Its steps, by `stepId`: each one's outputs struct and outputs, for the steps of other
    /// workflows that depend on them (`dependsOn`). `None` for a step that could not be planned.
    pub(super) steps: BTreeMap<String, Option<(ItemPath, Fields)>>,
}

/// The steps of a workflow as [`Signature::steps`] holds them.
pub(super) fn step_signatures(steps: &[StepPlan]) -> BTreeMap<String, Option<(ItemPath, Fields)>> {
    steps
        .iter()
        .map(|s| {
            let outputs = s
                .outputs
                .iter()
                .map(|o| {
                    (
                        o.field.name.clone(),
                        (o.field.ident.clone(), o.field.ty.clone()),
                    )
                })
                .collect();
            (s.id.clone(), Some((s.outputs_type.clone(), outputs)))
        })
        .collect()
}
