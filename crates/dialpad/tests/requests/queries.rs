//! List queries against the spec: a fully set query sends exactly the endpoint's query
//! parameters (never `limit`), and paging repeats the filters with the new cursor.

use std::collections::BTreeSet;

use patchbay_dialpad::types::ListQuery;
use patchbay_dialpad::types::common::TargetType;
use patchbay_dialpad::types::queries::{
    CursorQuery, ListCallCentersQuery, ListCallEventSubscriptionsQuery, ListCallsQuery,
    ListContactsQuery, ListOfficesQuery, ListUsersQuery, UserStateFilter,
};
use patchbay_dialpad::types::wire::{EpochMillis, Int64};
use serde::Serialize;
use serde_json::{Value, json};

use crate::common::operation;

fn cursor() -> Option<String> {
    Some("c2".to_owned())
}

fn users() -> ListUsersQuery {
    ListUsersQuery {
        cursor: cursor(),
        state: Some(UserStateFilter::All),
        email: Some("bot@fuzz-ball.com".to_owned()),
        number: Some("+14155551001".to_owned()),
        company_admin: Some(true),
    }
}

fn calls() -> ListCallsQuery {
    ListCallsQuery {
        cursor: None,
        started_after: Some(EpochMillis(1356998400000)),
        started_before: Some(EpochMillis(1357084800000)),
        target_id: Some(Int64(5835806903417907)),
        target_type: Some(TargetType::User),
        include_anonymized: Some(false),
    }
}

/// Each list endpoint with a query that sets every field.
fn every_query() -> Vec<(&'static str, Value)> {
    fn json(query: impl Serialize) -> Value {
        serde_json::to_value(query).expect("a query serialises")
    }
    let page = || json(CursorQuery { cursor: cursor() });
    vec![
        ("GET /api/v2/users", json(users())),
        ("GET /api/v2/call", json(calls().with_cursor("c2"))),
        (
            "GET /api/v2/contacts",
            json(ListContactsQuery {
                cursor: cursor(),
                owner_id: Some("5835806903417907".to_owned()),
                include_local: Some(true),
            }),
        ),
        (
            "GET /api/v2/offices",
            json(ListOfficesQuery {
                cursor: cursor(),
                active_only: Some(true),
            }),
        ),
        (
            "GET /api/v2/callcenters",
            json(ListCallCentersQuery {
                cursor: cursor(),
                office_id: Some(Int64(124)),
                name_search: Some("Cool".to_owned()),
            }),
        ),
        (
            "GET /api/v2/subscriptions/call",
            json(ListCallEventSubscriptionsQuery {
                cursor: cursor(),
                target_type: Some(TargetType::CallCenter),
                target_id: Some(Int64(124)),
            }),
        ),
        ("GET /api/v2/offices/{office_id}/callcenters", page()),
        ("GET /api/v2/webhooks", page()),
        ("GET /api/v2/subscriptions/contact", page()),
        ("GET /api/v2/subscriptions/changelog", page()),
        ("GET /api/v2/subscriptions/agent_status", page()),
    ]
}

#[test]
fn list_queries_send_exactly_the_specs_query_parameters_and_never_limit() {
    let mut wrong = Vec::new();
    for (key, query) in every_query() {
        let ours: BTreeSet<&str> = query
            .as_object()
            .expect("a query is an object")
            .keys()
            .map(String::as_str)
            .collect();
        let spec: BTreeSet<&str> = operation(key)
            .and_then(|op| op["parameters"].as_array())
            .unwrap_or_else(|| panic!("{key} has no parameters in the spec"))
            .iter()
            .filter(|parameter| parameter["in"] == "query")
            .filter_map(|parameter| parameter["name"].as_str())
            .filter(|name| *name != "limit")
            .collect();
        if ours.contains("limit") || ours != spec {
            wrong.push(format!("{key}: we send {ours:?}, the spec has {spec:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn next_page_repeats_the_filters_with_the_new_cursor() {
    let first = calls();
    assert_eq!(first.cursor(), None);
    let next = first.with_cursor("c3");
    assert_eq!(next.cursor(), Some("c3"));
    assert_eq!(
        serde_json::to_value(&next).unwrap(),
        json!({
            "cursor": "c3", "started_after": "1356998400000", "started_before": "1357084800000",
            "target_id": "5835806903417907", "target_type": "user", "include_anonymized": false
        })
    );
    assert_eq!(
        serde_json::to_value(ListUsersQuery::default()).unwrap(),
        json!({})
    );
    assert_eq!(users().with_cursor("c9").state, Some(UserStateFilter::All));
}
