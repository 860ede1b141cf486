//! The list and retrieve query strings (`limit`, `cursor`, `filters[...]`, `fields`,
//! `expand`, `sort`, `q`, `raw`): any bytes are parsed or answered with field errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchbay_gateway::unified::query::{Accepts, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse(Some(text), Accepts::List);
    let _ = parse(Some(text), Accepts::Retrieve);
});
