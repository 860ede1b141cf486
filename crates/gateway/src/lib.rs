//! The Patchbay gateway: the HTTP API (`http`), storage (`store`, `crypto`), the
//! application that wires them (`app`), and the command line (`cli`). The `patchbay`
//! binary is a thin `main` over [`cli`]; tests start the same [`app`] on port 0.

pub mod cli;
pub mod config;
pub mod crypto;
pub mod store;
