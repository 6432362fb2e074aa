//! Emit: turns a [`Plan`] into Rust tokens. Every path is fully qualified, so the code compiles
//! wherever it is expanded; everything the code needs at run time comes from `arazzo_runtime`.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal as Lit, Span, TokenStream};
use quote::quote;

use crate::condition::{Literal, Op};
use crate::plan::{
    BodyPlan, CondPlan, FieldPlan, OperandPlan, OutputSource, Place, Plan, SchemeKind, StepPlan,
    TemplatePart, Type, ValuePlan, ValueRef, WorkflowPlan,
};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Doc attributes for a text: one `#[doc]` per line, paragraphs wrapped at 90 columns.
fn doc(text: &str) -> TokenStream {
    let mut lines = Vec::new();
    for (i, paragraph) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 90 {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    doc_lines(&lines)
}

fn doc_lines(lines: &[String]) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect()
}

fn opt_doc(text: Option<&str>) -> TokenStream {
    text.map(doc).unwrap_or_default()
}

fn ty(t: &Type) -> TokenStream {
    match t {
        Type::String => quote!(::std::string::String),
        Type::Bool => quote!(bool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::U16 => quote!(u16),
        Type::F64 => quote!(f64),
        Type::Json => quote!(::arazzo_runtime::serde_json::Value),
        Type::Vec(inner) => {
            let inner = ty(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        Type::Option(inner) => {
            let inner = ty(inner);
            quote!(::std::option::Option<#inner>)
        }
    }
}

/// The derives and serde settings shared by every generated data struct.
fn data_attrs() -> TokenStream {
    quote! {
        #[derive(
            ::std::clone::Clone,
            ::std::fmt::Debug,
            ::std::cmp::PartialEq,
            ::arazzo_runtime::serde::Serialize,
            ::arazzo_runtime::serde::Deserialize,
        )]
        #[serde(crate = "::arazzo_runtime::serde")]
    }
}

fn data_struct(name: &str, docs: TokenStream, fields: &[&FieldPlan]) -> TokenStream {
    let name = ident(name);
    let attrs = data_attrs();
    let fields = fields.iter().map(|field| {
        let docs = opt_doc(field.doc.as_deref());
        let field_ident = ident(&field.ident);
        let field_ty = ty(&field.ty);
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
    }
}

/// Emits the whole module for a plan.
pub fn emit(plan: &Plan) -> TokenStream {
    let client = client(plan);
    let workflows = plan.workflows.iter().map(|w| workflow(plan, w));
    quote! {
        #client
        #(#workflows)*
    }
}

fn client(plan: &Plan) -> TokenStream {
    let mut intro = vec![format!(
        "Sends the requests of the workflows in *{}*.",
        plan.title
    )];
    if let Some(summary) = &plan.summary {
        intro.push(String::new());
        intro.push(summary.clone());
    }
    intro.push(String::new());
    intro.push(
        "Create it with [`Client::new`] (each source's first server, no credentials) or \
         [`Client::builder`]. Cloning is cheap: clones share one connection pool."
            .to_owned(),
    );
    let client_doc = doc(&intro.join("\n\n").replace("\n\n\n\n", "\n\n"));

    let source_fields: Vec<Ident> = plan.sources.iter().map(|s| ident(&s.field)).collect();
    let scheme_fields: Vec<Ident> = plan.schemes.iter().map(|s| ident(&s.field)).collect();
    let scheme_types: Vec<TokenStream> = plan
        .schemes
        .iter()
        .map(|s| match s.kind {
            SchemeKind::Basic => quote!(::arazzo_runtime::BasicAuth),
        })
        .collect();
    let source_defaults = plan.sources.iter().map(|s| match s.servers.first() {
        Some(url) => quote!(unwrap_or_else(|| #url.to_owned())),
        None => quote!(unwrap_or_default()),
    });
    let source_names: Vec<String> = plan.sources.iter().map(|s| s.field.clone()).collect();
    let scheme_names: Vec<String> = plan.schemes.iter().map(|s| s.field.clone()).collect();

    let source_setters = plan.sources.iter().map(|s| {
        let setter = ident(&s.field);
        let mut text = format!("Sets the base URL of the source `{}`.", s.name);
        match s.servers.as_slice() {
            [] => text.push_str(
                "\n\nThe description names no absolute server URL: set this before running a workflow.",
            ),
            [first, rest @ ..] => {
                text.push_str(&format!("\n\nDefault: `{first}`."));
                if !rest.is_empty() {
                    let others: Vec<String> = rest.iter().map(|u| format!("`{u}`")).collect();
                    text.push_str(&format!(" Other servers in the description: {}.", others.join(", ")));
                }
            }
        }
        let docs = doc(&text);
        quote! {
            #docs
            #[must_use]
            pub fn #setter(mut self, base_url: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#setter = ::std::option::Option::Some(base_url.into());
                self
            }
        }
    });
    let scheme_setters = plan.schemes.iter().map(|s| {
        let setter = ident(&s.field);
        match s.kind {
            SchemeKind::Basic => {
                let mut text = format!("Sets the credentials of the HTTP basic security scheme `{}`.", s.name);
                if let Some(description) = &s.description {
                    text.push_str("\n\n");
                    text.push_str(description);
                }
                if s.implied {
                    text.push_str(
                        "\n\nThe description defines this scheme but applies no security to its \
                         operations; as the only scheme it defines, it is sent with every request \
                         of its source once set.",
                    );
                }
                let docs = doc(&text);
                quote! {
                    #docs
                    #[must_use]
                    pub fn #setter(
                        mut self,
                        username: impl ::std::convert::Into<::std::string::String>,
                        password: impl ::std::convert::Into<::std::string::String>,
                    ) -> Self {
                        self.#setter = ::std::option::Option::Some(::arazzo_runtime::BasicAuth::new(username, password));
                        self
                    }
                }
            }
        }
    });

    quote! {
        #client_doc
        #[derive(::std::clone::Clone)]
        pub struct Client {
            http: ::arazzo_runtime::HttpClient,
            #(#source_fields: ::std::string::String,)*
            #(#scheme_fields: ::std::option::Option<#scheme_types>,)*
        }

        impl Client {
            /// A client that uses each source's first server and sends no credentials.
            pub fn new() -> Self {
                Self::builder().build()
            }

            /// A builder for base URLs, credentials and the HTTP client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::default()
            }
        }

        impl ::std::default::Default for Client {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Client")
                    #(.field(#source_names, &self.#source_fields))*
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        /// Builds a [`Client`]. Credentials set here never show in `Debug` output.
        #[derive(::std::default::Default)]
        pub struct ClientBuilder {
            #(#source_fields: ::std::option::Option<::std::string::String>,)*
            #(#scheme_fields: ::std::option::Option<#scheme_types>,)*
            reqwest_client: ::std::option::Option<::arazzo_runtime::reqwest::Client>,
        }

        impl ::std::fmt::Debug for ClientBuilder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("ClientBuilder")
                    #(.field(#source_names, &self.#source_fields))*
                    #(.field(#scheme_names, &self.#scheme_fields))*
                    .finish_non_exhaustive()
            }
        }

        impl ClientBuilder {
            #(#source_setters)*
            #(#scheme_setters)*

            /// Sends requests with this `reqwest::Client` (its timeouts, proxies and TLS
            /// settings) instead of a default one.
            #[must_use]
            pub fn reqwest_client(mut self, client: ::arazzo_runtime::reqwest::Client) -> Self {
                self.reqwest_client = ::std::option::Option::Some(client);
                self
            }

            /// The client.
            pub fn build(self) -> Client {
                Client {
                    http: match self.reqwest_client {
                        ::std::option::Option::Some(client) => ::arazzo_runtime::HttpClient::from_reqwest(client),
                        ::std::option::Option::None => ::arazzo_runtime::HttpClient::new(),
                    },
                    #(#source_fields: self.#source_fields.#source_defaults,)*
                    #(#scheme_fields: self.#scheme_fields,)*
                }
            }
        }
    }
}

fn workflow(plan: &Plan, w: &WorkflowPlan) -> TokenStream {
    let inputs_doc = doc(&format!(
        "Inputs of the workflow [`{}`] (`{}`).",
        w.fn_name, w.id
    ));
    let inputs: Vec<&FieldPlan> = w.inputs.iter().collect();
    let inputs_struct = data_struct(&w.inputs_type, inputs_doc, &inputs);
    let outputs_doc = doc(&format!(
        "Outputs of the workflow [`{}`] (`{}`).",
        w.fn_name, w.id
    ));
    let outputs: Vec<&FieldPlan> = w.outputs.iter().map(|(f, _)| f).collect();
    let outputs_struct = data_struct(&w.outputs_type, outputs_doc, &outputs);
    let step_structs = w.steps.iter().map(|step| {
        let docs = doc(&format!(
            "Outputs of the step `{}` of the workflow [`{}`].",
            step.id, w.fn_name
        ));
        let fields: Vec<&FieldPlan> = step.outputs.iter().map(|o| &o.field).collect();
        data_struct(&step.outputs_type, docs, &fields)
    });

    // Which step variables are read later decides whether they need a name at all; how often a
    // value is read decides whether it is moved or cloned.
    let mut reads: BTreeMap<Place, usize> = BTreeMap::new();
    let mut note = |v: &ValueRef| *reads.entry(v.place.clone()).or_default() += 1;
    for step in &w.steps {
        if let Some(BodyPlan::Json(body)) = &step.body {
            visit_refs(body, &mut note);
        }
    }
    for (_, value) in &w.outputs {
        note(value);
    }
    let step_is_read = |var: &str| {
        reads
            .keys()
            .any(|p| matches!(p, Place::StepOutput { step, .. } if step == var))
    };
    let inputs_read = reads.keys().any(|p| matches!(p, Place::Input(_)));

    let steps = w.steps.iter().map(|step| {
        let var = if step_is_read(&step.var) {
            ident(&step.var)
        } else {
            ident(&format!("_{}", step.var))
        };
        let body = step_body(plan, step);
        quote! {
            let #var = #body;
        }
    });

    let mut remaining = reads.clone();
    let output_fields = w.outputs.iter().map(|(field, value)| {
        let name = ident(&field.ident);
        let count = remaining.entry(value.place.clone()).or_default();
        *count = count.saturating_sub(1);
        let access = place(&value.place);
        if *count > 0 {
            quote!(#name: #access.clone())
        } else {
            quote!(#name: #access)
        }
    });

    let mut text = w
        .summary
        .clone()
        .unwrap_or_else(|| format!("Runs the workflow `{}`.", w.id));
    if let Some(description) = &w.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    text.push_str(&format!(
        "\n\nArazzo workflow `{}`; its steps, in order:",
        w.id
    ));
    let mut fn_doc = doc(&text);
    let mut step_lines = vec![String::new()];
    for (i, step) in w.steps.iter().enumerate() {
        let operation = step
            .operation_id
            .as_ref()
            .map(|id| format!(" (`{id}`)"))
            .unwrap_or_default();
        let mut line = format!(
            "{}. `{}`: `{} {}`{operation}",
            i + 1,
            step.id,
            step.method,
            step.path
        );
        if let Some(d) = step
            .description
            .as_ref()
            .or(step.operation_summary.as_ref())
        {
            line.push_str(". ");
            line.push_str(d.trim());
        }
        step_lines.extend(wrap_item(&line, i + 1));
    }
    step_lines.push(String::new());
    step_lines.push("# Errors".to_owned());
    step_lines.push(String::new());
    step_lines.extend(wrap_item(
        "An [`arazzo_runtime::Error`] that names the failing step: `Step` when a response does \
             not meet the step's success criteria (with the HTTP status and the response body), \
             `Transport` when a request cannot be sent or its response read, `MissingValue` or \
             `WrongType` when a value the workflow reads is absent or of the wrong type, and \
             `MissingCredentials` when an operation requires credentials the client lacks.",
        0,
    ));
    fn_doc.extend(doc_lines(&step_lines));

    let fn_name = ident(&w.fn_name);
    let inputs_type = ident(&w.inputs_type);
    let outputs_type = ident(&w.outputs_type);
    let unused_inputs = (!inputs_read).then(|| quote!(let _ = inputs;));

    quote! {
        #inputs_struct
        #outputs_struct
        #(#step_structs)*

        #fn_doc
        pub async fn #fn_name(
            client: &Client,
            inputs: #inputs_type,
        ) -> ::std::result::Result<#outputs_type, ::arazzo_runtime::Error> {
            #unused_inputs
            #(#steps)*
            ::std::result::Result::Ok(#outputs_type {
                #(#output_fields,)*
            })
        }
    }
}

