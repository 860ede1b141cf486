//! One module per scenario; each answers its Markdown section.

pub mod export;
pub mod fanout;
pub mod proxy;
pub mod refresh_storm;
pub mod reliability;
pub mod resources;
