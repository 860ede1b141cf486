//! The webhook ingress's first step: any bytes presented as Dialpad's JWT are verified
//! (HS256 only, constant time, size-limited) or refused, never a panic; what verifies is
//! exactly what was signed with the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchbay_dialpad::webhooks::{sign_hs256, verify_hs256};

const SECRET: &[u8] = b"fuzz-hook-secret";

fuzz_target!(|data: &[u8]| {
    // Arbitrary tokens (forged headers, alg none, bad base64, huge inputs) never verify
    // unless they carry our signature.
    if let Ok(claims) = verify_hs256(data, SECRET) {
        let resigned = sign_hs256(&claims, SECRET);
        assert!(verify_hs256(resigned.as_bytes(), SECRET).is_ok());
    }
    // Whatever JSON claims are signed verify (back to the same JSON, up to the last digit
    // of a float: serde_json's default float parsing does not round-trip every value), and
    // never with another secret.
    if let Ok(claims) = serde_json::from_slice::<serde_json::Value>(data) {
        let token = sign_hs256(&claims, SECRET);
        let verified = verify_hs256(token.as_bytes(), SECRET);
        assert!(verified.is_ok(), "{claims}");
        if !claims.to_string().contains(['e', 'E', '.']) {
            assert_eq!(verified.ok(), Some(claims.clone()));
        }
        assert!(verify_hs256(token.as_bytes(), b"another secret").is_err());
    }
});
