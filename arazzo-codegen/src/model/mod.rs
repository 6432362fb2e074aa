//! The documents as typed values: Arazzo in full, OpenAPI and AsyncAPI in the parts workflows
//! need.

pub(crate) mod arazzo;
pub(crate) mod asyncapi;
pub(crate) mod openapi;
pub(crate) mod selector;
