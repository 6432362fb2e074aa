//! The body of the `arazzo_workflow!` macro, kept here (on `proc_macro2` types) so that it can
//! be tested like any other code; `arazzo-macros` only forwards to [`expand`].
//!
//! ```text
//! arazzo_workflow!("specs/arazzo/x.yml")
//! arazzo_workflow!("specs/arazzo/x.yml", sources(petStore = "specs/openapi/petstore.yml"), strict = true)
//! arazzo_workflow!("specs/arazzo/x.yml", sources("pet-store" = "specs/openapi/petstore.yml"))
//! arazzo_workflow!("specs/arazzo/x.yml", concurrent = false)
//! arazzo_workflow!("specs/arazzo/x.yml", durable = true)
//! ```

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitBool, LitStr, Token};

use crate::{Generator, Settings};

/// What the macro was given.
pub struct MacroInput {
    /// The document's path literal (errors are reported on it).
    pub path: LitStr,
    /// `sources(name = "path", …)`.
    pub sources: Vec<(String, PathBuf)>,
    /// `strict = true`.
    pub strict: bool,
    /// `max_steps = 100`.
    pub max_steps: Option<usize>,
    /// `fake = true`.
    pub fake: bool,
    /// `concurrent = false`.
    pub concurrent: bool,
    /// `durable = true`.
    pub durable: bool,
}

impl std::fmt::Debug for MacroInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacroInput")
            .field("path", &self.path.value())
            .field("sources", &self.sources)
            .field("strict", &self.strict)
            .field("max_steps", &self.max_steps)
            .field("fake", &self.fake)
            .field("concurrent", &self.concurrent)
            .field("durable", &self.durable)
            .finish()
    }
}

fn parse_input(input: ParseStream<'_>) -> syn::Result<MacroInput> {
    let path: LitStr = input.parse()?;
    let mut sources = Vec::new();
    let mut strict = false;
    let mut max_steps = None;
    let mut fake = false;
    let mut concurrent = true;
    let mut durable = false;
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        match key.to_string().as_str() {
            "sources" => {
                let content;
                syn::parenthesized!(content in input);
                while !content.is_empty() {
                    // A source name that is not a Rust identifier (`my-api`) is written as a string.
                    let name = if content.peek(LitStr) {
                        content.parse::<LitStr>()?.value()
                    } else {
                        content.parse::<Ident>()?.to_string()
                    };
                    content.parse::<Token![=]>()?;
                    let value: LitStr = content.parse()?;
                    sources.push((name, PathBuf::from(value.value())));
                    if content.is_empty() {
                        break;
                    }
                    content.parse::<Token![,]>()?;
                }
            }
            "strict" => {
                input.parse::<Token![=]>()?;
                strict = input.parse::<LitBool>()?.value;
            }
            "max_steps" => {
                input.parse::<Token![=]>()?;
                max_steps = Some(input.parse::<syn::LitInt>()?.base10_parse()?);
            }
            "fake" => {
                input.parse::<Token![=]>()?;
                fake = input.parse::<LitBool>()?.value;
            }
            "concurrent" => {
                input.parse::<Token![=]>()?;
                concurrent = input.parse::<LitBool>()?.value;
            }
            "durable" => {
                input.parse::<Token![=]>()?;
                durable = input.parse::<LitBool>()?.value;
            }
            other => {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown setting `{other}`: expected `sources(name = \"path\", ...)`, `strict = true`, `max_steps = N`, `fake = true`, `concurrent = false` or `durable = true`"
                    ),
                ));
            }
        }
    }
    Ok(MacroInput {
        path,
        sources,
        strict,
        max_steps,
        fake,
        concurrent,
        durable,
    })
}

/// Expands `arazzo_workflow!(…)`: the generated items, one `include_bytes!` per file read (so
/// that editing any of them rebuilds the crate), or a compile error on the path literal.
pub fn expand(input: TokenStream) -> TokenStream {
    let input = match parse_input.parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return syn::Error::new(
            input.path.span(),
            "CARGO_MANIFEST_DIR is not set: build with Cargo so that the path can be resolved",
        )
        .to_compile_error();
    };
    expand_in(Path::new(&manifest_dir), &input)
}

/// [`expand`] with an explicit base directory.
pub fn expand_in(base_dir: &Path, input: &MacroInput) -> TokenStream {
    let mut settings = Settings::new()
        .with_base_dir(base_dir)
        .with_strict(input.strict)
        .with_fake(input.fake)
        .with_concurrent(input.concurrent)
        .with_durable(input.durable);
    if let Some(max_steps) = input.max_steps {
        settings = settings.with_max_steps(max_steps);
    }
    for (name, path) in &input.sources {
        settings = settings.with_source(name.clone(), path.clone());
    }
    let result = Generator::new(settings).generate(input.path.value());
    let mut read: Vec<String> = match &result {
        Ok(generated) => generated
            .files_read()
            .map(|p| p.display().to_string())
            .collect(),
        Err(failure) => failure
            .files_read()
            .map(|p| p.display().to_string())
            .collect(),
    };
    read.sort();
    let tracking = quote! {
        #(const _: &[u8] = ::std::include_bytes!(#read);)*
    };
    match result {
        Ok(generated) => {
            let tokens = generated.tokens();
            let warnings = warnings(&generated, input.path.span());
            quote! {
                #tokens
                #tracking
                #warnings
            }
        }
        Err(failure) => {
            let message = failure.diagnostics().render_unprefixed(failure.files());
            let error = syn::Error::new(input.path.span(), message).to_compile_error();
            quote! {
                #error
                #tracking
            }
        }
    }
}

/// Each generator warning as a warning of the compiler, on stable Rust, which has no API for a
/// proc macro to warn: a use of a `#[deprecated]` constant whose note is the warning (file, line
/// and column in the document, the line, the caret and the help), at the path literal, as the
/// `proc-macro-warning` crate does (written out here: it is a dozen tokens). The lint is
/// `deprecated`: `#![deny(warnings)]` makes it an error, and `#[allow(deprecated)]` on a module
/// around the macro silences it (`strict = true` makes every warning a generation error instead).
fn warnings(generated: &crate::Generated, span: proc_macro2::Span) -> TokenStream {
    let notes = generated.warnings().iter().map(|warning| {
        let rendered = warning.render_unprefixed(generated.files());
        let note = rendered.strip_prefix("warning: ").unwrap_or(&rendered);
        let note = syn::LitStr::new(note, span);
        quote::quote_spanned! {span=>
            const _: () = {
                #[deprecated(note = #note)]
                const ARAZZO_WARNING: () = ();
                ARAZZO_WARNING
            };
        }
    });
    quote! { #(#notes)* }
}

/// Parses macro input (for tests).
///
/// # Errors
/// The syntax error, as `syn` reports it.
pub fn parse(input: TokenStream) -> syn::Result<MacroInput> {
    parse_input.parse2(input)
}
