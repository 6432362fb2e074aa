//! Success criteria and action criteria as Rust boolean expressions: native comparisons where
//! both sides have a Rust type, JSON comparisons elsewhere, regex and JSONPath compiled once.

use proc_macro2::{Ident, Literal as Lit, TokenStream};
use quote::quote;

use super::values::literal_json;
use super::values::xpath;
use super::{Cx, ident};
use crate::condition::{Literal, Op};
use crate::plan::{ActionPlan, CondPlan, OperandPlan, Place, StepPlan, Type};

pub(super) fn op_tokens(op: Op) -> TokenStream {
    match op {
        Op::Eq => quote!(==),
        Op::Ne => quote!(!=),
        Op::Lt => quote!(<),
        Op::Le => quote!(<=),
        Op::Gt => quote!(>),
        Op::Ge => quote!(>=),
    }
}

impl Cx<'_> {
    /// Whether a step's success criteria hold, as one expression (`None`: any 2xx status).
    pub(super) fn success_expression(
        &self,
        step: &StepPlan,
        statics: &mut Vec<TokenStream>,
    ) -> TokenStream {
        match step.success.as_slice() {
            [] => {
                let response = self.local("response");
                quote!((200..300).contains(&#response.status()))
            }
            // One criterion alone needs no parentheses around it.
            [CondPlan::Or(a, b)] => {
                let (a, b) = (self.condition(a, statics), self.condition(b, statics));
                quote!(#a || #b)
            }
            [CondPlan::And(a, b)] => {
                let (a, b) = (self.condition(a, statics), self.condition(b, statics));
                quote!(#a && #b)
            }
            conditions => {
                let conditions = conditions.iter().map(|c| self.condition(c, statics));
                quote!(#(#conditions)&&*)
            }
        }
    }

    /// All of an action's criteria (`true` for none). In an Arazzo 1.1 document, a criterion
    /// that meets an evaluation error does not hold.
    pub(super) fn action_applies(
        &self,
        step: &StepPlan,
        action: &ActionPlan,
        statics: &mut Vec<TokenStream>,
    ) -> Option<TokenStream> {
        if action.criteria.is_empty() {
            return None;
        }
        if step.criteria_1_1.is_some() {
            let why = self.local("why");
            let criteria: Vec<TokenStream> = action
                .criteria
                .iter()
                .map(|c| self.condition_with(c, statics, Some(&why)))
                .collect();
            // An evaluation error in any of them, and the action does not apply.
            return Some(quote!({
                let mut #why = ::arazzo_runtime::criteria::Why::default();
                #(#criteria)&&* && !#why.is_set()
            }));
        }
        let criteria: Vec<TokenStream> = action
            .criteria
            .iter()
            .map(|c| self.condition(c, statics))
            .collect();
        Some(quote!(#(#criteria)&&*))
    }

    /// Arazzo 1.1: each success criterion with what its failure is
    /// (`arazzo_runtime::FailedCriterion`): `(condition, failed)`. The `why` local, when one
    /// criterion can meet an evaluation error, is declared by the statement returned first.
    pub(super) fn checked_criteria(
        &self,
        step: &StepPlan,
        written: &[String],
        statics: &mut Vec<TokenStream>,
    ) -> (Option<TokenStream>, Vec<(TokenStream, TokenStream)>) {
        let why = self.local("why");
        let mut uses_why = false;
        let checks = step
            .success
            .iter()
            .zip(written)
            .enumerate()
            .map(|(i, (c, text))| {
                let i = Lit::usize_unsuffixed(i);
                let negated = match c {
                    // `status != 200` rather than `!(status == 200)`.
                    CondPlan::Compare(l, op, r) if self.native(l, r).is_some() => self.condition(
                        &CondPlan::Compare(l.clone(), op.negate(), r.clone()),
                        statics,
                    ),
                    _ => {
                        let c = self.condition_with(c, statics, Some(&why));
                        // Only a criterion that can meet an evaluation error reads `why`.
                        if c.to_string().contains(&why.to_string()) {
                            uses_why = true;
                            let failed = quote!(!(#c) || #why.is_set());
                            return (failed, quote!(#why.failed(#i, #text)));
                        }
                        quote!(!(#c))
                    }
                };
                (
                    negated,
                    quote!(::arazzo_runtime::criteria::failed(#i, #text)),
                )
            })
            .collect();
        let declare =
            uses_why.then(|| quote!(let mut #why = ::arazzo_runtime::criteria::Why::default();));
        (declare, checks)
    }

    /// Arazzo 1.1: the first success criterion that does not hold, with its evaluation error
    /// (`Option<arazzo_runtime::FailedCriterion>`), after the statement that declares `why`.
    pub(super) fn first_failed(
        &self,
        step: &StepPlan,
        written: &[String],
        statics: &mut Vec<TokenStream>,
    ) -> (Option<TokenStream>, TokenStream) {
        let (declare, checks) = self.checked_criteria(step, written, statics);
        let branches = checks
            .into_iter()
            .map(|(failed, which)| quote!(if #failed { ::std::option::Option::Some(#which) } else));
        (
            declare,
            quote!(#(#branches)* { ::std::option::Option::None }),
        )
    }

    /// Both sides of a comparison as plain Rust integers, when they are: a status code or an
    /// integer input against a number that fits its type.
    pub(super) fn native(
        &self,
        l: &OperandPlan,
        r: &OperandPlan,
    ) -> Option<(TokenStream, TokenStream)> {
        let int = |o: &OperandPlan, other: &OperandPlan| -> Option<TokenStream> {
            match o {
                OperandPlan::Value(v) if matches!(v.ty, Type::U16 | Type::I32 | Type::I64) => {
                    Some(self.value(&v.place, &quote!(STEP)))
                }
                OperandPlan::Literal(Literal::Number(n)) => {
                    let OperandPlan::Value(v) = other else {
                        return None;
                    };
                    let n: i64 = n.parse().ok()?;
                    let fits = match v.ty {
                        Type::U16 => u16::try_from(n).is_ok(),
                        Type::I32 => i32::try_from(n).is_ok(),
                        Type::I64 => true,
                        _ => false,
                    };
                    // Written out anew, so that `0200` becomes `200`.
                    let lit = Lit::i64_unsuffixed(n);
                    fits.then(|| quote!(#lit))
                }
                _ => None,
            }
        };
        let (a, b) = (int(l, r)?, int(r, l)?);
        // Two values of possibly different integer types are compared as JSON instead.
        if matches!((l, r), (OperandPlan::Value(x), OperandPlan::Value(y)) if x.ty != y.ty) {
            return None;
        }
        Some((a, b))
    }

    pub(super) fn operand_json(&self, o: &OperandPlan) -> TokenStream {
        match o {
            OperandPlan::Value(v) => self.json_of(v),
            OperandPlan::Literal(literal) => literal_json(literal),
        }
    }

    /// A compiled criterion; regexes and JSONPath queries become `static`s compiled once.
    pub(super) fn condition(&self, c: &CondPlan, statics: &mut Vec<TokenStream>) -> TokenStream {
        self.condition_with(c, statics, None)
    }

    /// A compiled criterion; with `why` (the local of an Arazzo 1.1 criterion), an evaluation
    /// error is kept there and the comparison is false, rather than an error of the step.
    fn condition_with(
        &self,
        c: &CondPlan,
        statics: &mut Vec<TokenStream>,
        why: Option<&Ident>,
    ) -> TokenStream {
        match c {
            CondPlan::Or(a, b) => {
                let (a, b) = (
                    self.condition_with(a, statics, why),
                    self.condition_with(b, statics, why),
                );
                quote!((#a || #b))
            }
            CondPlan::And(a, b) => {
                let (a, b) = (
                    self.condition_with(a, statics, why),
                    self.condition_with(b, statics, why),
                );
                quote!((#a && #b))
            }
            CondPlan::Not(a) => match &**a {
                CondPlan::Compare(l, op, r) if self.native(l, r).is_some() => self.condition_with(
                    &CondPlan::Compare(l.clone(), op.negate(), r.clone()),
                    statics,
                    why,
                ),
                _ => {
                    let a = self.condition_with(a, statics, why);
                    quote!(!(#a))
                }
            },
            CondPlan::Compare(l, op, r) => match self.native(l, r) {
                Some((l, r)) => {
                    let op = op_tokens(*op);
                    quote!(#l #op #r)
                }
                None => {
                    let (l, r) = (self.operand_json(l), self.operand_json(r));
                    let op = ident(&format!("{op:?}"));
                    match why {
                        Some(why) => {
                            quote!(::arazzo_runtime::criteria::compare_checked(&#l, ::arazzo_runtime::criteria::Op::#op, &#r, &mut #why))
                        }
                        None => {
                            quote!(::arazzo_runtime::criteria::compare(&#l, ::arazzo_runtime::criteria::Op::#op, &#r))
                        }
                    }
                }
            },
            CondPlan::Truthy(OperandPlan::Value(v)) if v.ty == Type::Bool => {
                self.value(&v.place, &quote!(STEP))
            }
            CondPlan::Truthy(OperandPlan::Literal(Literal::Bool(b))) => quote!(#b),
            CondPlan::Truthy(o) => {
                let json = self.operand_json(o);
                match why {
                    Some(why) => {
                        quote!(::arazzo_runtime::criteria::is_true_checked(&#json, &mut #why))
                    }
                    None => quote!(::arazzo_runtime::criteria::is_true(&#json)),
                }
            }
            CondPlan::Regex { context, pattern } => {
                let name = ident(&format!("CRITERION_{}", statics.len()));
                statics.push(quote! {
                    static #name: ::std::sync::LazyLock<::arazzo_runtime::criteria::Regex> =
                        ::std::sync::LazyLock::new(|| ::arazzo_runtime::criteria::Regex::new(#pattern));
                });
                let json = self.json_of(context);
                match why {
                    Some(why) => quote!(#name.is_match_checked(&#json, &mut #why)),
                    None => quote!(#name.is_match(STEP, &#json)?),
                }
            }
            CondPlan::JsonPath { context, query } => {
                let name = ident(&format!("CRITERION_{}", statics.len()));
                statics.push(quote! {
                    static #name: ::std::sync::LazyLock<::arazzo_runtime::criteria::JsonPath> =
                        ::std::sync::LazyLock::new(|| ::arazzo_runtime::criteria::JsonPath::new(#query));
                });
                match (why, &context.place) {
                    // A query applied to a body that is not JSON is an evaluation error.
                    (Some(why), Place::ResponseBody(pointer)) => {
                        let response = self.local("response");
                        quote!(#name.matches_body(#response.body(), #pointer, &mut #why))
                    }
                    (Some(why), _) => {
                        let json = self.json_of(context);
                        quote!(#name.matches_checked(&#json, &mut #why))
                    }
                    (None, _) => {
                        let json = self.json_of(context);
                        quote!(#name.matches(STEP, &#json)?)
                    }
                }
            }
            CondPlan::XPath {
                context,
                expression,
                version,
            } => {
                let xpath = xpath(expression, version);
                let text = self.xml_text(context, expression);
                match why {
                    // Arazzo 1.1: an evaluation error fails the criterion, with the reason.
                    Some(why) => quote!(#xpath.holds_checked(STEP, #text, &mut #why)),
                    None => quote!(#xpath.holds(STEP, #text)?),
                }
            }
        }
    }
}
