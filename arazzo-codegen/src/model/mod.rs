//! The documents as typed values: Arazzo in full, OpenAPI in the parts workflows need.

pub(crate) mod arazzo;
pub(crate) mod openapi;
pub(crate) mod selector;
