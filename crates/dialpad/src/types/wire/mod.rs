//! Dialpad's scalar wire formats: int64 ids and counts (JSON strings), epoch-millisecond
//! timestamps (also strings), millisecond durations and naive UTC ISO dates. Each type reads
//! every form Dialpad or an older client may send and writes the form Dialpad itself writes.

mod int64;
mod time;

pub use int64::{EpochMillis, Int64, OpaqueId, opt_i64_as_number};
pub use time::{DurationMs, NaiveUtcDateTime};