/// Wraps a list item (`N. text`, or plain text with `number` 0) at 90 columns, continuation
/// lines indented under the text.
fn wrap_item(text: &str, number: usize) -> Vec<String> {
    let indent = if number == 0 {
        0
    } else {
        number.to_string().len() + 2
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() + 1 > 90 {
            lines.push(std::mem::take(&mut line));
            line.push_str(&" ".repeat(indent));
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

fn visit_refs(value: &ValuePlan, f: &mut impl FnMut(&ValueRef)) {
    match value {
        ValuePlan::Ref(r) => f(r),
        ValuePlan::Template(parts) => {
            for part in parts {
                if let TemplatePart::Value(r) = part {
                    f(r);
                }
            }
        }
        ValuePlan::Array(items) => items.iter().for_each(|i| visit_refs(i, f)),
        ValuePlan::Object(entries) => entries.iter().for_each(|(_, v)| visit_refs(v, f)),
        ValuePlan::Null | ValuePlan::Bool(_) | ValuePlan::Number(_) | ValuePlan::Str(_) => {}
    }
}

fn place(p: &Place) -> TokenStream {
    match p {
        Place::Input(field) => {
            let field = ident(field);
            quote!(inputs.#field)
        }
        Place::StepOutput { step, field } => {
            let step = ident(step);
            let field = ident(field);
            quote!(#step.#field)
        }
    }
}

fn step_body(plan: &Plan, step: &StepPlan) -> TokenStream {
    let step_id = &step.id;
    let source = &plan.sources[step.source];
    let base = ident(&source.field);
    let method = ident(&step.method);
    let path = &step.path;
    let auth = step.auth.as_ref().map(|auth| {
        let scheme = &plan.schemes[auth.scheme];
        let field = ident(&scheme.field);
        match (scheme.kind, auth.required) {
            (SchemeKind::Basic, true) => {
                let name = &scheme.name;
                let setter = &scheme.field;
                quote!(.require_basic_auth(client.#field.as_ref(), #name, #setter))
            }
            (SchemeKind::Basic, false) => quote!(.basic_auth(client.#field.as_ref())),
        }
    });
    let (body, send_body) = match &step.body {
        Some(BodyPlan::Json(value)) => {
            let value = json_value(value);
            (Some(quote!(let body = #value;)), Some(quote!(.json(&body))))
        }
        None => (None, None),
    };
    let check = match step.success.as_slice() {
        [] => quote! {
            if !(200..300).contains(&response.status()) {
                return ::std::result::Result::Err(response.into_failure());
            }
        },
        [CondPlan::Compare(l, op, r)] => {
            let failed = condition(&CondPlan::Compare(l.clone(), op.negate(), r.clone()));
            quote! {
                if #failed {
                    return ::std::result::Result::Err(response.into_failure());
                }
            }
        }
        conditions => {
            let conditions = conditions.iter().map(condition);
            quote! {
                let success = #(#conditions)&&*;
                if !success {
                    return ::std::result::Result::Err(response.into_failure());
                }
            }
        }
    };
    let outputs_type = ident(&step.outputs_type);
    let outputs = step.outputs.iter().map(|output| {
        let name = ident(&output.field.ident);
        let value = match &output.source {
            OutputSource::StatusCode => quote!(response.status()),
            OutputSource::Body(pointer) if output.field.ty.is_option() => {
                quote!(response.body_value_opt(#pointer)?)
            }
            OutputSource::Body(pointer) => quote!(response.body_value(#pointer)?),
            OutputSource::Header(name) => quote!(response.header_value(#name)?),
        };
        quote!(#name: #value)
    });
    let build = if step.outputs.is_empty() {
        quote!(#outputs_type {})
    } else {
        quote!(#outputs_type { #(#outputs,)* })
    };
    quote! {{
        const STEP: &str = #step_id;
        #body
        let response = client
            .http
            .request(STEP, ::arazzo_runtime::Method::#method, &client.#base, #path)
            #auth
            #send_body
            .send()
            .await?;
        #check
        #build
    }}
}

fn condition(c: &CondPlan) -> TokenStream {
    match c {
        CondPlan::Or(a, b) => {
            let (a, b) = (condition(a), condition(b));
            quote!((#a || #b))
        }
        CondPlan::And(a, b) => {
            let (a, b) = (condition(a), condition(b));
            quote!((#a && #b))
        }
        CondPlan::Not(a) => {
            let a = condition(a);
            quote!(!(#a))
        }
        CondPlan::Compare(l, op, r) => {
            let (l, r) = (operand(l), operand(r));
            let op = match op {
                Op::Eq => quote!(==),
                Op::Ne => quote!(!=),
                Op::Lt => quote!(<),
                Op::Le => quote!(<=),
                Op::Gt => quote!(>),
                Op::Ge => quote!(>=),
            };
            quote!(#l #op #r)
        }
    }
}

fn operand(o: &OperandPlan) -> TokenStream {
    match o {
        OperandPlan::StatusCode => quote!(response.status()),
        OperandPlan::Literal(Literal::Number(n)) => {
            let n: u16 = n.parse().unwrap_or_default();
            let lit = Lit::u16_unsuffixed(n);
            quote!(#lit)
        }
        OperandPlan::Literal(_) => quote!(false),
    }
}

/// Tokens that build a `serde_json::Value`, inside a step (where `STEP` is defined).
fn json_value(value: &ValuePlan) -> TokenStream {
    let json = quote!(::arazzo_runtime::serde_json);
    match value {
        ValuePlan::Null => quote!(#json::Value::Null),
        ValuePlan::Bool(b) => quote!(#json::Value::Bool(#b)),
        ValuePlan::Number(n) => match n.parse::<i64>() {
            Ok(i) => {
                let lit = Lit::i64_suffixed(i);
                quote!(#json::Value::from(#lit))
            }
            Err(_) => {
                let f: f64 = n.parse().unwrap_or_default();
                let lit = Lit::f64_suffixed(f);
                quote!(#json::Value::from(#lit))
            }
        },
        ValuePlan::Str(s) => quote!(#json::Value::from(#s)),
        ValuePlan::Array(items) => {
            let items = items.iter().map(json_value);
            quote!(#json::Value::Array(::std::vec![#(#items),*]))
        }
        ValuePlan::Object(entries) if entries.is_empty() => {
            quote!(#json::Value::Object(#json::Map::new()))
        }
        ValuePlan::Object(entries) => {
            let inserts = entries.iter().map(|(key, value)| match value {
                ValuePlan::Ref(r) if r.ty.is_option() => {
                    let access = place(&r.place);
                    quote! {
                        if let ::std::option::Option::Some(value) = &#access {
                            object.insert(#key.to_owned(), ::arazzo_runtime::to_json(STEP, value)?);
                        }
                    }
                }
                other => {
                    let value = json_value(other);
                    quote!(object.insert(#key.to_owned(), #value);)
                }
            });
            quote! {
                #json::Value::Object({
                    let mut object = #json::Map::new();
                    #(#inserts)*
                    object
                })
            }
        }
        ValuePlan::Ref(r) => {
            let access = place(&r.place);
            quote!(::arazzo_runtime::to_json(STEP, &#access)?)
        }
        ValuePlan::Template(parts) => {
            let mut format = String::new();
            let mut args = Vec::new();
            for part in parts {
                match part {
                    TemplatePart::Text(t) => {
                        format.push_str(&t.replace('{', "{{").replace('}', "}}"))
                    }
                    TemplatePart::Value(r) => {
                        format.push_str("{}");
                        args.push(place(&r.place));
                    }
                }
            }
            quote!(#json::Value::String(::std::format!(#format, #(#args),*)))
        }
    }
}
