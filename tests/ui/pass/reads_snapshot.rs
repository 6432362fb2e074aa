//! The unread-outputs fixture's snapshot (issue 16, item 4), compiled as a user's crate would
//! compile it: the workflow functions' own structs of the outputs they keep, straight-line, in
//! a loop and from called workflows, leave nothing unused.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/reads.rs");
}

fn main() {
    let client = generated::Client::builder().jobs("http://127.0.0.1:1").build();
    // Built, never run: this case is about compiling.
    drop(generated::start_and_check(
        &client,
        generated::start_and_check::Inputs {},
    ));
    drop(generated::poll_unread(&client, generated::poll_unread::Inputs {}));
    drop(generated::call_unread(&client, generated::call_unread::Inputs {}));
}
