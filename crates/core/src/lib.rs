//! Patchbay core.
