//! Workflows: the order they are resolved in (callees first, cycles reported), and each
//! workflow's plan from its steps and outputs.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::files::Span;
use crate::model::arazzo::{Document, Target, Version, Workflow};
use crate::naming::{self, Scope};
use crate::node::Node;
use crate::plan::ItemPath;
use crate::plan::concurrent::{self, Schedule};
use crate::plan::{
    ActionKind, DependencyPlan, Embedding, FieldPlan, OutputSource, Place, Standalone, StepPlan,
    ValueRef, WorkflowPlan,
};

use super::implied;
use super::values::Ctx;
use super::{
    Fields, RESERVED_IN_DURABLE_WORKFLOW, RESERVED_IN_WORKFLOW, Resolver, Signature, WorkflowScope,
};

/// The `(workflow, output)` pairs a workflow's texts name as `$workflows.<id>.outputs.<name>`
/// (or `$sourceDescriptions.<source>.<workflowId>.outputs.<name>`), found by a scan of its steps'
/// parameters, bodies, criteria and outputs and of its own outputs, so that the steps that run
/// those workflows keep the outputs read later. The name keeps any dot path written after it.
fn workflow_reads(workflow: &Workflow<'_>) -> BTreeSet<(String, String)> {
    implied::expression_texts(workflow)
        .into_iter()
        .flat_map(|(text, _)| {
            implied::workflow_reads(text)
                .into_iter()
                .filter(|read| read.outputs)
                .map(|read| (read.workflow, read.name.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

impl<'a> Resolver<'a, '_> {
    /// The order to resolve workflows in: each after the workflows its steps call and those it
    /// depends on. A cycle is reported; its workflows are resolved in document order.
    pub(super) fn workflow_order(&mut self, workflows: &[Workflow<'_>]) -> Vec<usize> {
        let index_of = |id: &str| workflows.iter().position(|w| w.id.value == id);
        let edges: Vec<Vec<(usize, Span)>> = workflows
            .iter()
            .map(|w| {
                let calls = w.steps.iter().filter_map(|step| match &step.target {
                    Some(Target::WorkflowId(id)) => index_of(&id.value).map(|i| (i, id.span)),
                    _ => None,
                });
                let deps = w
                    .depends_on
                    .iter()
                    .filter_map(|d| index_of(&d.value).map(|i| (i, d.span)));
                // Steps of other workflows that its steps depend on: their outputs types.
                let step_deps = w
                    .steps
                    .iter()
                    .flat_map(|s| s.depends_on.iter().flat_map(|list| &list.value))
                    .filter_map(|d| {
                        let (workflow, _) =
                            d.value.strip_prefix("$workflows.")?.split_once(".steps.")?;
                        // Its own step: reported where the entry is read.
                        (workflow != w.id.value).then_some(())?;
                        index_of(workflow).map(|i| (i, d.span))
                    });
                // Actions that run a workflow, written in place or reused from `components`.
                let lists = w
                    .steps
                    .iter()
                    .flat_map(|step| [step.on_success, step.on_failure])
                    .chain([w.success_actions, w.failure_actions])
                    .flatten();
                let actions = lists.flat_map(Node::items).filter_map(|action| {
                    let action = match action.get("reference").and_then(Node::as_str) {
                        Some(reference) => {
                            let (kind, name) =
                                reference.strip_prefix("$components.")?.split_once('.')?;
                            self.components?.get(kind)?.get(name)?
                        }
                        None => action,
                    };
                    let target = action.get("workflowId")?;
                    index_of(target.as_str()?).map(|i| (i, target.span))
                });
                calls.chain(deps).chain(step_deps).chain(actions).collect()
            })
            .collect();
        // Depth-first, marking: 0 unvisited, 1 in progress, 2 done.
        let mut state = vec![0_u8; workflows.len()];
        let mut order = Vec::new();
        fn visit(
            i: usize,
            edges: &[Vec<(usize, Span)>],
            state: &mut [u8],
            order: &mut Vec<usize>,
            cycles: &mut Vec<Span>,
        ) {
            state[i] = 1;
            for &(j, span) in &edges[i] {
                match state[j] {
                    0 => visit(j, edges, state, order, cycles),
                    1 => cycles.push(span),
                    _ => {}
                }
            }
            state[i] = 2;
            order.push(i);
        }
        let mut cycles = Vec::new();
        for i in 0..workflows.len() {
            if state[i] == 0 {
                visit(i, &edges, &mut state, &mut order, &mut cycles);
            }
        }
        for span in cycles {
            self.report(
                Diagnostic::error(span, "this workflow reference closes a cycle: a workflow would call itself")
                    .with_help("workflows called by steps and named by `dependsOn` cannot lead back to the caller"),
            );
        }
        order
    }

    /// A workflow's plan: its inputs (and those of the workflows it depends on), its steps in
    /// order, and its outputs; its [`Signature`] is kept for the workflows that call it.
    pub(super) fn workflow(
        &mut self,
        document: &Document<'a>,
        workflow: &Workflow<'a>,
    ) -> WorkflowPlan {
        let id = &workflow.id.value;
        let base = naming::pascal(&self.context.prefixed(id));
        let fn_name = self.names.get(id).cloned().unwrap_or_default();
        let inputs_type = ItemPath::inside(&fn_name, "Inputs");
        let outputs_type = ItemPath::inside(&fn_name, "Outputs");
        // The items of the workflow's module: a name need only be unique there.
        let mut module_items = Scope::with_reserved(if self.context.durable {
            RESERVED_IN_DURABLE_WORKFLOW
        } else {
            RESERVED_IN_WORKFLOW
        });

        let read_inputs = self.inputs(document, workflow, &base);
        let inputs_unreadable = read_inputs.is_none();
        let (mut inputs, defaults) = read_inputs.unwrap_or_default();
        // What `$inputs.<name>` can read, and what callers can give: the schema's inputs only.
        let schema_inputs: Fields = inputs
            .iter()
            .map(|f| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
            .collect();
        let required_inputs: Vec<String> = inputs
            .iter()
            .filter(|f| !f.ty.is_option())
            .map(|f| f.name.clone())
            .collect();
        let (depends_on, dependency_outputs) =
            self.dependencies(workflow, &schema_inputs, &mut inputs);
        let (step_dependencies, step_dependency_outputs) =
            self.step_dependencies(workflow, &mut inputs);
        self.begin_undeclared(document, workflow, &inputs, schema_inputs.keys().cloned());
        let mut scope = WorkflowScope {
            workflow_id: id.clone(),
            workflow_ids: self.workflow_ids.clone(),
            sources: self.source_fields.clone(),
            current_step: None,
            failed_steps: BTreeSet::new(),
            incomplete_steps: BTreeSet::new(),
            declared_outputs: workflow
                .steps
                .iter()
                .map(|s| {
                    let names = s.outputs.iter().map(|o| o.name.value.clone()).collect();
                    (s.id.value.clone(), names)
                })
                .collect(),
            outputs: BTreeMap::new(),
            input_names: schema_inputs.keys().cloned().collect(),
            inputs_unreadable,
            inputs: schema_inputs.clone(),
            steps: BTreeMap::new(),
            all_step_ids: workflow.steps.iter().map(|s| s.id.value.clone()).collect(),
            step_order: workflow.steps.iter().map(|s| s.id.value.clone()).collect(),
            dependency_inputs: dependency_outputs
                .iter()
                .filter_map(|(id, (var, _))| {
                    let plan = depends_on.iter().find(|d| d.var == *var)?;
                    Some((id.clone(), plan.input_field.clone()))
                })
                .collect(),
            dependencies: dependency_outputs,
            step_dependencies: step_dependency_outputs,
            workflow_reads: workflow_reads(workflow),
            calls_planned: workflow
                .steps
                .iter()
                .filter_map(|step| match &step.target {
                    Some(Target::WorkflowId(id)) => Some((
                        step.id.value.clone(),
                        implied::canonical_workflow(&id.value),
                    )),
                    _ => None,
                })
                .collect(),
            call_inputs: BTreeMap::new(),
            calls: BTreeMap::new(),
            called_outputs: BTreeMap::new(),
        };
        self.check_unique(workflow.steps.iter().map(|s| &s.id), "stepId");
        let mut steps = self.steps(
            &mut scope,
            workflow,
            &fn_name,
            &depends_on,
            &mut module_items,
        );
        let looping = is_looping(&steps);
        // Straight-line workflows offer each operation step on its own too (and call those
        // functions); in a loop, a step's code also decides where the loop goes next.
        if !looping {
            offer_standalone(&mut steps, &fn_name, &mut module_items);
        }
        let skippable = mark_always_runs(&mut steps);
        let outputs = self.workflow_outputs(&mut scope, workflow, &skippable);
        mark_last_reads(&mut steps, &outputs);
        let undeclared = self.finish_undeclared(id);
        let mut signature_inputs: Vec<String> = schema_inputs.keys().cloned().collect();
        signature_inputs.extend(undeclared.iter().map(|f| f.name.clone()));
        inputs.extend(undeclared);
        super::reads::mark_kept(&mut steps, &outputs);
        let concurrent = self.schedule(workflow, &mut steps, looping);

        self.signatures.insert(
            id.clone(),
            Signature {
                fn_name: fn_name.clone(),
                inputs_type: inputs_type.clone(),
                inputs: signature_inputs,
                required: required_inputs,
                outputs: outputs
                    .iter()
                    .map(|(f, _)| (f.name.clone(), (f.ident.clone(), f.ty.clone())))
                    .collect(),
                steps: {
                    let mut signatures = super::context::step_signatures(&steps);
                    for step in &workflow.steps {
                        signatures.entry(step.id.value.clone()).or_insert(None);
                    }
                    signatures
                },
            },
        );
        WorkflowPlan {
            id: id.clone(),
            fn_name,
            inputs_type,
            outputs_type,
            summary: workflow.summary.clone(),
            description: workflow.description.clone(),
            inputs,
            defaults,
            outputs,
            steps,
            depends_on,
            step_dependencies,
            looping,
            max_steps: self.max_steps,
            embedding: if self.version >= Version::V1_1 {
                Embedding::NullAsText
            } else {
                Embedding::NullAsNothing
            },
            concurrent,
            durable: None,
        }
    }

    /// The schedule of a workflow whose steps declare `dependsOn` (Arazzo 1.1), when they run
    /// at once: the setting allows it, no action jumps, repeats or ends the workflow early (such
    /// a workflow runs its steps one after the other, in an order that satisfies every
    /// dependency), and some steps can run at the same time.
    fn schedule(
        &self,
        workflow: &Workflow<'a>,
        steps: &mut [StepPlan],
        looping: bool,
    ) -> Option<Schedule> {
        let declared = workflow.steps.iter().any(|s| s.depends_on.is_some());
        let ends = steps
            .iter()
            .any(|s| s.on_success.iter().any(|a| a.kind == ActionKind::End));
        if !self.context.concurrent || !declared || looping || ends {
            return None;
        }
        let index = |id: &str| steps.iter().position(|s| s.id == id);
        let explicit: Vec<Vec<usize>> = steps
            .iter()
            .map(|plan| {
                workflow
                    .steps
                    .iter()
                    .find(|s| s.id.value == plan.id)
                    .and_then(|s| s.depends_on.as_ref())
                    .map(|list| list.value.iter().filter_map(|d| index(&d.value)).collect())
                    .unwrap_or_default()
            })
            .collect();
        let schedule = concurrent::schedule(steps, &explicit)?;
        // The steps borrow the workflow's inputs at the same time: none moves one out.
        for step in steps.iter_mut() {
            if let Some(standalone) = &mut step.standalone {
                standalone.last_reads.clear();
            }
        }
        Some(schedule)
    }

    /// The plans of the workflow's steps, in order; each step's outputs become readable by the
    /// steps after it.
    fn steps(
        &mut self,
        scope: &mut WorkflowScope,
        workflow: &Workflow<'a>,
        fn_name: &str,
        depends_on: &[DependencyPlan],
        module_items: &mut Scope,
    ) -> Vec<StepPlan> {
        // Step variables are named after their steps; the generated code's own locals keep
        // clear of them (the emitter chooses those).
        // (A dependency's outputs are in `depends_on_<id>`, which no step variable takes.)
        let dependency_vars: Vec<&str> = depends_on.iter().map(|d| d.var.as_str()).collect();
        let mut step_vars = Scope::with_reserved(&dependency_vars);
        workflow
            .steps
            .iter()
            .filter_map(|step| {
                let var = naming::snake(&step.id.value);
                let var = step_vars.unique(var);
                let outputs_type = ItemPath::inside(
                    fn_name,
                    module_items.unique_type(format!("{}Outputs", naming::pascal(&step.id.value))),
                );
                scope.current_step = Some(step.id.value.clone());
                let errors = self.error_count();
                let plan = self.step(scope, workflow, step, var, outputs_type);
                scope.current_step = None;
                if self.error_count() > errors {
                    scope.incomplete_steps.insert(step.id.value.clone());
                }
                if plan.is_none() {
                    scope.failed_steps.insert(step.id.value.clone());
                }
                if let Some(plan) = &plan {
                    record_step(scope, plan);
                }
                plan
            })
            .collect()
    }

    /// The workflow's outputs: fields of its outputs struct, each bound to the value it reads.
    /// An output from a step that may not have run is an `Option`.
    fn workflow_outputs(
        &mut self,
        scope: &mut WorkflowScope,
        workflow: &Workflow<'a>,
        skippable: &BTreeSet<String>,
    ) -> Vec<(FieldPlan, ValueRef)> {
        let mut output_fields = Scope::default();
        workflow
            .outputs
            .iter()
            .filter_map(|output| {
                let selector = self.output_selector(output).ok()?;
                let mut value = match selector {
                    None => {
                        self.value_expression(scope, Ctx::WorkflowOutputs, &output.expression)?
                    }
                    Some(selector) => self.workflow_output_selector(scope, selector)?,
                };
                if let Place::StepOutput { step, .. } = value.read_place()
                    && skippable.contains(step)
                {
                    value.ty = value.ty.optional();
                }
                scope
                    .outputs
                    .insert(output.name.value.clone(), value.clone());
                let field = FieldPlan {
                    name: output.name.value.clone(),
                    ident: output_fields.unique(naming::snake(&output.name.value)),
                    ty: value.ty.clone(),
                    doc: Some(match selector {
                        Some(selector) => selector.describe(),
                        None => format!("`{}`", output.expression.value),
                    }),
                };
                Some((field, value))
            })
            .collect::<Vec<(FieldPlan, ValueRef)>>()
    }
}

/// Makes a resolved step's outputs readable by the steps after it; for a step that runs a
/// workflow, also which of that workflow's outputs it keeps, under which names.
fn record_step(scope: &mut WorkflowScope, plan: &StepPlan) {
    if let Some(call) = plan.call() {
        scope
            .calls
            .insert(plan.id.clone(), implied::canonical_workflow(&call.workflow));
        scope
            .call_inputs
            .insert(plan.id.clone(), call.inputs.clone());
        for output in &plan.outputs {
            if let OutputSource::Value(value) = &output.source
                && let Place::Called {
                    field,
                    pointer: None,
                } = &value.place
            {
                scope
                    .called_outputs
                    .entry((plan.id.clone(), field.clone()))
                    .or_insert_with(|| output.field.name.clone());
            }
        }
    }
    scope.steps.insert(
        plan.id.clone(),
        (
            plan.var.clone(),
            plan.outputs
                .iter()
                .map(|o| {
                    (
                        o.field.name.clone(),
                        (o.field.ident.clone(), o.field.ty.clone()),
                    )
                })
                .collect(),
        ),
    );
}

/// True when the workflow's steps run in a loop: a step can jump (`goto`, `retry`), or ends
/// the workflow early. A step may then not have run when the workflow ends: the workflow's
/// outputs from such steps are `Option`s.
fn is_looping(steps: &[StepPlan]) -> bool {
    steps.iter().any(|step| {
        step.on_success.iter().chain(&step.on_failure).any(|a| {
            matches!(
                a.kind,
                ActionKind::Goto(_) | ActionKind::GotoWorkflow(_) | ActionKind::Retry { .. }
            )
        })
    }) || steps.iter().any(|step| {
        // An `end` that always applies: the code after it is never reached, which
        // straight-line code cannot say without warnings; a loop can.
        step.on_success
            .iter()
            .any(|a| a.kind == ActionKind::End && a.criteria.is_empty())
    })
}

/// Offers each operation step of a straight-line workflow as a function of its own (which the
/// workflow's function calls), unless it reads a dependency's or a called workflow's outputs.
fn offer_standalone(steps: &mut [StepPlan], fn_name: &str, module_items: &mut Scope) {
    for plan in steps.iter_mut() {
        // A message step runs inside its workflow's function, where its inbox is.
        if plan.request().is_some()
            && plan
                .refs()
                .iter()
                .all(|r| !matches!(r.place, Place::Dependency { .. } | Place::Called { .. }))
        {
            plan.standalone = Some(Standalone {
                fn_name: ItemPath::inside(fn_name, module_items.unique(naming::snake(&plan.id))),
                inputs_type: ItemPath::inside(
                    fn_name,
                    module_items.unique_type(format!("{}Inputs", naming::pascal(&plan.id))),
                ),
                last_reads: BTreeSet::new(),
                called: false,
            });
        }
    }
}

/// Notes, for each step the workflow's function calls as a function of its own, the inputs that
/// no later step and no workflow output reads: the call moves them instead of copying them.
fn mark_last_reads(steps: &mut [StepPlan], outputs: &[(FieldPlan, ValueRef)]) {
    let inputs_of = |refs: Vec<&ValueRef>| -> BTreeSet<String> {
        refs.into_iter()
            .filter_map(|r| match &r.place {
                Place::Input { field, .. } => Some(field.clone()),
                _ => None,
            })
            .collect()
    };
    let mut read_later = inputs_of(outputs.iter().map(|(_, r)| r).collect());
    for step in steps.iter_mut().rev() {
        let reads = inputs_of(step.refs());
        if let Some(standalone) = &mut step.standalone {
            standalone.last_reads = reads.difference(&read_later).cloned().collect();
        }
        read_later.extend(reads);
    }
}

/// Marks the steps that always run when the workflow succeeds; answers the variables of the
/// others (which may have no outputs at the end).
fn mark_always_runs(steps: &mut [StepPlan]) -> BTreeSet<String> {
    let mut skippable = BTreeSet::new();
    let mut bypassed = false;
    for step in steps.iter_mut() {
        // A step that can fail over may have no outputs; the steps after one that can jump
        // may not run.
        if bypassed || step.fails_over() {
            skippable.insert(step.var.clone());
        } else {
            step.always_runs = true;
        }
        bypassed |= step.can_jump();
    }
    skippable
}
