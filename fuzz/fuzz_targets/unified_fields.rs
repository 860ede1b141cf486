//! Write bodies: any JSON is validated against each model's fields (create and update)
//! into typed input or field errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchbay_core::{ModelId, SupportedFields, parse_create, parse_update};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for model in ModelId::ALL {
        let _ = parse_create(SupportedFields::of_model(*model), &body);
        let _ = parse_update(SupportedFields::of_model(*model), &body);
    }
});
