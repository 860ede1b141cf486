//! The Patchbay gateway: the HTTP API (`http`), the unified API's work (`unified`),
//! storage (`store`, `crypto`), reports and their poller (`reports`), bulk export
//! (`export`), the application that wires them (`app`), and the command line (`cli`).
//! The `patchbay` binary is a thin `main` over [`cli`]; tests start the same
//! [`app::Application`] on port 0.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod crypto;
pub mod csv;
pub mod export;
pub mod health;
pub mod http;
pub mod metrics;
pub mod proxy;
pub mod registry;
pub mod reports;
pub mod server;
pub mod serving;
pub mod sessions;
pub mod store;
pub mod tokens;
pub mod unified;
pub mod webhooks;
