//! The types fixture's snapshot, compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/types.rs");
}

fn main() {
    let client = generated::Client::builder().accounts("http://127.0.0.1:1").build();
    let inputs = generated::open_account::Inputs {
        holder: generated::types::Holder {
            name: "Ada".to_owned(),
            address: generated::types::HolderAddress {
                street: None,
                city: "Utrecht".to_owned(),
                country_code: None,
            },
        },
        plan: generated::types::OpenAccountPlan::Free,
        tags: None,
        limit: None,
        region: Some(generated::types::OpenAccountRegion::UsEast),
        marketing: None,
        notes: None,
    };
    // Built, never run: this case is about compiling.
    drop(generated::open_account(&client, inputs));
}
