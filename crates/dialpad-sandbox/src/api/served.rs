//! Every Dialpad route the sandbox serves, in one table: fault rules are checked
//! against it, the conformance tests walk it, and the `Caller` extractor reads it to
//! know which operations need a company admin and to key the rate limiter without
//! allocating.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Every API v2 operation the sandbox serves, as `(method, template)` in the spec's
/// spelling (`{office_id}` where the spec says so; see [`router_template`]).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v2/company"),
    ("GET", "/api/v2/offices"),
    ("POST", "/api/v2/offices"),
    ("GET", "/api/v2/offices/primary"),
    ("GET", "/api/v2/offices/{id}"),
    ("PATCH", "/api/v2/offices/{id}"),
    ("GET", "/api/v2/offices/{office_id}/callcenters"),
    ("GET", "/api/v2/callcenters/{id}"),
    ("GET", "/api/v2/callcenters/{id}/operators"),
    ("POST", "/api/v2/callcenters/{id}/operators"),
    ("DELETE", "/api/v2/callcenters/{id}/operators"),
    ("GET", "/api/v2/users"),
    ("POST", "/api/v2/users"),
    ("GET", "/api/v2/users/{id}"),
    ("PATCH", "/api/v2/users/{id}"),
    ("DELETE", "/api/v2/users/{id}"),
    ("GET", "/api/v2/contacts"),
    ("POST", "/api/v2/contacts"),
    ("PUT", "/api/v2/contacts"),
    ("GET", "/api/v2/contacts/{id}"),
    ("PATCH", "/api/v2/contacts/{id}"),
    ("DELETE", "/api/v2/contacts/{id}"),
    ("GET", "/api/v2/call"),
    ("POST", "/api/v2/call"),
    ("GET", "/api/v2/call/{id}"),
    ("PUT", "/api/v2/call/{id}/labels"),
    ("PUT", "/api/v2/call/{id}/actions/hangup"),
    ("GET", "/api/v2/transcripts/{call_id}"),
    ("GET", "/api/v2/transcripts/{call_id}/url"),
    ("GET", "/api/v2/webhooks"),
    ("POST", "/api/v2/webhooks"),
    ("GET", "/api/v2/webhooks/{id}"),
    ("PATCH", "/api/v2/webhooks/{id}"),
    ("DELETE", "/api/v2/webhooks/{id}"),
    ("GET", "/api/v2/subscriptions/call"),
    ("POST", "/api/v2/subscriptions/call"),
    ("GET", "/api/v2/subscriptions/call/{id}"),
    ("PATCH", "/api/v2/subscriptions/call/{id}"),
    ("DELETE", "/api/v2/subscriptions/call/{id}"),
    ("GET", "/api/v2/subscriptions/contact"),
    ("POST", "/api/v2/subscriptions/contact"),
    ("GET", "/api/v2/subscriptions/contact/{id}"),
    ("PATCH", "/api/v2/subscriptions/contact/{id}"),
    ("DELETE", "/api/v2/subscriptions/contact/{id}"),
    ("GET", "/api/v2/subscriptions/changelog"),
    ("POST", "/api/v2/subscriptions/changelog"),
    ("GET", "/api/v2/subscriptions/changelog/{id}"),
    ("PATCH", "/api/v2/subscriptions/changelog/{id}"),
    ("DELETE", "/api/v2/subscriptions/changelog/{id}"),
    ("GET", "/api/v2/subscriptions/agent_status"),
    ("POST", "/api/v2/subscriptions/agent_status"),
    ("GET", "/api/v2/subscriptions/agent_status/{id}"),
    ("PATCH", "/api/v2/subscriptions/agent_status/{id}"),
    ("DELETE", "/api/v2/subscriptions/agent_status/{id}"),
    ("POST", "/api/v2/stats"),
    ("GET", "/api/v2/stats/{id}"),
];

/// The OAuth server's routes (Dialpad's, outside API v2); faults apply to them too.
pub const OAUTH_ROUTES: &[(&str, &str)] = &[
    ("GET", "/oauth2/authorize"),
    ("POST", "/oauth2/authorize/decision"),
    ("POST", "/oauth2/token"),
    ("POST", "/oauth2/deauthorize"),
];

