//! How a step's body outputs are decoded: which of them one struct, decoded in one pass, can
//! hold (see [`DecodePlan`]).

use crate::naming::{self, Scope};
use crate::plan::{DecodeKind, DecodeMember, DecodePlan, OutputSource, StepOutputPlan};

/// The struct a step's `$response.body#/…` outputs are decoded into, when one can hold any.
///
/// An output is in it when its pointer names object members only: not the whole body (`#`),
/// no token that could be an array index (`/items/0`), and not a pointer that another output's
/// pointer equals, or leads through or into (`/a` and `/a/b`). Those are read on their own.
/// Only the outputs that `read` keeps (by index) take part: the others are not read at all.
pub(super) fn decode_plan(
    outputs: &[StepOutputPlan],
    read: impl Fn(usize) -> bool,
) -> Option<DecodePlan> {
    let mut root = Node::default();
    for (index, output) in outputs.iter().enumerate() {
        if !read(index) {
            continue;
        }
        let OutputSource::Body(pointer) = &output.source else {
            continue;
        };
        let Some(tokens) = member_tokens(pointer) else {
            continue;
        };
        root.insert(&tokens, index);
    }
    let mut types = Scope::with_reserved(&["RequestBody", "ResponseBody"]);
    let plan = root.plan("ResponseBody".to_owned(), &mut types);
    (!plan.members.is_empty()).then_some(plan)
}

/// The unescaped member names of a pointer, when it names object members only.
fn member_tokens(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|token| {
            // `0`, `12`: a member of an object, or an item of an array; the walk decides.
            if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(token.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

/// The members read, as a tree; `None` marks a member read by more than one output or both
/// as a value and on the way to another, which no output in the struct takes.
#[derive(Default)]
struct Node {
    members: Vec<(String, Option<Member>)>,
}

enum Member {
    Output(usize),
    Object(Node),
}

impl Node {
    fn insert(&mut self, tokens: &[String], index: usize) {
        let Some((first, rest)) = tokens.split_first() else {
            return;
        };
        let at = match self.members.iter().position(|(name, _)| name == first) {
            Some(at) => at,
            None => {
                let member = if rest.is_empty() {
                    Member::Output(index)
                } else {
                    let mut node = Node::default();
                    node.insert(rest, index);
                    Member::Object(node)
                };
                self.members.push((first.clone(), Some(member)));
                return;
            }
        };
        match &mut self.members[at].1 {
            Some(Member::Object(node)) if !rest.is_empty() => node.insert(rest, index),
            // The same value twice, or a value that another output reads into: read on their own.
            slot => *slot = None,
        }
    }

    fn plan(self, type_name: String, types: &mut Scope) -> DecodePlan {
        let mut fields = Scope::default();
        let members = self
            .members
            .into_iter()
            .filter_map(|(name, member)| {
                let kind = match member? {
                    Member::Output(index) => DecodeKind::Output(index),
                    Member::Object(node) => {
                        let mut nested = format!("{type_name}{}", naming::pascal(&name));
                        // Clear of the workflow module's `…Inputs` / `…Outputs` structs, and
                        // of the workflow function's `…Read` structs.
                        if ["Inputs", "Outputs", "Read"]
                            .iter()
                            .any(|suffix| nested.ends_with(suffix))
                        {
                            nested.push_str("Member");
                        }
                        let plan = node.plan(types.unique_type(nested), types);
                        if plan.members.is_empty() {
                            return None;
                        }
                        DecodeKind::Object(plan)
                    }
                };
                Some(DecodeMember {
                    ident: fields.unique(naming::snake(&name)),
                    name,
                    kind,
                })
            })
            .collect();
        DecodePlan { type_name, members }
    }
}
