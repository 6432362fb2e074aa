//! The snapshots of steps that depend on a step of another workflow (Arazzo 1.1 step
//! `dependsOn`), compiled as a user's crate would compile them.
#![deny(warnings)]

mod producer {
    include!("../../snapshots/cross_step_producer.rs");
}

mod consumer {
    include!("../../snapshots/cross_step_consumer.rs");
}

fn main() {}
