//! Patchbay's Dialpad connector: [`DialpadConnector`] implements `patchbay_core::Connector`
//! over Dialpad API v2 (contacts, users, offices, calls, transcripts), with its
//! [`DESCRIPTOR`], and [`DialpadOAuth`] for OAuth onboarding; [`types`] holds Dialpad's wire
//! types, shared with the sandbox.

mod account;
mod client;
mod config;
mod connector;
mod descriptor;
mod error;
mod mapping;
mod oauth;
pub mod observe;
mod paging;
mod resources;
pub mod webhooks;

pub mod limits;
pub mod reports;

pub mod types;

pub use account::DialpadAccount;
pub use config::{DialpadConfig, PRODUCTION_URL, RetryPolicy};
pub use connector::DialpadConnector;
pub use descriptor::DESCRIPTOR;
pub use error::DialpadError;
pub use oauth::{DialpadOAuth, OAuthApp};
pub use observe::Observer;
