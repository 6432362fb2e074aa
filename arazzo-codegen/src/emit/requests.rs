//! A step's request: its parameters, its path and its body.

use proc_macro2::TokenStream;
use quote::quote;

use super::data::ty as ty_tokens;
use super::{Cx, ident};
use crate::plan::{
    BodyField, BodyKind, BodyPlan, BodyShape, ParamLocation, ParamPlan, ParamStyle, PathPart,
    ReplacementTarget, RequestPlan, Type, ValuePlan,
};

/// The Rust type of a number literal of a payload: `i64`, else `u64`, else `f64`.
fn number_type(n: &str) -> TokenStream {
    if n.parse::<i64>().is_ok() {
        quote!(i64)
    } else if n.parse::<u64>().is_ok() {
        quote!(u64)
    } else {
        quote!(f64)
    }
}

/// A number literal of a payload, of the type [`number_type`] gives it.
fn number_literal(n: &str) -> TokenStream {
    use proc_macro2::Literal;
    let literal = match (n.parse::<i64>(), n.parse::<u64>(), n.parse::<f64>()) {
        (Ok(i), _, _) => Literal::i64_unsuffixed(i),
        (_, Ok(u), _) => Literal::u64_unsuffixed(u),
        (_, _, Ok(f)) => Literal::f64_unsuffixed(f),
        // The resolver sends only numbers that parse this way.
        _ => Literal::i64_unsuffixed(0),
    };
    quote!(#literal)
}

pub(super) fn style(param: &ParamPlan) -> proc_macro2::Ident {
    ident(match param.style {
        ParamStyle::Form => "Form",
        ParamStyle::FormNoExplode => "FormNoExplode",
        ParamStyle::SpaceDelimited => "SpaceDelimited",
        ParamStyle::PipeDelimited => "PipeDelimited",
        ParamStyle::DeepObject => "DeepObject",
    })
}

impl Cx<'_> {
    /// The statements that build a step's body, and the request-builder call that sends it.
    pub(super) fn request_body(
        &self,
        body: &BodyPlan,
    ) -> (Option<TokenStream>, Option<TokenStream>) {
        let body_var = self.local("body");
        let content_type = &body.content_type;
        if let BodyShape::Struct { type_name, fields } = &body.shape {
            let build = self.body_struct(type_name, fields);
            return (
                Some(build),
                Some(quote!(.json_body(#content_type, &#body_var))),
            );
        }
        let escape = match body.kind {
            BodyKind::JsonText => Some("json_part"),
            BodyKind::FormText => Some("form_part"),
            _ => None,
        };
        let text = || match &body.value {
            ValuePlan::Str(s) => quote!(#s.to_owned()),
            ValuePlan::Template(parts) => self.escaped_template(parts, escape),
            ValuePlan::Ref(r) => {
                let value = self.value(&r.place, &quote!(STEP));
                quote!(::std::string::ToString::to_string(&#value))
            }
            other => self.json_value(other),
        };
        // A written-out form with replacements is read into fields, which the replacements set.
        let form_fields = body.is_form_with_replacements();
        let value = match body.kind {
            BodyKind::JsonText => {
                let text = text();
                quote!(::arazzo_runtime::parse_json(STEP, &#text)?)
            }
            BodyKind::FormText if form_fields => {
                let text = text();
                quote!(::arazzo_runtime::parse_form(&#text))
            }
            BodyKind::Text | BodyKind::FormText => text(),
            BodyKind::Json | BodyKind::Form | BodyKind::Multipart => self.json_value(&body.value),
        };
        let replacements: Vec<TokenStream> = body
            .replacements
            .iter()
            .map(|(target, value)| {
                let value = self.json_value(value);
                match target {
                    ReplacementTarget::Pointer(pointer) => {
                        quote!(::arazzo_runtime::replace(STEP, &mut #body_var, #pointer, #value)?;)
                    }
                    ReplacementTarget::JsonPath(query) => quote! {
                        {
                            static TARGET: ::std::sync::LazyLock<::arazzo_runtime::selector::JsonPathSelector> =
                                ::std::sync::LazyLock::new(|| ::arazzo_runtime::selector::JsonPathSelector::new(#query));
                            TARGET.replace_in(STEP, &mut #body_var, #value)?;
                        }
                    },
                }
            })
            .collect();
        let build = if replacements.is_empty() {
            quote!(let #body_var = #value;)
        } else {
            quote! {
                let mut #body_var = #value;
                #(#replacements)*
            }
        };
        let send = match body.kind {
            BodyKind::Json | BodyKind::JsonText if content_type == "application/json" => {
                quote!(.json(&#body_var))
            }
            BodyKind::Json | BodyKind::JsonText => quote!(.json_as(#content_type, &#body_var)),
            BodyKind::Form => quote!(.form(&#body_var)),
            BodyKind::FormText if form_fields => quote!(.form(&#body_var)),
            BodyKind::Multipart => quote!(.multipart(&#body_var)),
            BodyKind::Text | BodyKind::FormText => quote!(.raw(#content_type, #body_var)),
        };
        (Some(build), Some(send))
    }

    /// A JSON body serialized from a struct local to the step, whose fields borrow the values
    /// (strings as `&str`, optional values as `&Option<T>`, left out when `None`) or hold
    /// the payload's literals.
    fn body_struct(&self, type_name: &str, fields: &[BodyField]) -> TokenStream {
        let body_var = self.local("body");
        let name = ident(type_name);
        let borrows = fields.iter().any(|f| matches!(f.value, ValuePlan::Ref(_)));
        let lifetime = borrows.then(|| quote!(<'a>));
        let decls = fields.iter().map(|field| {
            let ident = ident(&field.ident);
            let rename = (field.ident != field.name).then(|| {
                let name = &field.name;
                quote!(#[serde(rename = #name)])
            });
            let (skip, ty) = match &field.value {
                ValuePlan::Ref(r) => match &r.ty {
                    Type::String => (None, quote!(&'a str)),
                    ty @ Type::Option(_) => (
                        Some(quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")])),
                        {
                            let ty = ty_tokens(ty, self.at);
                            quote!(&'a #ty)
                        },
                    ),
                    ty => {
                        let ty = ty_tokens(ty, self.at);
                        (None, quote!(&'a #ty))
                    }
                },
                ValuePlan::Null => (None, quote!(())),
                ValuePlan::Bool(_) => (None, quote!(bool)),
                ValuePlan::Number(n) => (None, number_type(n)),
                _ => (None, quote!(&'static str)),
            };
            quote! {
                #rename
                #skip
                #ident: #ty
            }
        });
        let values = fields.iter().map(|field| {
            let ident = ident(&field.ident);
            let value = match &field.value {
                ValuePlan::Ref(r) => {
                    let value = self.value(&r.place, &quote!(STEP));
                    quote!(&#value)
                }
                ValuePlan::Null => quote!(()),
                ValuePlan::Bool(b) => quote!(#b),
                ValuePlan::Number(n) => number_literal(n),
                ValuePlan::Str(s) => quote!(#s),
                _ => quote!(::std::unreachable!()),
            };
            quote!(#ident: #value)
        });
        quote! {
            #[derive(::arazzo_runtime::serde::Serialize)]
            #[serde(crate = "::arazzo_runtime::serde")]
            struct #name #lifetime {
                #(#decls,)*
            }
            let #body_var = #name {
                #(#values,)*
            };
        }
    }

    /// A step's parameters: the statements that compute their values, the path expression, the
    /// request-builder calls for the values that are always there, and the statements that add the
    /// ones that may be absent.
    pub(super) fn parameters(
        &self,
        request: &RequestPlan,
    ) -> (
        Vec<TokenStream>,
        TokenStream,
        Vec<TokenStream>,
        Vec<TokenStream>,
    ) {
        let mut values = Vec::new();
        let mut chained = Vec::new();
        let mut optional = Vec::new();
        let (request_var, value_var) = (self.local("request"), self.local("value"));
        for param in &request.parameters {
            let var = self.local(&param.var);
            let may_be_absent = param.location != ParamLocation::Path
                && matches!(&param.value, ValuePlan::Ref(r) if r.ty.is_option());
            let value = match &param.value {
                ValuePlan::Ref(r) if may_be_absent => self.optional_json(r),
                other => self.json_value(other),
            };
            values.push(quote!(let #var = #value;));
            let call = |value: TokenStream| -> Option<TokenStream> {
                let name = &param.name;
                match param.location {
                    ParamLocation::Path => None,
                    ParamLocation::Query => {
                        let style = style(param);
                        Some(quote!(.query(#name, #value, ::arazzo_runtime::QueryStyle::#style)))
                    }
                    ParamLocation::Header => Some(quote!(.header(#name, #value))),
                    ParamLocation::Cookie => Some(quote!(.cookie(#name, #value))),
                }
            };
            if may_be_absent {
                if let Some(call) = call(quote!(#value_var)) {
                    optional.push(quote! {
                        let #request_var = match &#var {
                            ::std::option::Option::Some(#value_var) => #request_var #call,
                            ::std::option::Option::None => #request_var,
                        };
                    });
                }
            } else if let Some(call) = call(quote!(&#var)) {
                chained.push(call);
            }
        }
        if let Some(query_string) = &request.query_string {
            let (value, call) = self.query_string(query_string);
            values.push(value);
            chained.push(call);
        }
        // `/users/{id}` becomes `format!("/users/{}", path_param(STEP, "id", &param_path_id)?)`:
        // a dot-segment fails the step.
        let mut format = String::new();
        let mut args = Vec::new();
        for part in &request.path_parts {
            match part {
                PathPart::Text(text) => {
                    format.push_str(&text.replace('{', "{{").replace('}', "}}"))
                }
                PathPart::Param(var) => {
                    format.push_str("{}");
                    let name = request
                        .parameters
                        .iter()
                        .find(|p| &p.var == var)
                        .map_or(var.as_str(), |p| p.name.as_str());
                    let var = self.local(var);
                    args.push(quote!(::arazzo_runtime::path_param(STEP, #name, &#var)?));
                }
            }
        }
        let path = if args.is_empty() {
            let path = &request.path;
            quote!(#path)
        } else {
            let path = self.local("path");
            values.push(quote!(let #path = ::std::format!(#format, #(#args),*);));
            quote!(&#path)
        };
        (values, path, chained, optional)
    }
}
