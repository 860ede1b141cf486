//! Patchbay's Dialpad connector. For now: the Dialpad API v2 wire types in [`types`].

pub mod types;
