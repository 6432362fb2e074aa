//! The documents as typed values: Arazzo in full, OpenAPI in the parts workflows need.

pub mod arazzo;
pub mod openapi;
