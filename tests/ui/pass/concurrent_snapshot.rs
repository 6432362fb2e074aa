//! The snapshot of steps that run at once (Arazzo 1.1 step `dependsOn`), compiled as a user's
//! crate would compile it; its workflows' futures are `Send`.
#![deny(warnings)]

mod generated {
    include!("../../snapshots/concurrent.rs");
}

fn send<T: Send>(future: T) -> T {
    future
}

fn main() {
    let client = generated::Client::builder()
        .parts("http://127.0.0.1:1")
        .build();
    // Built, never run: this case is about compiling.
    drop(send(generated::assemble(
        &client,
        generated::assemble::Inputs {
            label: "x".into(),
        },
    )));
    drop(send(generated::fan_out(
        &client,
        generated::fan_out::Inputs {},
    )));
    drop(send(generated::nested(
        &client,
        generated::nested::Inputs {},
    )));
    drop(send(generated::assemble_with_retry(
        &client,
        generated::assemble_with_retry::Inputs {},
    )));
}
