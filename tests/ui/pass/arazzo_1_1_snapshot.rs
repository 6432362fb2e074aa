//! The Arazzo 1.1 fixture's snapshot (`$self`, step `timeout`s, a 1.0 source), compiled as a
//! user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/arazzo_1_1.rs");
}

fn main() {
    let client = generated::Client::builder()
        .pets("http://127.0.0.1:1")
        .legacy_pets("http://127.0.0.1:1")
        .build();
    // Built, never run: this case is about compiling.
    drop(generated::fetch_pet(
        &client,
        generated::fetch_pet::Inputs { id: "p1".into() },
    ));
    drop(generated::fetch_pet_with_retry(
        &client,
        generated::fetch_pet_with_retry::Inputs { id: "p1".into() },
    ));
    drop(generated::create_the10_way(
        &client,
        generated::create_the10_way::Inputs { name: "Rex".into() },
    ));
}
