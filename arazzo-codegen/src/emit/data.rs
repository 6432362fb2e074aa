//! Data types: Rust types of fields, the derives every data struct shares, and the structs
//! and enums made from JSON Schemas.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::schema_doc;
use super::ident;
use super::paths::At;
use crate::naming;
use crate::plan::{FieldPlan, TYPES_MODULE, Type, TypeDef, TypeDefKind};

pub(super) fn ty(t: &Type, at: At<'_>) -> TokenStream {
    match t {
        Type::String => quote!(::std::string::String),
        Type::Bool => quote!(bool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::U16 => quote!(u16),
        Type::F64 => quote!(f64),
        Type::Json => quote!(::arazzo_runtime::serde_json::Value),
        Type::Vec(inner) => {
            let inner = ty(inner, at);
            quote!(::std::vec::Vec<#inner>)
        }
        Type::Option(inner) => {
            let inner = ty(inner, at);
            quote!(::std::option::Option<#inner>)
        }
        Type::Boxed(inner) => {
            let inner = ty(inner, at);
            quote!(::std::boxed::Box<#inner>)
        }
        Type::Named(path) | Type::Enum(path) => at.path(path),
    }
}

/// The derives and serde settings shared by every generated data struct; `Debug` is derived
/// unless the struct writes its own; `more` are more derives.
fn data_attrs(derive_debug: bool, more: &TokenStream) -> TokenStream {
    let debug = derive_debug.then(|| quote!(::std::fmt::Debug,));
    quote! {
        #[derive(
            ::std::clone::Clone,
            #debug
            #more
            ::std::cmp::PartialEq,
            ::arazzo_runtime::serde::Serialize,
            ::arazzo_runtime::serde::Deserialize,
        )]
        #[serde(crate = "::arazzo_runtime::serde")]
    }
}

/// A data struct. When a field's name says it holds a credential (`session_token`, `api_key`;
/// see [`naming::is_sensitive`]), its `Debug` shows `[redacted]` in that field's place.
pub(super) fn data_struct(
    name: &str,
    docs: TokenStream,
    fields: &[&FieldPlan],
    at: At<'_>,
) -> TokenStream {
    data_struct_with(name, docs, fields, at, &quote!())
}

/// [`data_struct`], with more derives (`::std::default::Default`, …).
pub(super) fn data_struct_with(
    name: &str,
    docs: TokenStream,
    fields: &[&FieldPlan],
    at: At<'_>,
    derives: &TokenStream,
) -> TokenStream {
    let type_name = name;
    let name = ident(name);
    let redact = fields.iter().any(|f| naming::is_sensitive(&f.name));
    let attrs = data_attrs(!redact, derives);
    let debug = redact.then(|| {
        let entries = fields.iter().map(|field| {
            let shown = &field.ident;
            let field_ident = ident(&field.ident);
            if naming::is_sensitive(&field.name) {
                quote!(.field(#shown, &::arazzo_runtime::Redacted))
            } else {
                quote!(.field(#shown, &self.#field_ident))
            }
        });
        quote! {
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#type_name)
                        #(#entries)*
                        .finish()
                }
            }
        }
    });
    let fields = fields.iter().map(|field| {
        let docs = schema_doc(field.doc.as_deref());
        let field_ident = ident(&field.ident);
        let field_ty = ty(&field.ty, at);
        let rename = (field.ident != field.name).then(|| {
            let original = &field.name;
            quote!(#[serde(rename = #original)])
        });
        let skip = field.ty.is_option().then(
            || quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
        );
        quote! {
            #docs
            #rename
            #skip
            pub #field_ident: #field_ty,
        }
    });
    quote! {
        #docs
        #attrs
                pub struct #name {
            #(#fields)*
        }
        #debug
    }
}

/// A struct or an enum generated from a JSON Schema.
pub(super) fn type_def(def: &TypeDef) -> TokenStream {
    let docs = schema_doc(Some(&def.doc));
    match &def.kind {
        TypeDefKind::Struct(fields) => {
            let fields: Vec<&FieldPlan> = fields.iter().collect();
            data_struct(&def.name, docs, &fields, At::module(TYPES_MODULE))
        }
        TypeDefKind::Enum(variants) => {
            let name = ident(&def.name);
            let idents: Vec<Ident> = variants.iter().map(|(variant, _)| ident(variant)).collect();
            let values: Vec<&String> = variants.iter().map(|(_, value)| value).collect();
            let value_docs = values.iter().map(|value| format!(" `{value}`"));
            let renames = variants.iter().map(|(variant, value)| {
                (variant != value).then(|| quote!(#[serde(rename = #value)]))
            });
            quote! {
                #docs
                #[derive(
                    ::std::clone::Clone,
                    ::std::marker::Copy,
                    ::std::fmt::Debug,
                    ::std::cmp::PartialEq,
                    ::std::cmp::Eq,
                    ::std::hash::Hash,
                    ::arazzo_runtime::serde::Serialize,
                    ::arazzo_runtime::serde::Deserialize,
                )]
                #[serde(crate = "::arazzo_runtime::serde")]
                pub enum #name {
                    #(
                        #[doc = #value_docs]
                        #renames
                        #idents,
                    )*
                }

                impl #name {
                    /// The value as the document writes it.
                    pub fn as_str(&self) -> &'static str {
                        match self {
                            #(Self::#idents => #values,)*
                        }
                    }
                }

                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
            }
        }
    }
}
