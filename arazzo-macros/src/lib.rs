//! The `arazzo_workflow!` macro: an Arazzo document in, typed async Rust out, at compile time.
//!
//! ```ignore
//! arazzo_macros::arazzo_workflow!("specs/arazzo/stytch-sms-otp-login-workflow.yml");
//!
//! let client = Client::builder()
//!     .stytch_consumer_api("https://test.stytch.com")
//!     .basic_auth(project_id, secret)
//!     .build();
//! let outputs = sms_otp_login(&client, sms_otp_login::Inputs { /* … */ }).await?;
//! ```
//!
//! The path is relative to the crate's `CARGO_MANIFEST_DIR`. Settings may follow it:
//! `sources(name = "path", …)` reads a source description from a local file instead of its
//! `url` (remote URLs are never fetched), and `strict = true` turns warnings into errors.
//! Every problem in the documents is a compile error on the path literal, with the file, line
//! and column of the problem; every warning is a compiler warning there (a use of a
//! `#[deprecated]` constant whose note is the warning, so lint `deprecated`: `#![deny(warnings)]`
//! makes it an error, `#[allow(deprecated)]` on a module around the macro accepts it). Every file read is tracked, so editing any of them rebuilds.
//!
//! The generated code depends on the `arazzo-runtime` crate, which the calling crate must list
//! among its dependencies.

use proc_macro::TokenStream;

/// Generates, for each workflow of an Arazzo document, an `async fn` and a module of the same
/// name (its `Inputs` and `Outputs` structs, and each operation step as a function of its own),
/// plus the `Client` they share and a `types` module for the types made from JSON Schemas. See
/// the crate documentation.
#[proc_macro]
pub fn arazzo_workflow(input: TokenStream) -> TokenStream {
    arazzo_codegen::macro_support::expand(input.into()).into()
}
