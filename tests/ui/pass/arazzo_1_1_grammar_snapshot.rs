//! The Arazzo 1.1 grammar fixture's snapshot (`in: querystring`, 1.1 condition evaluation),
//! compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/arazzo_1_1_grammar.rs");
}

fn main() {
    let client = generated::Client::builder()
        .search("http://127.0.0.1:1")
        .build();
    // Built, never run: this case is about compiling.
    drop(generated::json_search(
        &client,
        generated::json_search::Inputs {
            status: "active".into(),
        },
    ));
    drop(generated::type_mismatch(
        &client,
        generated::type_mismatch::Inputs {},
    ));
    drop(generated::mismatch_in_an_action(
        &client,
        generated::mismatch_in_an_action::Inputs {},
    ));
}