/// The served operations whose description in the spec says "Requires a company
/// admin API key" (`tests/api.rs` checks this list against the spec).
pub const COMPANY_ADMIN: &[(&str, &str)] = &[
    ("GET", "/api/v2/call"),
    ("GET", "/api/v2/company"),
    ("GET", "/api/v2/subscriptions/contact"),
    ("POST", "/api/v2/subscriptions/contact"),
    ("GET", "/api/v2/subscriptions/contact/{id}"),
    ("PATCH", "/api/v2/subscriptions/contact/{id}"),
    ("DELETE", "/api/v2/subscriptions/contact/{id}"),
    ("GET", "/api/v2/subscriptions/changelog"),
    ("POST", "/api/v2/subscriptions/changelog"),
    ("GET", "/api/v2/subscriptions/changelog/{id}"),
    ("PATCH", "/api/v2/subscriptions/changelog/{id}"),
    ("DELETE", "/api/v2/subscriptions/changelog/{id}"),
    ("GET", "/api/v2/subscriptions/agent_status"),
    ("POST", "/api/v2/subscriptions/agent_status"),
    ("GET", "/api/v2/subscriptions/agent_status/{id}"),
    ("PATCH", "/api/v2/subscriptions/agent_status/{id}"),
    ("DELETE", "/api/v2/subscriptions/agent_status/{id}"),
];

/// What the sandbox knows of one served route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// The router's template (as `MatchedPath`, the counters and fault rules name it).
    pub template: &'static str,
    /// Whether the spec says the operation requires a company admin API key.
    pub company_admin: bool,
}

/// The router names a path segment once per position, so where the spec says
/// `{office_id}` after `/api/v2/offices/` the router says `{id}`.
pub fn router_template(template: &str) -> Cow<'_, str> {
    if template.contains("{office_id}") {
        Cow::Owned(template.replace("{office_id}", "{id}"))
    } else {
        Cow::Borrowed(template)
    }
}

fn router_spelling(template: &'static str) -> &'static str {
    match template {
        "/api/v2/offices/{office_id}/callcenters" => "/api/v2/offices/{id}/callcenters",
        other => other,
    }
}

/// The served routes by router template, each with the methods it serves.
static BY_TEMPLATE: LazyLock<HashMap<&'static str, Vec<Route>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<Route>> = HashMap::new();
    for &(method, spec) in ROUTES.iter().chain(OAUTH_ROUTES) {
        let template = router_spelling(spec);
        map.entry(template).or_default().push(Route {
            method,
            template,
            company_admin: COMPANY_ADMIN.contains(&(method, spec)),
        });
    }
    map
});

/// The served route for a method (upper case) and a router template.
pub fn lookup(method: &str, template: &str) -> Option<&'static Route> {
    BY_TEMPLATE
        .get(template)?
        .iter()
        .find(|r| r.method == method)
}

/// Whether some method serves `template` (router or spec spelling).
pub fn serves_path(template: &str) -> bool {
    BY_TEMPLATE.contains_key(router_template(template).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_by_its_router_template_and_admin_routes_are_served() {
        for &(method, spec) in ROUTES {
            let route = lookup(method, &router_template(spec));
            assert!(route.is_some(), "{method} {spec}");
        }
        for pair in COMPANY_ADMIN {
            assert!(ROUTES.contains(pair), "{pair:?} is not served");
        }
        assert_eq!(
            lookup("GET", "/api/v2/offices/{id}/callcenters").map(|r| r.company_admin),
            Some(false)
        );
        assert_eq!(
            lookup("GET", "/api/v2/company").map(|r| r.company_admin),
            Some(true)
        );
        assert!(lookup("GET", "/api/v2/nowhere").is_none());
        assert!(serves_path("/api/v2/offices/{office_id}/callcenters"));
        assert!(!serves_path("/api/v2/users/{user_id}"));
    }
}
