//! A hook that sees every call the connector makes to Dialpad (the gateway counts them as
//! metrics), named by a template with ids replaced (`GET /api/v2/contacts/{id}`), so the
//! names stay few whatever ids the calls carry.

use std::time::Duration;

/// Told about each attempt of each call to Dialpad.
pub trait Observer: Send + Sync + std::fmt::Debug {
    /// One attempt ended: `status` is Dialpad's answer, `None` when none came (timeout,
    /// reset, refused connection).
    fn upstream_call(&self, operation: &str, status: Option<u16>, elapsed: Duration);
}

/// `METHOD /path` with each segment that holds a digit (an id) as `{id}`; `v2` stays.
pub fn operation(method: &str, path: &str) -> String {
    let mut out = String::with_capacity(method.len() + path.len() + 1);
    out.push_str(method);
    out.push(' ');
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let version = segment.len() > 1
            && segment.starts_with('v')
            && segment[1..].bytes().all(|b| b.is_ascii_digit());
        if !version && segment.bytes().any(|b| b.is_ascii_digit()) {
            out.push_str("{id}");
        } else {
            out.push_str(segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_placeholders_and_versions_stay() {
        assert_eq!(
            operation("GET", "/api/v2/contacts/5830093582893056"),
            "GET /api/v2/contacts/{id}"
        );
        assert_eq!(
            operation("GET", "/api/v2/offices/123/callcenters"),
            "GET /api/v2/offices/{id}/callcenters"
        );
        assert_eq!(
            operation("POST", "/api/v2/contacts"),
            "POST /api/v2/contacts"
        );
    }
}
