//! Durable runs of a workflow (`Settings::durable`): what its generated `start`, `resume` and
//! `resume_with` need, decided here: the version written into each checkpoint, the inputs each
//! step reads (a run suspends before a step whose required inputs it was not given), the inputs
//! never saved, and whether the run can be durable at all.

use super::{ActionKind, Place, RetryFirst, StepKind, StepPlan, WorkflowPlan, WorkflowTarget};
use crate::naming;

/// Whether a workflow's durable run is generated.
#[derive(Debug)]
pub(crate) enum Durability {
    /// It is.
    Offered(DurablePlan),
    /// It is not, for this reason (a sentence of the workflow module's doc).
    NotOffered(&'static str),
}

/// A workflow's durable run.
#[derive(Debug)]
pub(crate) struct DurablePlan {
    /// `VERSION`: a hash of every document the generation read and of the workflow's id.
    pub(crate) version: String,
    /// For each step, in order: the inputs it reads.
    pub(crate) steps: Vec<InputNeeds>,
    /// The inputs the workflow's outputs read.
    pub(crate) outputs: InputNeeds,
    /// The inputs (fields) whose names say they hold a credential: never saved in a state, so
    /// a resumed run that needs one again suspends for it.
    pub(crate) secrets: Vec<String>,
    /// True when the workflow's function runs steps at once (step `dependsOn`): a durable run
    /// runs them one after the other, in the order of [`WorkflowPlan::steps`].
    pub(crate) sequential: bool,
}

/// The inputs a part of the workflow reads.
#[derive(Debug, Default)]
pub(crate) struct InputNeeds {
    /// Every input (field) it reads, in the order of the inputs struct.
    pub(crate) reads: Vec<String>,
    /// Those of them without which it cannot run (required inputs), and, when it hands the
    /// workflow's inputs on to another workflow, every required input: the run suspends while
    /// one of them is missing.
    pub(crate) waits_for: Vec<String>,
    /// True when it hands the whole inputs on to another workflow (an action without
    /// `parameters`).
    pub(crate) passes_inputs: bool,
}

/// A 64-bit FNV-1a hash: small, stable across machines, runs and Rust versions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds bytes.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Adds a text whose end is marked (its length first), with its line endings as `\n`, so
    /// that a checkout with CRLF line endings hashes the same.
    pub(crate) fn write_text(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n");
        self.write(&(text.len() as u64).to_le_bytes());
        self.write(text.as_bytes());
    }

    /// The hash, as 16 hex digits.
    pub(crate) fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The hash of the documents one generation read (the Arazzo document, every description it
/// loaded), in the order it read them: their texts only, never their paths.
pub(crate) fn documents_hash<'a>(texts: impl IntoIterator<Item = &'a str>) -> Fnv {
    let mut hash = Fnv::default();
    for text in texts {
        hash.write_text(text);
    }
    hash
}

/// Decides the durable run of every workflow of the plan.
pub(crate) fn plan_durable(workflows: &mut [WorkflowPlan], documents: Fnv) {
    for w in workflows {
        w.durable = Some(durability(w, documents));
    }
}

fn durability(w: &WorkflowPlan, documents: Fnv) -> Durability {
    if w.steps.is_empty() {
        return Durability::NotOffered("It has no durable run: it has no steps.");
    }
    if !w.depends_on.is_empty() {
        return Durability::NotOffered(
            "It has no durable run: the workflows it depends on (`dependsOn`) run first, and \
             their outputs are not saved.",
        );
    }
    if w.steps
        .iter()
        .any(|s| matches!(s.kind, StepKind::Message(_)))
    {
        return Durability::NotOffered(
            "It has no durable run: its message steps receive on inboxes opened when the run \
             starts, which a resumed run would not have.",
        );
    }
    let mut version = documents;
    version.write_text(&w.id);
    let outputs: Vec<&Place> = w.outputs.iter().map(|(_, v)| v.read_place()).collect();
    Durability::Offered(DurablePlan {
        version: version.hex(),
        steps: w.steps.iter().map(|s| step_needs(w, s)).collect(),
        outputs: needs(w, &outputs, false),
        secrets: w
            .inputs
            .iter()
            .filter(|f| naming::is_sensitive(&f.name))
            .map(|f| f.ident.clone())
            .collect(),
        sequential: w.concurrent.is_some(),
    })
}

fn step_needs(w: &WorkflowPlan, step: &StepPlan) -> InputNeeds {
    let refs = step.refs();
    let places: Vec<&Place> = refs.iter().map(|r| &r.place).collect();
    needs(w, &places, passes_inputs(step))
}

/// True when an action of the step runs another workflow with this workflow's inputs.
fn passes_inputs(step: &StepPlan) -> bool {
    step.on_success.iter().chain(&step.on_failure).any(|a| {
        matches!(
            &a.kind,
            ActionKind::GotoWorkflow(WorkflowTarget { inputs: None, .. })
                | ActionKind::Retry {
                    first: Some(RetryFirst::Workflow(WorkflowTarget { inputs: None, .. })),
                    ..
                }
        )
    })
}

fn needs(w: &WorkflowPlan, places: &[&Place], passes_inputs: bool) -> InputNeeds {
    let read = |field: &str| {
        places
            .iter()
            .any(|p| matches!(p, Place::Input { field: f, .. } if f == field))
    };
    let reads: Vec<String> = w
        .inputs
        .iter()
        .filter(|f| read(&f.ident))
        .map(|f| f.ident.clone())
        .collect();
    let waits_for = w
        .inputs
        .iter()
        .filter(|f| !f.ty.is_option() && (passes_inputs || reads.contains(&f.ident)))
        .map(|f| f.ident.clone())
        .collect();
    InputNeeds {
        reads,
        waits_for,
        passes_inputs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv_1a() {
        // The published test vectors of FNV-1a 64.
        let mut hash = Fnv::default();
        assert_eq!(hash.hex(), "cbf29ce484222325");
        hash.write(b"a");
        assert_eq!(hash.hex(), "af63dc4c8601ec8c");
    }

    #[test]
    fn line_endings_and_boundaries_count_as_they_should() {
        let lf = documents_hash(["a: 1\nb: 2\n"]).hex();
        assert_eq!(documents_hash(["a: 1\r\nb: 2\r\n"]).hex(), lf);
        assert_ne!(
            documents_hash(["ab", "c"]).hex(),
            documents_hash(["a", "bc"]).hex()
        );
    }
}
