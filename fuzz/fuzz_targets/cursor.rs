//! Cursors come back from callers: decoding (base64url, JSON, fingerprint) and opening a
//! sealed one (HMAC) must answer an error, never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchbay_core::{Cursor, Fingerprint, ListOptions, ModelId};
use patchbay_gateway::unified::cursor::CursorSeal;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expected = Fingerprint::of(ModelId::GenericContact, &ListOptions::default());
    if let Ok(cursor) = Cursor::decode(text, expected) {
        // What decodes re-encodes to something that decodes the same way.
        assert!(Cursor::decode(&cursor.encode(), expected).is_ok());
    }
    let seal = CursorSeal::new([7; 32]);
    if let Ok(inner) = seal.open("conn_1", text) {
        assert_eq!(seal.seal("conn_1", inner), text);
    }
});
