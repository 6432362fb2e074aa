//! Values as Rust expressions: where each place is read, as its type, as JSON, or as text in a
//! template; and JSON templates built from the document's payloads.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::quote;

use super::{Cx, ident};
use crate::condition::Literal;
use crate::plan::{Embedding, Place, SelectedPlan, TemplatePart, Type, ValuePlan, ValueRef};

/// True for types that are `Copy`, which are read without `.clone()`.
pub(super) fn is_copy(ty: &Type) -> bool {
    match ty {
        Type::Bool | Type::I32 | Type::I64 | Type::U16 | Type::F64 | Type::Enum(_) => true,
        Type::Option(inner) => is_copy(inner),
        _ => false,
    }
}

/// True for types whose `Display` is their text in a template.
pub(super) fn displays_plainly(ty: &Type) -> bool {
    matches!(
        ty,
        Type::String | Type::Bool | Type::I32 | Type::I64 | Type::U16 | Type::F64 | Type::Enum(_)
    )
}

pub(super) fn literal_json(literal: &Literal) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match literal {
        Literal::Null => quote!(#json::Value::Null),
        Literal::Bool(b) => quote!(#json::Value::Bool(#b)),
        Literal::Str(s) => quote!(#json::Value::from(#s)),
        Literal::Number(n) => number_json(n),
    }
}

pub(super) fn number_json(n: &str) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match n.parse::<i64>() {
        Ok(i) => {
            let lit = Lit::i64_suffixed(i);
            quote!(#json::Value::from(#lit))
        }
        Err(_) => match (n.parse::<u64>(), n.parse::<f64>()) {
            (Ok(u), _) => {
                let lit = Lit::u64_suffixed(u);
                quote!(#json::Value::from(#lit))
            }
            (_, Ok(f)) if f.is_finite() => {
                let lit = Lit::f64_suffixed(f);
                quote!(#json::Value::from(#lit))
            }
            // The resolver rejects numbers JSON cannot hold; nothing else reaches here.
            _ => quote!(#json::Value::Null),
        },
    }
}

/// An XPath expression of a criterion or selector, through the runtime's `xpath!` (which, when
/// its `xpath` feature is off, stops the build with a message saying how to turn it on).
pub(super) fn xpath(expression: &str, version: &str) -> TokenStream {
    let version = ident(match version {
        "xpath-10" => "V10",
        "xpath-20" => "V20",
        "xpath-30" => "V30",
        _ => "V31",
    });
    quote!(::arazzo_runtime::xpath!(#expression, #version))
}

impl Cx<'_> {
    /// The XML text an `xpath` criterion or selector reads, as a `&str`: `$response.body` as
    /// received, or a string value.
    pub(super) fn xml_text(&self, context: &ValueRef, expression: &str) -> TokenStream {
        if context.place == Place::ResponseBody(String::new()) {
            let response = self.local("response");
            quote!(&::arazzo_runtime::selector::body_text(&#response))
        } else if context.ty == Type::String
            && matches!(
                context.place,
                Place::Input { pointer: None, .. } | Place::StepOutput { pointer: None, .. }
            )
        {
            // A string held in a variable: borrowed as it is.
            let value = self.value(&context.place, &quote!(STEP));
            quote!(&#value)
        } else {
            let json = self.json_of(context);
            quote!(::arazzo_runtime::selector::xml_text(STEP, #expression, &#json)?)
        }
    }

    /// A selector applied to its context at run time: a JSONPath query's one node as JSON, or
    /// an XPath expression's one item as its string value.
    fn selected(&self, selected: &SelectedPlan, step: &TokenStream) -> TokenStream {
        let query = &selected.selector;
        if let Some(version) = selected.xpath {
            let xpath = xpath(query, version);
            let text = self.xml_text(&selected.context, query);
            return quote!(#xpath.select(#step, #text)?);
        }
        let selector = quote!({
            static SELECTOR: ::std::sync::LazyLock<::arazzo_runtime::selector::JsonPathSelector> =
                ::std::sync::LazyLock::new(|| ::arazzo_runtime::selector::JsonPathSelector::new(#query));
            &*SELECTOR
        });
        if selected.context.place == Place::ResponseBody(String::new()) {
            let response = self.local("response");
            quote!(#selector.select_in(#step, &#response)?)
        } else {
            let json = self.json_of(&selected.context);
            quote!(#selector.select(#step, &#json)?)
        }
    }

    /// The value a place holds, as a Rust expression of its type. `step` names the step in errors.
    pub(super) fn value(&self, place: &Place, step: &TokenStream) -> TokenStream {
        let (inputs, response, client) = (
            self.local("inputs"),
            self.local("response"),
            self.local("client"),
        );
        let (body, called) = (self.local("body"), self.local("called"));
        match place {
            Place::Input { field, pointer } => {
                let field = ident(field);
                match pointer {
                    None => quote!(#inputs.#field),
                    Some(pointer) => {
                        quote!(::arazzo_runtime::pointer(#step, &#inputs.#field, #pointer)?)
                    }
                }
            }
            Place::StepOutput {
                step: var,
                field,
                pointer,
            } => {
                let (var, field) = (ident(var), ident(field));
                match pointer {
                    None => quote!(#var.#field),
                    Some(pointer) => {
                        quote!(::arazzo_runtime::pointer(#step, &#var.#field, #pointer)?)
                    }
                }
            }
            Place::StatusCode => quote!(#response.status()),
            Place::ResponseBody(pointer) => quote!(#response.body_at(#pointer).cloned()),
            Place::ResponseHeader(name) => quote!(#response.header(#name)),
            Place::RequestBody(pointer) => quote!(#body.pointer(#pointer).cloned()),
            Place::Url => quote!(#response.url().to_owned()),
            Place::SourceUrl(field) => {
                let field = ident(field);
                quote!(#client.#field.clone())
            }
            Place::Const(text) => quote!(#text.to_owned()),
            Place::RequestParam { var, .. } => {
                let var = self.local(var);
                quote!(#var.clone())
            }
            Place::Called { field, pointer } => {
                let field = ident(field);
                match pointer {
                    None => quote!(#called.#field),
                    Some(pointer) => {
                        quote!(::arazzo_runtime::pointer(#step, &#called.#field, #pointer)?)
                    }
                }
            }
            Place::Dependency {
                var,
                field,
                pointer,
            } => {
                let (var, field) = (ident(var), ident(field));
                match pointer {
                    None => quote!(#var.#field),
                    Some(pointer) => {
                        quote!(::arazzo_runtime::pointer(#step, &#var.#field, #pointer)?)
                    }
                }
            }
            Place::Selected(selected) => self.selected(selected, step),
        }
    }

    /// The value as a `serde_json::Value`, inside a step (absent values are `null`).
    pub(super) fn json_of(&self, r: &ValueRef) -> TokenStream {
        let json = quote!(::arazzo_runtime::serde_json);
        let (response, body, client) = (
            self.local("response"),
            self.local("body"),
            self.local("client"),
        );
        match &r.place {
            Place::Input {
                pointer: Some(_), ..
            }
            | Place::StepOutput {
                pointer: Some(_), ..
            }
            | Place::Called {
                pointer: Some(_), ..
            }
            | Place::Dependency {
                pointer: Some(_), ..
            } => {
                let value = self.value(&r.place, &quote!(STEP));
                quote!(#value.unwrap_or_default())
            }
            Place::Input { .. } | Place::StepOutput { .. } => {
                let value = self.value(&r.place, &quote!(STEP));
                quote!(::arazzo_runtime::to_json(STEP, &#value)?)
            }
            Place::StatusCode => quote!(#json::Value::from(#response.status())),
            Place::ResponseBody(pointer) => {
                quote!(#response.body_at(#pointer).cloned().unwrap_or_default())
            }
            Place::ResponseHeader(name) => quote!(#json::Value::from(#response.header(#name))),
            Place::RequestBody(pointer) => {
                quote!(#body.pointer(#pointer).cloned().unwrap_or_default())
            }
            Place::Url => quote!(#json::Value::from(#response.url())),
            Place::SourceUrl(field) => {
                let field = ident(field);
                quote!(#json::Value::from(#client.#field.as_str()))
            }
            Place::Const(text) => quote!(#json::Value::from(#text)),
            Place::RequestParam { var, optional } => {
                let var = self.local(var);
                if *optional {
                    quote!(#var.clone().unwrap_or_default())
                } else {
                    quote!(#var.clone())
                }
            }
            Place::Called { pointer: None, .. } | Place::Dependency { pointer: None, .. } => {
                let value = self.value(&r.place, &quote!(STEP));
                quote!(::arazzo_runtime::to_json(STEP, &#value)?)
            }
            Place::Selected(selected) => {
                let value = self.selected(selected, &quote!(STEP));
                match selected.xpath {
                    Some(_) => quote!(#json::Value::from(#value)),
                    None => value,
                }
            }
        }
    }

    /// An optional value where the request cannot leave it out: the value, or an
    /// `Error::AbsentValue` naming the expression. Borrowed where the value lives in a variable.
    pub(super) fn present(&self, r: &ValueRef) -> TokenStream {
        let expression = &r.expression;
        let (response, body) = (self.local("response"), self.local("body"));
        let option = match &r.place {
            Place::Input { pointer: None, .. } | Place::StepOutput { pointer: None, .. } => {
                let value = self.value(&r.place, &quote!(STEP));
                quote!(#value.as_ref())
            }
            Place::ResponseBody(pointer) => quote!(#response.body_at(#pointer)),
            Place::RequestBody(pointer) => quote!(#body.pointer(#pointer)),
            place => self.value(place, &quote!(STEP)),
        };
        quote!(::arazzo_runtime::present(STEP, #expression, #option)?)
    }

    /// The value as JSON where the request needs it (in an array, or as the whole body).
    pub(super) fn json_required(&self, r: &ValueRef) -> TokenStream {
        match &r.ty {
            Type::Option(_) => {
                let value = self.present(r);
                quote!(::arazzo_runtime::to_json(STEP, &#value)?)
            }
            _ => self.json_of(r),
        }
    }

    /// The runtime function that gives an embedded value's text, by the document's version.
    fn text_fn(&self) -> proc_macro2::Ident {
        match self.embedding {
            Embedding::NullAsNothing => ident("text"),
            Embedding::NullAsText => ident("embedded"),
        }
    }

    /// A template's argument for a value: its text (a string as it is, anything else as JSON). An
    /// absent optional value is an error, never an empty string.
    pub(super) fn template_arg(&self, r: &ValueRef) -> TokenStream {
        if let Type::Option(inner) = &r.ty {
            let value = self.present(r);
            return match &**inner {
                inner if displays_plainly(inner) => value,
                Type::Json => {
                    let text = self.text_fn();
                    quote!(::arazzo_runtime::#text(&#value))
                }
                _ => {
                    let text = self.text_fn();
                    quote!(::arazzo_runtime::#text(&::arazzo_runtime::to_json(STEP, &#value)?))
                }
            };
        }
        let (response, client) = (self.local("response"), self.local("client"));
        match &r.place {
            Place::SourceUrl(field) => {
                let field = ident(field);
                quote!(#client.#field.as_str())
            }
            Place::Url => quote!(#response.url()),
            Place::StatusCode => quote!(#response.status()),
            place if displays_plainly(&r.ty) => self.value(place, &quote!(STEP)),
            _ => {
                let json = self.json_of(r);
                let text = self.text_fn();
                quote!(::arazzo_runtime::#text(&#json))
            }
        }
    }

    /// Tokens that build a `serde_json::Value`, inside a step (where `STEP` is defined).
    pub(super) fn json_value(&self, plan: &ValuePlan) -> TokenStream {
        let json = quote!(::arazzo_runtime::serde_json);
        match plan {
            ValuePlan::Null => quote!(#json::Value::Null),
            ValuePlan::Bool(b) => quote!(#json::Value::Bool(#b)),
            ValuePlan::Number(n) => number_json(n),
            ValuePlan::Str(s) => quote!(#json::Value::from(#s)),
            ValuePlan::Array(items) => {
                let items = items.iter().map(|item| self.json_value(item));
                quote!(#json::Value::Array(::std::vec::Vec::from([#(#items),*])))
            }
            ValuePlan::Object(entries) if entries.is_empty() => {
                quote!(#json::Value::Object(#json::Map::new()))
            }
            ValuePlan::Object(entries) => {
                let (object, value) = (self.local("object"), self.local("value"));
                let inserts = entries.iter().map(|(key, entry)| match entry {
                    ValuePlan::Ref(r) if r.ty.is_option() => {
                        let access = self.value(&r.place, &quote!(STEP));
                        quote! {
                            if let ::std::option::Option::Some(#value) = &#access {
                                #object.insert(#key.to_owned(), ::arazzo_runtime::to_json(STEP, #value)?);
                            }
                        }
                    }
                    other => {
                        let entry = self.json_value(other);
                        quote!(#object.insert(#key.to_owned(), #entry);)
                    }
                });
                quote! {
                    #json::Value::Object({
                        let mut #object = #json::Map::new();
                        #(#inserts)*
                        #object
                    })
                }
            }
            ValuePlan::Ref(r) => self.json_required(r),
            ValuePlan::Template(parts) => {
                let text = self.template(parts);
                quote!(#json::Value::String(#text))
            }
        }
    }

    /// A `String` expression for a template: its text with each value's text in place.
    pub(super) fn template(&self, parts: &[TemplatePart]) -> TokenStream {
        self.escaped_template(parts, None)
    }

    /// Like [`template`], with each value's text escaped by the runtime function named (for a JSON
    /// or form text template, so that no value can break the body's syntax).
    pub(super) fn escaped_template(
        &self,
        parts: &[TemplatePart],
        escape_value: Option<&str>,
    ) -> TokenStream {
        let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
        let mut positional = String::new();
        let mut named = String::new();
        let mut args = Vec::new();
        for part in parts {
            match part {
                // Literal text, and values known now, are written into the format string itself.
                TemplatePart::Text(text)
                | TemplatePart::Value(ValueRef {
                    place: Place::Const(text),
                    ..
                }) => {
                    positional.push_str(&escape(text));
                    named.push_str(&escape(text));
                }
                TemplatePart::Value(r) => {
                    positional.push_str("{}");
                    named.push_str(&format!(
                        "{{{}}}",
                        self.local(&format!("part_{}", args.len()))
                    ));
                    args.push(match escape_value {
                        Some(function) => {
                            let function = match (function, self.embedding) {
                                ("form_part", Embedding::NullAsText) => ident("form_embedded"),
                                _ => ident(function),
                            };
                            let json = self.json_required(r);
                            quote!(::arazzo_runtime::#function(&#json))
                        }
                        None => self.template_arg(r),
                    });
                }
            }
        }
        if args.is_empty() {
            return quote!(#positional.to_owned());
        }
        if positional == "{}" {
            let arg = &args[0];
            return quote!(::std::string::ToString::to_string(&#arg));
        }
        // Field accesses read well inside `format!`; anything longer gets a name first, so that it
        // is laid out as code rather than as macro input.
        if args.iter().all(|arg| !arg.to_string().contains('(')) {
            return quote!(::std::format!(#positional, #(#args),*));
        }
        let names = (0..args.len()).map(|i| self.local(&format!("part_{i}")));
        quote!({
            #(let #names = &#args;)*
            ::std::format!(#named)
        })
    }

    /// A parameter's JSON value where it may be absent: `Option<serde_json::Value>`.
    pub(super) fn optional_json(&self, r: &ValueRef) -> TokenStream {
        let value = self.value(&r.place, &quote!(STEP));
        match &r.place {
            Place::Input { pointer: None, .. } | Place::StepOutput { pointer: None, .. } => {
                let item = self.local("value");
                quote!(#value.as_ref().map(|#item| ::arazzo_runtime::to_json(STEP, #item)).transpose()?)
            }
            // Pointer lookups, header reads and the like are already `Option<Value>`.
            _ => value,
        }
    }
}
