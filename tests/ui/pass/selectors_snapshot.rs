//! The selectors fixture's snapshot (Selector Objects of each type, xpath criteria of each
//! version), compiled as a user's crate would compile it (with `arazzo-runtime`'s `xpath`).
#![deny(warnings)]

mod generated {
    include!("../../snapshots/selectors.rs");
}

fn main() {
    let client = generated::Client::builder()
        .shop("http://127.0.0.1:1")
        .build();
    // Built, never run: this case is about compiling.
    drop(generated::ship_order(
        &client,
        generated::ship_order::Inputs {
            order_id: "o1".into(),
        },
    ));
}
