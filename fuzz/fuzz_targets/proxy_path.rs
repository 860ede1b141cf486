//! The raw proxy's path check: whatever it accepts can be appended to the upstream base
//! without leaving it (no dot segments, no encoded dots, slashes or backslashes, no empty
//! segment, no authority characters), and it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use patchbay_gateway::proxy::path::check;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    // The check sees a request URI's path: never a `?` (the query is checked apart) or `#`.
    if path.contains(['?', '#']) {
        return;
    }
    let Ok(accepted) = check(path) else {
        return;
    };
    assert!(accepted.starts_with('/'));
    let lower = accepted.to_ascii_lowercase();
    for bad in ["//", "@", "\\", ":", "%2e", "%2f", "%5c", "%25"] {
        assert!(!lower.contains(bad), "{accepted:?} contains {bad:?}");
    }
    for segment in accepted.split('/').skip(1) {
        assert!(segment != "." && segment != "..", "{accepted:?} has a dot segment");
    }
    // Appended to a base, the URL's host and the path's prefix stay the base's.
    let joined = format!("https://dialpad.example{accepted}");
    if let Ok(url) = url::Url::parse(&joined) {
        assert_eq!(url.host_str(), Some("dialpad.example"), "{accepted:?}");
    }
});
