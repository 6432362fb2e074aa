//! What a workflow reads of its steps' outputs: the workflow's function reads from a response
//! only the outputs that something after it reads (a later step, a criterion, an action, a
//! workflow output), and calls a step's own function only where that function's outputs are
//! what it needs (see [`KeptOutputs`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::naming::{self, Scope};
use crate::plan::{ActionKind, FieldPlan, KeptOutputs, Place, StepPlan, ValueRef};

/// Names the workflow function's own items take, or that its steps' blocks declare: the local
/// structs of kept outputs keep clear of them.
const RESERVED_LOCAL_TYPES: &[&str] = &["Client", "ClientBuilder", "Step", "RequestBody"];

/// Decides, for each step, which of its outputs the workflow's function reads, and whether it
/// runs the step by calling the step's own function.
pub(super) fn mark_kept(steps: &mut [StepPlan], outputs: &[(FieldPlan, ValueRef)]) {
    let read = fields_read(steps, outputs);
    let mut local_types = Scope::with_reserved(RESERVED_LOCAL_TYPES);
    for step in steps.iter_mut() {
        let fields = read.get(&step.var);
        let kept: Vec<usize> = (0..step.outputs.len())
            .filter(|&i| fields.is_some_and(|f| f.contains(&step.outputs[i].field.ident)))
            .collect();
        if kept.len() == step.outputs.len() {
            continue;
        }
        let type_name = (!kept.is_empty())
            .then(|| local_types.unique_type(format!("{}Read", naming::pascal(&step.id))));
        let decode = step
            .decode
            .is_some()
            .then(|| super::decoding::decode_plan(&step.outputs, |i| kept.contains(&i)))
            .flatten();
        step.kept = Some(KeptOutputs {
            read: kept,
            type_name,
            decode,
        });
    }
    // A step's own function takes the outputs structs of the earlier steps it reads: the
    // workflow calls it only when it holds those structs whole.
    let partial: BTreeSet<String> = steps
        .iter()
        .filter(|s| s.kept.is_some())
        .map(|s| s.var.clone())
        .collect();
    for step in steps.iter_mut() {
        let reads_partial = step
            .refs()
            .iter()
            .any(|r| matches!(&r.place, Place::StepOutput { step, .. } if partial.contains(step)));
        let ends = step.on_success.iter().any(|a| a.kind == ActionKind::End);
        let whole = step.kept.is_none();
        if let Some(standalone) = &mut step.standalone {
            standalone.called = whole && !ends && !reads_partial;
        }
    }
}

/// The fields of each step's outputs (by step variable) that something in the workflow reads.
fn fields_read(
    steps: &[StepPlan],
    outputs: &[(FieldPlan, ValueRef)],
) -> BTreeMap<String, BTreeSet<String>> {
    let mut read: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let refs = steps
        .iter()
        .flat_map(StepPlan::refs)
        .chain(outputs.iter().map(|(_, value)| value));
    for r in refs {
        // A selector in the workflow's outputs reads its context.
        if let Place::StepOutput { step, field, .. } = r.read_place() {
            read.entry(step.clone()).or_default().insert(field.clone());
        }
    }
    read
}
