//! Dialpad's scalar wire formats: int64 ids and epoch-millisecond timestamps as strings,
//! durations, naive UTC dates, three-state update fields, `null` lists and redacted secrets,
//! each read in every form Dialpad or an older client sends and written as Dialpad writes it.

mod int64;
mod null;
mod secret;
mod time;

pub use int64::{EpochMillis, Int64, OpaqueId, opt_i64_as_number};
pub use null::{Nullable, null_as_empty};
pub use secret::SecretString;
pub use time::{DurationMs, NaiveUtcDateTime};
