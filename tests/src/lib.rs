//! The reviewed snapshots of generated code, compiled (and linted by clippy in CI) as ordinary
//! modules of one crate, and the corpus harness. The integration tests live in `tests/`.

pub mod corpus;

/// `snapshots/stytch_sms_otp_login.rs`: the seed.
pub mod stytch_sms_otp_login {
    include!("../snapshots/stytch_sms_otp_login.rs");
}

/// `snapshots/expressions.rs`: every expression source and criterion type.
pub mod expressions {
    include!("../snapshots/expressions.rs");
}

/// `snapshots/names.rs`: names that collide with each other, with keywords and with the
/// generated code's own names; two sources that share a scheme name.
pub mod names {
    include!("../snapshots/names.rs");
}

/// `snapshots/requests.rs`: every parameter location, body type and security scheme.
pub mod requests {
    include!("../snapshots/requests.rs");
}

/// `snapshots/control.rs`: `goto`, `retry`, `end`, workflow-level actions, the step bound.
pub mod control {
    include!("../snapshots/control.rs");
}

/// `snapshots/composition.rs`: `workflowId` steps, `dependsOn`, `operationPath`.
pub mod composition {
    include!("../snapshots/composition.rs");
}

/// `snapshots/concurrent.rs`: steps that run at once (Arazzo 1.1 step `dependsOn`).
pub mod concurrent {
    include!("../snapshots/concurrent.rs");
}

/// `snapshots/types.rs`: inputs from JSON Schema (nested objects, enums, defaults, nullable)
/// and outputs typed from the response schemas (`$ref`, `allOf`, `oneOf` with null, arrays).
pub mod types_snapshot {
    include!("../snapshots/types.rs");
}
