//! The schedule of a workflow whose steps run at once (Arazzo 1.1 step `dependsOn`): what each
//! step waits for before it starts. Every step starts as soon as those have completed; the
//! steps run concurrently in the workflow's own task, and the first failure ends the run.

use std::collections::BTreeSet;

use super::{Place, StepPlan};

/// When each step of a concurrent workflow starts, by the index of the step in
/// [`super::WorkflowPlan::steps`] (which are in an order that satisfies every dependency).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// For each step, in order: what it waits for.
    pub(crate) steps: Vec<Waits>,
}

/// What one step waits for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Waits {
    /// The steps whose outputs it reads: it waits for them and borrows their outputs.
    pub(crate) reads: Vec<usize>,
    /// The other steps it waits for (its `dependsOn`), except those it already waits for
    /// through another step.
    pub(crate) after: Vec<usize>,
}

impl Schedule {
    /// True when some step waits for the step `index` (it then has a slot to wait on).
    pub(crate) fn awaited(&self, index: usize) -> bool {
        self.steps
            .iter()
            .any(|w| w.reads.contains(&index) || w.after.contains(&index))
    }
}

/// The schedule of the steps, from each step's explicit dependencies (`dependsOn`, as indices)
/// and the steps whose outputs it reads. `None` when no two steps can ever run at once (a
/// chain): the workflow's function is then the sequential one.
pub(crate) fn schedule(steps: &[StepPlan], explicit: &[Vec<usize>]) -> Option<Schedule> {
    let reads: Vec<BTreeSet<usize>> = steps
        .iter()
        .map(|step| {
            let refs = step.refs();
            steps
                .iter()
                .enumerate()
                .filter(|(_, other)| {
                    other.var != step.var
                        && refs.iter().any(|r| {
                            matches!(&r.place, Place::StepOutput { step, .. } if *step == other.var)
                        })
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let direct: Vec<BTreeSet<usize>> = (0..steps.len())
        .map(|i| {
            let mut all = reads[i].clone();
            all.extend(explicit.get(i).into_iter().flatten().copied());
            all
        })
        .collect();
    // Every step each step waits for, directly or not (the steps are in dependency order).
    let mut before: Vec<BTreeSet<usize>> = Vec::with_capacity(steps.len());
    for deps in &direct {
        let mut all = deps.clone();
        for &d in deps {
            if let Some(earlier) = before.get(d) {
                all.extend(earlier.iter().copied());
            }
        }
        before.push(all);
    }
    // A chain: every step waits for all the steps before it.
    let chain = (0..steps.len()).all(|i| before[i].len() == i);
    if chain {
        return None;
    }
    let steps = direct
        .iter()
        .enumerate()
        .map(|(i, deps)| {
            let after = deps
                .iter()
                .copied()
                .filter(|d| !reads[i].contains(d))
                .filter(|d| {
                    // Waited for through another step.
                    !deps.iter().any(|other| {
                        other != d && before.get(*other).is_some_and(|b| b.contains(d))
                    })
                })
                .collect();
            Waits {
                reads: reads[i].iter().copied().collect(),
                after,
            }
        })
        .collect();
    Some(Schedule { steps })
}
