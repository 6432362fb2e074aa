//! HTTP: the client a generated `Client` holds, each step's request, redirects and the response.

mod client;
mod exchange;
mod redirect;
mod request;
mod response;
mod settings;

pub use client::HttpClient;
pub use request::{ApiKeyIn, Request};
pub use reqwest::Method;
pub use response::Response;
pub use settings::HttpSettings;
