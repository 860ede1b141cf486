//! Dialpad's rate limits as its API reference states them: 20 requests per second per
//! company, and each operation's own limit from its description. Only the operations
//! stricter than the default 1200/minute are listed: the default never binds before the
//! company's 20/second does.

use std::time::Duration;

/// At most `count` requests in any window of `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests per window.
    pub count: u32,
    /// The window.
    pub period: Duration,
}

impl Limit {
    const fn per(count: u32, secs: u64) -> Self {
        Self {
            count,
            period: Duration::from_secs(secs),
        }
    }
}

/// The company-wide limit.
pub const COMPANY_LIMIT: Limit = Limit::per(20, 1);

/// An operation with its own limit: method, route template (`{…}` is one segment), limit.
type Entry = (&'static str, &'static str, Limit);

/// From the `Rate limit: N per minute|hour` notes of Dialpad's OpenAPI document.
const OPERATION_LIMITS: &[Entry] = &[
    ("POST", "/api/v2/call/{id}/assign", Limit::per(12, 60)),
    ("GET", "/api/v2/call/{id}/assigned", Limit::per(250, 60)),
    ("GET", "/api/v2/call/{id}", Limit::per(10, 60)),
    ("GET", "/api/v2/call/{id}/ai_recap", Limit::per(12, 60)),
    ("POST", "/api/v2/call/initiate_ivr_call", Limit::per(10, 60)),
    ("POST", "/api/v2/call", Limit::per(5, 60)),
    ("POST", "/api/v2/call/{id}/unassign/all", Limit::per(12, 60)),
    ("POST", "/api/v2/call/{id}/unassign", Limit::per(12, 60)),
    ("PUT", "/api/v2/call/{id}/labels", Limit::per(250, 60)),
    ("POST", "/api/v2/callreviewsharelink", Limit::per(250, 60)),
    (
        "PUT",
        "/api/v2/callreviewsharelink/{id}",
        Limit::per(250, 60),
    ),
    ("GET", "/api/v2/company/{id}/smsoptout", Limit::per(250, 60)),
    ("POST", "/api/v2/contacts", Limit::per(100, 60)),
    ("PUT", "/api/v2/contacts", Limit::per(100, 60)),
    ("GET", "/api/v2/digital/sessionsdata", Limit::per(100, 60)),
    ("POST", "/api/v2/fax", Limit::per(250, 60)),
    ("POST", "/api/v2/recordingsharelink", Limit::per(100, 60)),
    (
        "PUT",
        "/api/v2/recordingsharelink/{id}",
        Limit::per(100, 60),
    ),
    ("POST", "/api/v2/scorecards/export", Limit::per(250, 60)),
    ("POST", "/api/v2/sms", Limit::per(100, 60)),
    ("POST", "/api/v2/stats", Limit::per(200, 3600)),
    (
        "POST",
        "/api/v2/users/{id}/initiate_call",
        Limit::per(5, 60),
    ),
    ("POST", "/api/v2/users/{id}/screenpop", Limit::per(5, 60)),
    ("POST", "/api/v2/webhooks", Limit::per(100, 60)),
    ("POST", "/api/v2/websockets", Limit::per(250, 60)),
];

/// The operation's own limit for `method` on `path` (no query string), named by its
/// template (a static key: charging it allocates nothing); `None` when only the company
/// limit applies.
pub fn operation_limit(method: &str, path: &str) -> Option<(&'static str, Limit)> {
    let path = path.strip_suffix('/').unwrap_or(path);
    OPERATION_LIMITS
        .iter()
        .find(|(m, template, _)| *m == method && matches(template, path))
        .map(|(_, template, limit)| (*template, *limit))
}

fn matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') => {
                if ps.is_empty() {
                    return false;
                }
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_their_templates_only() {
        assert_eq!(
            operation_limit("GET", "/api/v2/call/123"),
            Some(("/api/v2/call/{id}", Limit::per(10, 60)))
        );
        assert_eq!(
            operation_limit("POST", "/api/v2/contacts/"),
            Some(("/api/v2/contacts", Limit::per(100, 60)))
        );
        assert_eq!(operation_limit("GET", "/api/v2/call"), None);
        assert_eq!(operation_limit("GET", "/api/v2/call/"), None);
        assert_eq!(operation_limit("GET", "/api/v2/contacts"), None);
        assert_eq!(
            operation_limit("PUT", "/api/v2/call/9/labels").map(|(_, l)| l.count),
            Some(250)
        );
    }
}
