//! An AsyncAPI step's block: the message built and published, or awaited in the step's inbox
//! (opened when the workflow run started); then, as for a response, its check and outputs.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::data::ty as ty_tokens;
use super::looping::Flow;
use super::values::is_copy;
use super::{Cx, ident};
use crate::plan::{
    AddressPart, AddressPlan, MessageAction, MessagePlan, PayloadPlan, Place, StepPlan,
    TemplatePart, Type, TypedValue, ValuePlan,
};

impl Cx<'_> {
    /// The block of a message step.
    pub(super) fn message_body(
        &self,
        step: &StepPlan,
        message: &MessagePlan,
        flow: Flow<'_>,
    ) -> TokenStream {
        let response = self.local("response");
        let (address_prelude, address) = self.address(&message.address);
        let (payload_prelude, exchanged) = match message.action {
            MessageAction::Send => self.publish(message, &address),
            MessageAction::Receive => (None, self.await_message(message)),
        };
        let read = if message.text {
            quote!(::arazzo_runtime::Response::from_text_message(STEP, #address, #exchanged)?)
        } else {
            quote!(::arazzo_runtime::Response::from_message(STEP, #address, #exchanged))
        };
        // In a loop, a step that times out fails like any other, and its failure actions
        // decide: the timeout becomes a stand-in response.
        let send = match (&flow, message.timeout) {
            (Flow::Loop { .. }, Some(_)) => quote! {
                let #response = ::arazzo_runtime::Response::or_timed_out(
                    async { ::std::result::Result::Ok::<_, ::arazzo_runtime::Error>(#read) }.await,
                )?;
            },
            _ => quote!(let #response = #read;),
        };
        let prelude = quote! {
            #address_prelude
            #payload_prelude
        };
        self.exchange_body(step, flow, prelude, send)
    }

    /// A channel's address: a literal, or, when parameters fill it, the statements that take
    /// each value's text (checked by `address_param`) and format it, and the variable that
    /// holds it.
    fn address(&self, address: &AddressPlan) -> (Option<TokenStream>, TokenStream) {
        if let Some(fixed) = address.as_fixed() {
            return (None, quote!(#fixed));
        }
        let var = self.local("address");
        let mut format = String::new();
        let mut statements = Vec::new();
        for part in &address.parts {
            match part {
                AddressPart::Text(text) => {
                    format.push_str(&text.replace('{', "{{").replace('}', "}}"));
                }
                AddressPart::Param { name, value } => {
                    let param = self.local(&format!("channel_param_{}", statements.len()));
                    format.push_str(&format!("{{{param}}}"));
                    let value = match value {
                        ValuePlan::Ref(r) if r.ty.is_option() => self.present(r),
                        ValuePlan::Ref(r) if is_variable(&r.place) => {
                            let value = self.value(&r.place, &quote!(STEP));
                            quote!(&#value)
                        }
                        other => {
                            let value = self.json_value(other);
                            quote!(&#value)
                        }
                    };
                    statements.push(quote! {
                        let #param = ::arazzo_runtime::messaging::address_param(STEP, #name, #value)?;
                    });
                }
            }
        }
        (
            Some(quote! {
                #(#statements)*
                let #var = ::std::format!(#format);
            }),
            quote!(&#var),
        )
    }

    /// The message built from the step's payload and header parameters, and published: the
    /// statements that build its payload, and the expression that is the message sent.
    fn publish(
        &self,
        message: &MessagePlan,
        address: &TokenStream,
    ) -> (Option<TokenStream>, TokenStream) {
        let (client, broker) = (
            self.local("client"),
            ident(&self.plan.brokers[message.broker].field),
        );
        let headers = message.headers.iter().map(|(name, value)| {
            let value = self.json_value(value);
            quote!((#name, #value))
        });
        let headers = quote!(&[#(#headers),*]);
        let payload_var = self.local("payload");
        let (prelude, built) = match &message.payload {
            Some(PayloadPlan::Typed { ty, value, .. }) => {
                let ty = ty_tokens(ty, self.at);
                let value = self.typed(value);
                (
                    Some(quote!(let #payload_var: #ty = #value;)),
                    quote!(::arazzo_runtime::messaging::typed_message(STEP, &#payload_var, #headers)?),
                )
            }
            Some(PayloadPlan::Json(value)) => {
                let value = self.json_value(value);
                (
                    None,
                    quote!(::arazzo_runtime::messaging::json_message(
                        STEP,
                        ::std::option::Option::Some(&#value),
                        #headers,
                    )?),
                )
            }
            Some(PayloadPlan::Text(value)) => {
                let text = self.text(value);
                (
                    None,
                    quote!(::arazzo_runtime::messaging::text_message(#text, #headers)),
                )
            }
            None => (
                None,
                quote!(::arazzo_runtime::messaging::json_message(
                    STEP,
                    ::std::option::Option::None,
                    #headers,
                )?),
            ),
        };
        let timeout = match message.timeout {
            Some(ms) => quote!(::std::option::Option::Some(#ms)),
            None => quote!(::std::option::Option::None),
        };
        let sent = quote! {
            #client
                .#broker
                .send(STEP, #address, #built, #timeout)
                .await?
        };
        (prelude, sent)
    }

    /// A text payload as a `String`: the string, the template, or the string value.
    fn text(&self, value: &ValuePlan) -> TokenStream {
        match value {
            ValuePlan::Str(text) => quote!(#text.to_owned()),
            ValuePlan::Template(parts) => self.template(parts),
            ValuePlan::Ref(r) => self.template(&[TemplatePart::Value(r.clone())]),
            other => {
                let json = self.json_value(other);
                quote!(::arazzo_runtime::messaging::text(&#json))
            }
        }
    }

    /// A value built as the type its schema gives it.
    fn typed(&self, value: &TypedValue) -> TokenStream {
        match value {
            TypedValue::None => quote!(::std::option::Option::None),
            TypedValue::Some(inner) => {
                let inner = self.typed(inner);
                quote!(::std::option::Option::Some(#inner))
            }
            TypedValue::Boxed(inner) => {
                let inner = self.typed(inner);
                quote!(::std::boxed::Box::new(#inner))
            }
            TypedValue::Literal(literal, ty) => typed_literal(literal, ty),
            TypedValue::Variant(path, variant) => {
                let ty = ty_tokens(&Type::Enum(path.clone()), self.at);
                let variant = ident(variant);
                quote!(#ty::#variant)
            }
            TypedValue::Template(parts) => self.template(parts),
            TypedValue::Read(r) => {
                let value = self.value(&r.place, &quote!(STEP));
                if is_copy(&r.ty) || matches!(r.place, Place::Const(_)) {
                    value
                } else {
                    quote!(#value.clone())
                }
            }
            TypedValue::Present(r) => {
                let value = self.present(r);
                if is_copy(&r.ty) {
                    quote!(*#value)
                } else {
                    quote!(#value.clone())
                }
            }
            TypedValue::Converted { value, ty, at } => {
                let json = match value {
                    ValuePlan::Ref(r) if ty.is_option() => self.json_of(r),
                    other => self.json_value(other),
                };
                let ty = ty_tokens(ty, self.at);
                quote!(::arazzo_runtime::messaging::member::<#ty>(STEP, #at, #json)?)
            }
            TypedValue::Json(value) => self.json_value(value),
            TypedValue::Struct { path, fields } => {
                let ty = ty_tokens(&Type::Named(path.clone()), self.at);
                let fields = fields.iter().map(|(field, value)| {
                    let field = ident(field);
                    let value = self.typed(value);
                    quote!(#field: #value)
                });
                quote!(#ty { #(#fields),* })
            }
            TypedValue::Vec(items) => {
                let items = items.iter().map(|item| self.typed(item));
                quote!(::std::vec::Vec::from([#(#items),*]))
            }
        }
    }

    /// The first message in the step's inbox that has its correlation id (any message without
    /// one), waited for within the step's `timeout`: the expression is the message received.
    fn await_message(&self, message: &MessagePlan) -> TokenStream {
        let inbox = self.local(message.inbox.as_deref().unwrap_or("inbox"));
        let (at, id) = match &message.correlation {
            Some(correlation) => {
                let place = &correlation.at;
                let at = if correlation.in_header {
                    quote!(::arazzo_runtime::messaging::Correlation::Header(#place))
                } else {
                    quote!(::arazzo_runtime::messaging::Correlation::Payload(#place))
                };
                let value = self.json_value(&correlation.value);
                (
                    quote!(::std::option::Option::Some(#at)),
                    quote!(::std::option::Option::Some(
                        ::arazzo_runtime::messaging::text(&#value).as_str()
                    )),
                )
            }
            None => (
                quote!(::std::option::Option::None),
                quote!(::std::option::Option::None),
            ),
        };
        let timeout = match message.timeout {
            Some(ms) => {
                quote!(::std::option::Option::Some(::std::time::Duration::from_millis(#ms)))
            }
            None => quote!(::std::option::Option::None),
        };
        quote!(#inbox.receive(STEP, #at, #id, #timeout).await?)
    }

    /// The inboxes of a workflow's receive steps, opened when its run starts: before any step
    /// can cause the message one waits for. An address that parameters fill is formatted
    /// first, in a block that names the step.
    pub(super) fn open_inboxes(&self, steps: &[StepPlan]) -> Vec<TokenStream> {
        let client = self.local("client");
        steps
            .iter()
            .filter_map(|step| Some((step, step.message()?)))
            .filter_map(|(step, message)| {
                let inbox = self.local(message.inbox.as_deref()?);
                let broker = ident(&self.plan.brokers[message.broker].field);
                let (prelude, address) = self.address(&message.address);
                let open = quote!(#client.#broker.inbox(#address).await);
                Some(match prelude {
                    None => quote!(let mut #inbox = #open;),
                    Some(prelude) => {
                        let id = &step.id;
                        quote! {
                            let mut #inbox = {
                                const STEP: &str = #id;
                                #prelude
                                #open
                            };
                        }
                    }
                })
            })
            .collect()
    }
}

/// True for a place that is a variable of the workflow's function (an input, an output).
fn is_variable(place: &Place) -> bool {
    matches!(
        place,
        Place::Input { pointer: None, .. }
            | Place::StepOutput { pointer: None, .. }
            | Place::Dependency { pointer: None, .. }
            | Place::Called { pointer: None, .. }
    )
}

/// A literal of a scalar member, as its type writes it (`7`, `7.0`, `true`, `"a".to_owned()`).
fn typed_literal(literal: &ValuePlan, ty: &Type) -> TokenStream {
    match (literal, ty) {
        (ValuePlan::Bool(b), _) => quote!(#b),
        (ValuePlan::Str(s), _) => quote!(#s.to_owned()),
        (ValuePlan::Number(n), Type::F64) => {
            let value = Literal::f64_unsuffixed(n.parse::<f64>().unwrap_or_default());
            quote!(#value)
        }
        (ValuePlan::Number(n), _) => {
            let value = Literal::i64_unsuffixed(n.parse::<i64>().unwrap_or_default());
            quote!(#value)
        }
        // The resolver makes literals of these only.
        _ => quote!(::std::default::Default::default()),
    }
}
