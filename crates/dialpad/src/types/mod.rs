//! Dialpad API v2 wire types, named after the spec's `protos.*` schemas: requests, responses,
//! list queries and webhook events. Reached by module (`types::calls::CallDirection`) so they
//! never clash with patchbay-core's models; fields are optional, unknown values tolerated.

mod open_enum;

pub mod call_actions;
pub mod call_centers;
pub mod calls;
pub mod common;
pub mod company;
pub mod contacts;
pub mod devices;
pub mod error;
pub mod events;
pub mod oauth;
pub mod offices;
pub mod plan;
pub mod queries;
pub mod routing;
pub mod stats;
pub mod subscriptions;
pub mod transcripts;
pub mod users;
pub mod webhooks;
pub mod wire;

// Names that only Dialpad has, re-exported for brevity; everything else goes by module.
pub use common::Collection;
pub use error::ErrorEnvelope;
pub use queries::ListQuery;
pub use wire::{
    DurationMs, EpochMillis, Int64, NaiveUtcDateTime, Nullable, OpaqueId, SecretString,
};
