//! The control-flow fixture's snapshot with `durable = true` (loops with `goto` and `retry`),
//! compiled as a user's crate would compile it.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/control_durable.rs");
}

fn main() {
    let client = generated::Client::builder()
        .jobs("http://127.0.0.1:1")
        .build();
    let store = arazzo_runtime::durable::MemoryStore::new();
    // Built, never run: this case is about compiling.
    drop(generated::poll_job::start(&client, "run-1", Default::default(), &store));
    drop(generated::retry_flaky::resume(&client, "run-1", &store));
    drop(generated::refresh_then_retry::start(&client, "run-2", Default::default(), &store));
    drop(generated::recover::start(
        &client,
        "run-3",
        generated::recover::Inputs { id: "j".to_owned() }.into(),
        &store,
    ));
}
