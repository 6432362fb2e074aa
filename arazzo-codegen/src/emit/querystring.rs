//! A step's whole query string (OpenAPI 3.2 `in: querystring`): its text, built from the plan's
//! value, then encoded by `arazzo_runtime::form_query` or `component_query`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Cx;
use crate::plan::{QueryEncoding, QueryStringPlan, ValuePlan};

impl Cx<'_> {
    /// The statement that computes the encoded query string, and the request-builder call that
    /// sends it.
    pub(super) fn query_string(&self, plan: &QueryStringPlan) -> (TokenStream, TokenStream) {
        let var = self.local("query_string");
        // Embedded values are escaped for what holds them: a form's pairs, JSON text.
        let escape = match plan.encoding {
            QueryEncoding::Form => Some("form_part"),
            QueryEncoding::Component { json: true } => Some("json_part"),
            QueryEncoding::Component { json: false } => None,
        };
        let text = match &plan.value {
            ValuePlan::Str(text) => quote!(#text),
            ValuePlan::Template(parts) => {
                let text = self.escaped_template(parts, escape);
                quote!(&#text)
            }
            ValuePlan::Ref(r) => {
                let text = self.template_arg(r);
                quote!(&::std::string::ToString::to_string(&#text))
            }
            other => {
                let json = self.json_value(other);
                quote!(&#json.to_string())
            }
        };
        let encode = match plan.encoding {
            QueryEncoding::Form => quote!(::arazzo_runtime::form_query),
            QueryEncoding::Component { .. } => quote!(::arazzo_runtime::component_query),
        };
        (
            quote!(let #var = #encode(#text);),
            quote!(.query_string(#var)),
        )
    }
}
