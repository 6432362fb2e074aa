//! An AsyncAPI step's block: the message built and published, or awaited in the step's inbox
//! (opened when the workflow run started); then, as for a response, its check and outputs.

use proc_macro2::TokenStream;
use quote::quote;

use super::looping::Flow;
use super::{Cx, ident};
use crate::plan::{MessageAction, MessagePlan, StepPlan};

impl Cx<'_> {
    /// The block of a message step.
    pub(super) fn message_body(
        &self,
        step: &StepPlan,
        message: &MessagePlan,
        flow: Flow<'_>,
    ) -> TokenStream {
        let response = self.local("response");
        let exchanged = match message.action {
            MessageAction::Send => self.publish(message),
            MessageAction::Receive => self.await_message(message),
        };
        let address = &message.address;
        let read = quote!(::arazzo_runtime::Response::from_message(STEP, #address, #exchanged));
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
        self.exchange_body(step, flow, quote!(), send)
    }

    /// The message built from the step's payload and header parameters, and published: the
    /// expression is the message sent.
    fn publish(&self, message: &MessagePlan) -> TokenStream {
        let (client, broker) = (
            self.local("client"),
            ident(&self.plan.brokers[message.broker].field),
        );
        let address = &message.address;
        let payload = match &message.payload {
            Some(payload) => {
                let value = self.json_value(payload);
                quote!(::std::option::Option::Some(&#value))
            }
            None => quote!(::std::option::Option::None),
        };
        let headers = message.headers.iter().map(|(name, value)| {
            let value = self.json_value(value);
            quote!((#name, #value))
        });
        let timeout = match message.timeout {
            Some(ms) => quote!(::std::option::Option::Some(#ms)),
            None => quote!(::std::option::Option::None),
        };
        quote! {
            #client
                .#broker
                .send(
                    STEP,
                    #address,
                    ::arazzo_runtime::messaging::json_message(STEP, #payload, &[#(#headers),*])?,
                    #timeout,
                )
                .await?
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
    /// can cause the message one waits for.
    pub(super) fn open_inboxes(&self, steps: &[StepPlan]) -> Vec<TokenStream> {
        let client = self.local("client");
        steps
            .iter()
            .filter_map(StepPlan::message)
            .filter_map(|message| {
                let inbox = self.local(message.inbox.as_deref()?);
                let broker = ident(&self.plan.brokers[message.broker].field);
                let address = &message.address;
                Some(quote!(let mut #inbox = #client.#broker.inbox(#address).await;))
            })
            .collect()
    }
}
