//! The expressions fixture's snapshot, compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/expressions.rs");
}

fn main() {
    let client = generated::Client::builder().shop("http://127.0.0.1:1/api").build();
    let inputs = generated::place_order::Inputs {
        customer: generated::types::PlaceOrderCustomer {
            name: Some("Ada".to_owned()),
            tier: None,
        },
        quantity: 1,
        note: None,
        tags: None,
        express: None,
    };
    // Built, never run: this case is about compiling.
    drop(generated::place_order(&client, inputs));
}
