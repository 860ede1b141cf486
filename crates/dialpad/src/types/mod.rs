//! Dialpad API v2 wire types: serde models of the requests, responses and webhook events the
//! connector exchanges with Dialpad, named after the spec's `protos.*` schemas. Every field is
//! optional and unknown fields and enum values are tolerated, because Dialpad omits and adds
//! freely; ids and timestamps go through the parsers in [`wire`].

mod open_enum;

pub mod call_centers;
pub mod calls;
pub mod common;
pub mod company;
pub mod contacts;
pub mod error;
pub mod events;
pub mod oauth;
pub mod offices;
pub mod routing;
pub mod stats;
pub mod subscriptions;
pub mod transcripts;
pub mod users;
pub mod webhooks;
pub mod wire;

pub use call_centers::*;
pub use calls::*;
pub use common::*;
pub use company::*;
pub use contacts::*;
pub use error::*;
pub use events::*;
pub use oauth::*;
pub use offices::*;
pub use routing::*;
pub use stats::*;
pub use subscriptions::*;
pub use transcripts::*;
pub use users::*;
pub use webhooks::*;
pub use wire::{DurationMs, EpochMillis, Int64, NaiveUtcDateTime, OpaqueId};
