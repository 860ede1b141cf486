//! Which headers cross the proxy. Going up: everything but hop-by-hop headers (and those
//! `Connection` names), `Host`, `Authorization`, `Cookie`, and the gateway's own headers
//! (keys, connection selectors, sessions, `x-patchbay-*`); the connection's credential is
//! added. Coming back: everything but hop-by-hop headers. Both edit the map in place.

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Hop-by-hop headers (RFC 9110 §7.6.1, plus the `Proxy-*` family and `Keep-Alive`), as
/// the lower-case strings they are: a `const` array of `HeaderName`s would be built and
/// dropped at every use.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// [`HOP_BY_HOP`] for a name as it was sent (any case), before it is a `HeaderName`.
pub fn is_hop_by_hop_name(name: &[u8]) -> bool {
    HOP_BY_HOP
        .iter()
        .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
}

/// The gateway's own request headers, never forwarded: `Host`, `Expect` (hyper answers
/// `100 Continue` to the caller itself; the upstream request has no wait), the caller's
/// credentials and connection selectors, `x-session-token`, every `x-patchbay-*` header
/// (the proxy's own switches), and any other `proxy-*` header (hop-by-hop by convention).
fn is_own(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "host"
            | "expect"
            | "authorization"
            | "cookie"
            | "x-api-key"
            | "x-api-secret"
            | "x-connector-id"
            | "x-owner-id"
            | "x-session-token"
    ) || name.starts_with("x-patchbay-")
        || name.starts_with("proxy-")
}

/// Removes every header `doomed` picks, and those the `Connection` header lists. The map
/// is walked once (a request carries a handful of headers) rather than probed for each
/// name that might be there.
fn strip(headers: &mut HeaderMap, doomed: impl Fn(&HeaderName) -> bool) {
    if !headers
        .keys()
        .any(|name| doomed(name) || is_hop_by_hop(name))
    {
        return;
    }
    // Names listed in `Connection` are hop-by-hop too; they are read before it goes.
    let mut names: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    names.extend(
        headers
            .keys()
            .filter(|name| doomed(name) || is_hop_by_hop(name))
            .cloned(),
    );
    for name in &names {
        headers.remove(name);
    }
}

/// Turns the caller's headers into the upstream request's: strips what must not cross and
/// presents `authorization` (the connection's credential) and `host` (the upstream's)
/// instead. Those two replace the caller's rather than being stripped first: most calls
/// then have nothing to strip.
pub fn upstream_request(headers: &mut HeaderMap, authorization: HeaderValue, host: HeaderValue) {
    strip(headers, |name| {
        is_own(name) && name != header::AUTHORIZATION && name != header::HOST
    });
    headers.insert(header::AUTHORIZATION, authorization);
    headers.insert(header::HOST, host);
}

/// Turns the upstream's response headers into the caller's: hop-by-hop ones go, and the
/// gateway's request id replaces any the upstream sent.
pub fn downstream_response(headers: &mut HeaderMap, request_id: Option<HeaderValue>) {
    strip(headers, |_| false);
    if let Some(id) = request_id {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn requests_lose_credentials_selectors_and_hop_by_hop_headers() {
        let mut h = map(&[
            ("authorization", "Bearer sk_tenant"),
            ("cookie", "sid=1"),
            ("host", "gateway"),
            ("connection", "keep-alive, x-custom-hop"),
            ("x-custom-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic x"),
            ("x-api-key", "pk"),
            ("x-api-secret", "sk"),
            ("x-connector-id", "dialpad"),
            ("x-owner-id", "acme"),
            ("x-session-token", "pbs1.x"),
            ("x-patchbay-retry", "true"),
            ("accept", "application/json"),
            ("x-request-id", "abc"),
            ("content-type", "application/json"),
            ("expect", "100-continue"),
        ]);
        upstream_request(
            &mut h,
            HeaderValue::from_static("Bearer dialpad"),
            HeaderValue::from_static("dialpad.com"),
        );
        let mut names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "accept",
                "authorization",
                "content-type",
                "host",
                "x-request-id"
            ]
        );
        assert_eq!(h[header::AUTHORIZATION], "Bearer dialpad");
        assert_eq!(h[header::HOST], "dialpad.com");
        assert_eq!(h.len(), 5, "one value each");
    }

    #[test]
    fn a_callers_host_and_authorization_are_replaced_even_when_nothing_else_goes() {
        let mut h = map(&[
            ("host", "gateway"),
            ("authorization", "Bearer sk_tenant"),
            ("accept", "*/*"),
        ]);
        h.append(header::AUTHORIZATION, HeaderValue::from_static("Basic x"));
        upstream_request(
            &mut h,
            HeaderValue::from_static("Bearer dialpad"),
            HeaderValue::from_static("dialpad.com"),
        );
        assert_eq!(
            h.get_all(header::AUTHORIZATION).iter().collect::<Vec<_>>(),
            ["Bearer dialpad"]
        );
        assert_eq!(
            h.get_all(header::HOST).iter().collect::<Vec<_>>(),
            ["dialpad.com"]
        );
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn responses_keep_everything_end_to_end() {
        let mut h = map(&[
            ("content-type", "text/csv"),
            ("set-cookie", "a=b"),
            ("transfer-encoding", "chunked"),
            ("x-request-id", "upstream"),
            ("retry-after", "3"),
        ]);
        downstream_response(&mut h, Some(HeaderValue::from_static("gw")));
        assert_eq!(h["x-request-id"], "gw");
        assert!(h.get("transfer-encoding").is_none());
        assert_eq!(h["set-cookie"], "a=b");
        assert_eq!(h["retry-after"], "3");
    }
}
