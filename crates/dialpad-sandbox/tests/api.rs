//! The sandbox's Dialpad resources driven over HTTP as a client would: deterministic
//! seeding and the size knob, `{items, cursor}` pagination, users, contacts, offices,
//! call centers, calls and transcripts, company isolation and authentication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod spec;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use common::{TestSandbox, assert_envelope};
use patchbay_dialpad_sandbox::SandboxConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn config(seed: u64, size: u32) -> SandboxConfig {
    SandboxConfig {
        seed,
        size,
        rate_limits: false,
        ..SandboxConfig::default()
    }
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field} in {v}"))
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    items.iter().map(|i| s(i, field).to_owned()).collect()
}

fn ms(v: &Value, field: &str) -> i64 {
    s(v, field).parse().unwrap()
}

/// What `/_sandbox/companies` says of company number `n`.
async fn counts(sbx: &TestSandbox, n: usize) -> Value {
    let (status, body) = sbx.control(Method::GET, "/companies", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    body["companies"][n].clone()
}

fn count(v: &Value, field: &str) -> usize {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {v}")) as usize
}

// ---------------------------------------------------------------- seeding

#[tokio::test]
async fn same_seed_and_size_give_the_same_data_and_another_seed_does_not() {
    let a = TestSandbox::start(config(7, 200)).await;
    let b = TestSandbox::start(config(7, 200)).await;
    let c = TestSandbox::start(config(8, 200)).await;
    let (ua, ub, uc) = (
        a.get("/api/v2/users").await,
        b.get("/api/v2/users").await,
        c.get("/api/v2/users").await,
    );
    assert_eq!(ua.0, StatusCode::OK);
    assert_eq!(ua, ub);
    assert_ne!(ua.1, uc.1);
    let (ca, cb, cc) = (
        a.get("/api/v2/call").await,
        b.get("/api/v2/call").await,
        c.get("/api/v2/call").await,
    );
    assert_eq!(ca.0, StatusCode::OK);
    assert!(!ca.1["items"].as_array().unwrap().is_empty());
    assert_eq!(ca, cb);
    assert_ne!(ca.1, cc.1);
    assert_eq!(a.info.api_key, b.info.api_key);
    assert_eq!(a.info.oauth_client_id, b.info.oauth_client_id);
    assert_ne!(a.info.api_key, c.info.api_key);
}

#[tokio::test]
async fn size_five_seeds_a_handful_of_records() {
    let sbx = TestSandbox::start(config(42, 5)).await;
    let company = counts(&sbx, 0).await;
    assert_eq!(count(&company, "calls"), 5);
    assert_eq!(
        count(&company, "shared_contacts") + count(&company, "local_contacts"),
        5
    );
    assert!((1..=10).contains(&count(&company, "users")), "{company}");
    assert_eq!(sbx.all("/api/v2/call").await.len(), 5);
    let users = sbx.all("/api/v2/users").await;
    assert_eq!(users.len(), count(&company, "users"));
}

#[tokio::test]
async fn size_100k_seeds_100k_calls_and_contacts_and_pages_through_calls() {
    let sbx = TestSandbox::start(SandboxConfig {
        size: 100_000,
        companies: 1,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    let company = counts(&sbx, 0).await;
    assert_eq!(count(&company, "calls"), 100_000);
    assert_eq!(
        count(&company, "shared_contacts") + count(&company, "local_contacts"),
        100_000
    );
    let mut seen = HashSet::new();
    let mut path = "/api/v2/call".to_owned();
    let mut last_started = i64::MAX;
    for _ in 0..4 {
        let (status, page) = sbx.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 25);
        for call in items {
            assert!(seen.insert(s(call, "call_id").to_owned()));
            let started = ms(call, "date_started");
            assert!(started <= last_started);
            last_started = started;
        }
        path = format!("/api/v2/call?cursor={}", s(&page, "cursor"));
    }
}

// ---------------------------------------------------------------- pagination

#[tokio::test]
async fn list_pages_hold_the_configured_page_size() {
    let sbx = TestSandbox::start(SandboxConfig {
        page_size: 7,
        call_page_size: 5,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    for path in ["/api/v2/users", "/api/v2/contacts"] {
        let (status, page) = sbx.get(path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["items"].as_array().unwrap().len(), 7, "{path}");
        assert!(page["cursor"].as_str().is_some_and(|c| !c.is_empty()));
    }
    let (_, page) = sbx.get("/api/v2/call").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    // The last page has no cursor.
    let (_, offices) = sbx.get("/api/v2/offices").await;
    assert!(offices["items"].as_array().unwrap().len() < 7);
    assert!(
        offices.get("cursor").is_none_or(Value::is_null),
        "{offices}"
    );
}

#[tokio::test]
async fn following_cursors_yields_every_record_exactly_once() {
    let sbx = TestSandbox::start(SandboxConfig {
        page_size: 9,
        call_page_size: 11,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    let company = counts(&sbx, 0).await;
    let cases = [
        ("/api/v2/users", "id", count(&company, "users")),
        ("/api/v2/contacts", "id", count(&company, "shared_contacts")),
        (
            "/api/v2/contacts?include_local=true",
            "id",
            count(&company, "shared_contacts") + count(&company, "local_contacts"),
        ),
        ("/api/v2/call", "call_id", count(&company, "calls")),
    ];
    for (path, field, expected) in cases {
        let all = ids(&sbx.all(path).await, field);
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "{path} repeats records");
        assert_eq!(all.len(), expected, "{path}");
    }
}

#[tokio::test]
async fn a_cursor_stays_valid_when_records_are_created_and_deleted_between_pages() {
    let sbx = TestSandbox::start(SandboxConfig {
        page_size: 10,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    let before = ids(&sbx.all("/api/v2/contacts").await, "id");
    assert!(before.len() > 40);

    let (_, first) = sbx.get("/api/v2/contacts").await;
    let mut seen = ids(first["items"].as_array().unwrap(), "id");
    let mut cursor = s(&first, "cursor").to_owned();
    // Between pages: delete the record the cursor names, one on the next page and one
    // far ahead, and create a few.
    let doomed = [
        seen.last().unwrap().clone(),
        before[12].clone(),
        before[35].clone(),
    ];
    for id in &doomed {
        let (status, _) = sbx
            .send(
                Method::DELETE,
                &format!("/api/v2/contacts/{id}"),
                Value::Null,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut created = Vec::new();
    for i in 0..5 {
        let (status, c) = sbx
            .send(
                Method::POST,
                "/api/v2/contacts",
                json!({"first_name": format!("New{i}"), "last_name": "Contact"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        created.push(s(&c, "id").to_owned());
    }
    loop {
        let (status, page) = sbx.get(&format!("/api/v2/contacts?cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(page["items"].as_array().unwrap(), "id"));
        match page["cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = c.to_owned(),
            _ => break,
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a record came twice");
    for id in &before {
        if !doomed[1..].contains(id) {
            assert!(unique.contains(id), "untouched {id} was skipped");
        }
    }
    for id in &doomed[1..] {
        assert!(!unique.contains(id), "deleted {id} was listed");
    }
    for id in &unique {
        assert!(before.contains(id) || created.contains(id));
    }
}

#[tokio::test]
async fn a_garbage_cursor_or_another_collections_cursor_is_a_400() {
    let sbx = TestSandbox::small().await;
    let (_, contacts) = sbx.get("/api/v2/contacts").await;
    let contacts_cursor = s(&contacts, "cursor").to_owned();
    let (_, calls) = sbx.get("/api/v2/call").await;
    let calls_cursor = s(&calls, "cursor").to_owned();
    for path in [
        "/api/v2/users?cursor=not-a-cursor".to_owned(),
        "/api/v2/contacts?cursor=%25%25%25".to_owned(),
        "/api/v2/call?cursor=Zm9vfGJhcg".to_owned(),
        format!("/api/v2/users?cursor={contacts_cursor}"),
        format!("/api/v2/call?cursor={contacts_cursor}"),
        format!("/api/v2/users?cursor={calls_cursor}"),
        format!("/api/v2/offices?cursor={calls_cursor}"),
    ] {
        let (status, body) = sbx.get(&path).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
}

// ---------------------------------------------------------------- users

#[tokio::test]
async fn users_filter_by_state_email_company_admin_and_number() {
    let sbx = TestSandbox::small().await;
    let all = sbx.all("/api/v2/users").await;
    assert_eq!(sbx.all("/api/v2/users?state=all").await, all);
    for state in ["active", "suspended", "pending"] {
        let expected: Vec<&Value> = all.iter().filter(|u| u["state"] == state).collect();
        assert!(!expected.is_empty(), "the seed has {state} users");
        let got = sbx.all(&format!("/api/v2/users?state={state}")).await;
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "state={state}");
    }
    let (status, body) = sbx.get("/api/v2/users?state=sleepy").await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");

    let target = &all[3];
    let email = target["emails"][0].as_str().unwrap().to_uppercase();
    let got = sbx
        .all(&format!("/api/v2/users?email={}", urlencode(&email)))
        .await;
    assert_eq!(got, vec![target.clone()]);
    assert!(
        sbx.all("/api/v2/users?email=nobody@example.com")
            .await
            .is_empty()
    );

    // Company admins are super admins: an office admin is not one.
    assert!(
        all.iter()
            .any(|u| u["is_admin"] == true && u["is_super_admin"] == false),
        "the seed has office admins"
    );
    for admin in [true, false] {
        let expected: Vec<&Value> = all
            .iter()
            .filter(|u| u["is_super_admin"] == admin)
            .collect();
        assert!(!expected.is_empty());
        let got = sbx
            .all(&format!("/api/v2/users?company_admin={admin}"))
            .await;
        assert_eq!(got.iter().collect::<Vec<_>>(), expected);
    }

    let number = target["phone_numbers"][0].as_str().unwrap();
    let got = sbx
        .all(&format!("/api/v2/users?number={}", urlencode(number)))
        .await;
    assert_eq!(got, vec![target.clone()]);
}

fn urlencode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

#[tokio::test]
async fn users_me_is_the_user_the_key_acts_for() {
    let sbx = TestSandbox::small().await;
    let (status, me) = sbx.get("/api/v2/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s(&me, "id"), sbx.info.companies[0].admin_user_id);
    assert_eq!(s(&me, "company_id"), sbx.info.company_id);
    let (_, same) = sbx.get(&format!("/api/v2/users/{}", s(&me, "id"))).await;
    assert_eq!(me, same);
    let other = &sbx.info.companies[1];
    let (_, me_b) = sbx.get_as(&other.api_key, "/api/v2/users/me").await;
    assert_eq!(s(&me_b, "id"), other.admin_user_id);
}

#[tokio::test]
async fn creating_a_user_needs_an_office_and_an_unused_email() {
    let sbx = TestSandbox::small().await;
    let (_, offices) = sbx.get("/api/v2/offices").await;
    let office_id = s(&offices["items"][0], "id").to_owned();
    let (status, user) = sbx
        .send(
            Method::POST,
            "/api/v2/users",
            json!({"email": "Grace.New@Example.com", "office_id": office_id, "first_name": "Grace", "last_name": "New"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["emails"], json!(["Grace.New@Example.com"]));
    assert_eq!(s(&user, "office_id"), office_id);
    assert_eq!(user["display_name"], "Grace New");
    let (status, fetched) = sbx.get(&format!("/api/v2/users/{}", s(&user, "id"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, user);

    let (status, body) = sbx
        .send(
            Method::POST,
            "/api/v2/users",
            json!({"email": "grace.new@example.com", "office_id": office_id}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::CONFLICT, "conflict");
    let (status, body) = sbx
        .send(
            Method::POST,
            "/api/v2/users",
            json!({"email": "x@example.com"}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    for bad in [
        json!({"office_id": office_id}),
        json!({"email": "not-an-email", "office_id": office_id}),
        json!({"email": "y@example.com", "office_id": office_id, "license": "platinum"}),
        json!({"email": "y@example.com", "office_id": "123"}),
    ] {
        let (status, body) = sbx.send(Method::POST, "/api/v2/users", bad.clone()).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
}

#[tokio::test]
async fn patching_a_user_validates_and_changes_only_what_it_names() {
    let sbx = TestSandbox::small().await;
    let users = sbx.all("/api/v2/users?state=active").await;
    let user = users[1].clone();
    let path = format!("/api/v2/users/{}", s(&user, "id"));
    let (status, patched) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"first_name": "Renamed", "job_title": "CFO"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["first_name"], "Renamed");
    assert_eq!(patched["job_title"], "CFO");
    assert_eq!(
        patched["display_name"],
        format!("Renamed {}", s(&user, "last_name"))
    );
    for field in [
        "emails",
        "phone_numbers",
        "office_id",
        "state",
        "license",
        "last_name",
    ] {
        assert_eq!(patched[field], user[field], "{field} changed");
    }
    let (_, fetched) = sbx.get(&path).await;
    assert_eq!(fetched, patched);

    assert_eq!(patched["is_admin"], false);
    let office = s(&user, "office_id").to_owned();
    let (status, office_admin) = sbx
        .send(Method::PATCH, &path, json!({"admin_office_ids": [office]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{office_admin}");
    assert_eq!(office_admin["admin_office_ids"], json!([office]));
    assert_eq!(office_admin["is_admin"], true);
    assert_eq!(office_admin["is_super_admin"], false);
    let (_, super_admin) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"is_super_admin": true, "admin_office_ids": []}),
        )
        .await;
    assert_eq!(super_admin["is_admin"], true);
    let company_admins = ids(&sbx.all("/api/v2/users?company_admin=true").await, "id");
    assert!(company_admins.iter().any(|id| id == s(&user, "id")));
    let (_, demoted) = sbx
        .send(Method::PATCH, &path, json!({"is_super_admin": false}))
        .await;
    assert_eq!(demoted["is_admin"], false);

    let (status, suspended) = sbx
        .send(Method::PATCH, &path, json!({"state": "suspended"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(suspended["state"], "suspended");

    let other_email = users[2]["emails"][0].clone();
    let (status, body) = sbx
        .send(Method::PATCH, &path, json!({"emails": [other_email]}))
        .await;
    assert_envelope(status, &body, StatusCode::CONFLICT, "conflict");
    for bad in [
        json!({"state": "pending"}),
        json!({"emails": ["nope"]}),
        json!({"emails": []}),
        json!({"forwarding_numbers": ["555-1234"]}),
        json!({"phone_numbers": ["+14155550000"]}),
        json!({"office_id": "42"}),
        json!({"license": "gold"}),
        json!({"admin_office_ids": ["77"]}),
        json!({"admin_office_ids": [true]}),
    ] {
        let (status, body) = sbx.send(Method::PATCH, &path, bad.clone()).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
    let (_, unchanged) = sbx.get(&path).await;
    assert_eq!(unchanged, suspended, "a refused patch changed nothing");
    let (status, body) = sbx
        .send(
            Method::PATCH,
            "/api/v2/users/1234567",
            json!({"first_name": "X"}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
}

/// An API key for a user of the first company, made through the control API.
async fn key_for(sbx: &TestSandbox, user_id: &str) -> String {
    let (status, made) = sbx
        .control(Method::POST, "/api-keys", json!({"user_id": user_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    s(&made, "api_key").to_owned()
}

#[tokio::test]
async fn a_deleted_user_stays_as_a_tombstone_shaped_like_dialpads_example() {
    let sbx = TestSandbox::small().await;
    let users = sbx.all("/api/v2/users").await;
    // A user with calls and a call center, who is not the admin whose key we use.
    let calls = sbx.all("/api/v2/call").await;
    let victim = calls
        .iter()
        .map(|c| s(&c["target"], "id").to_owned())
        .find(|id| {
            let u = users.iter().find(|u| s(u, "id") == id).unwrap();
            u["is_super_admin"] == false
                && u["group_details"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|g| g["group_type"] == "callcenter")
        })
        .expect("a user with calls and a call center");
    let victim_key = key_for(&sbx, &victim).await;
    assert_eq!(
        sbx.get_as(&victim_key, "/api/v2/users/me").await.0,
        StatusCode::OK
    );
    let path = format!("/api/v2/users/{victim}");
    let (_, before) = sbx.get(&path).await;

    let (status, deleted) = sbx.send(Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    let examples = spec::load("examples.json");
    let example = &examples["kesslerio_2026_02"]["DELETE /api/v2/users/{id}"]["response_200"]["json_example"]
        ["value"];
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&deleted), keys(example), "{deleted}");
    assert_eq!(deleted["state"], "deleted");
    assert_eq!(
        s(&deleted, "display_name"),
        format!("{} (deactivated)", s(&before, "display_name"))
    );
    assert_eq!(deleted["do_not_disturb"], true);
    assert_eq!(
        deleted["voicemail"]["voicemail_notifications_enabled"],
        false
    );
    assert_eq!(deleted["office_id"], before["office_id"]);

    // GET answers the tombstone; it cannot be changed or deleted again.
    let (status, got) = sbx.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, deleted);
    let (status, body) = sbx.send(Method::DELETE, &path, Value::Null).await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, body) = sbx
        .send(Method::PATCH, &path, json!({"job_title": "Ghost"}))
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");

    // Listed only with state=deleted.
    let listed = |items: Vec<Value>| ids(&items, "id").contains(&victim);
    let all = sbx.all("/api/v2/users").await;
    assert_eq!(all.len(), users.len() - 1);
    assert!(!listed(all));
    assert!(!listed(sbx.all("/api/v2/users?state=all").await));
    let gone = sbx.all("/api/v2/users?state=deleted").await;
    assert_eq!(ids(&gone, "id"), vec![victim.clone()]);
    assert_eq!(count(&counts(&sbx, 0).await, "deleted_users"), 1);

    // The user's key stops working, and the user leaves every call center.
    let (status, body) = sbx.get_as(&victim_key, "/api/v2/users/me").await;
    assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");
    for center in deleted_centers(&before) {
        let (_, ops) = sbx
            .get(&format!("/api/v2/callcenters/{center}/operators"))
            .await;
        assert!(!ids(ops["users"].as_array().unwrap(), "id").contains(&victim));
    }

    // Their calls are anonymized: listed only with include_anonymized=true.
    let filter = format!("target_type=user&target_id={victim}");
    assert!(sbx.all(&format!("/api/v2/call?{filter}")).await.is_empty());
    let anonymized = sbx
        .all(&format!("/api/v2/call?{filter}&include_anonymized=true"))
        .await;
    let theirs = calls
        .iter()
        .filter(|c| c["target"]["id"] == victim.as_str());
    assert_eq!(anonymized.len(), theirs.count());
    assert!(!anonymized.is_empty());
    assert_eq!(
        sbx.all("/api/v2/call").await.len(),
        calls.len() - anonymized.len()
    );
    assert_eq!(
        sbx.all("/api/v2/call?include_anonymized=true").await.len(),
        calls.len()
    );
}

fn deleted_centers(user: &Value) -> Vec<String> {
    user["group_details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["group_type"] == "callcenter")
        .map(|g| s(g, "group_id").to_owned())
        .collect()
}

#[tokio::test]
async fn keys_of_suspended_users_answer_401_until_the_user_is_active_again() {
    let sbx = TestSandbox::small().await;
    let suspended = sbx.all("/api/v2/users?state=suspended").await;
    let seeded = key_for(&sbx, s(&suspended[0], "id")).await;
    let (status, body) = sbx.get_as(&seeded, "/api/v2/users/me").await;
    assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");

    let active = sbx
        .all("/api/v2/users?state=active&company_admin=false")
        .await;
    let id = s(&active[0], "id").to_owned();
    let key = key_for(&sbx, &id).await;
    assert_eq!(sbx.get_as(&key, "/api/v2/users/me").await.0, StatusCode::OK);
    let path = format!("/api/v2/users/{id}");
    let (status, _) = sbx
        .send(Method::PATCH, &path, json!({"state": "suspended"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = sbx.get_as(&key, "/api/v2/contacts").await;
    assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");
    let (status, _) = sbx
        .send(Method::PATCH, &path, json!({"state": "active"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sbx.get_as(&key, "/api/v2/users/me").await.0, StatusCode::OK);
}

// ---------------------------------------------------------------- contacts

#[tokio::test]
async fn contacts_list_shared_by_default_adds_locals_on_request_and_narrows_to_an_owner() {
    let sbx = TestSandbox::small().await;
    let shared = sbx.all("/api/v2/contacts").await;
    assert!(!shared.is_empty());
    assert!(
        shared
            .iter()
            .all(|c| c["type"] == "shared" && c.get("owner_id").is_none())
    );
    let everything = sbx.all("/api/v2/contacts?include_local=true").await;
    let locals: Vec<&Value> = everything.iter().filter(|c| c["type"] == "local").collect();
    assert!(!locals.is_empty());
    assert_eq!(everything.len(), shared.len() + locals.len());
    let company = counts(&sbx, 0).await;
    assert_eq!(locals.len(), count(&company, "local_contacts"));

    let owner = s(locals[0], "owner_id").to_owned();
    let expected: Vec<&Value> = locals
        .iter()
        .copied()
        .filter(|c| c["owner_id"] == owner.as_str())
        .collect();
    let mine = sbx.all(&format!("/api/v2/contacts?owner_id={owner}")).await;
    assert_eq!(mine.iter().collect::<Vec<_>>(), expected);
    let (status, body) = sbx.get("/api/v2/contacts?owner_id=99").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, local) = sbx
        .get(&format!("/api/v2/contacts/{}", s(locals[0], "id")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&local, locals[0]);
}

#[tokio::test]
async fn posting_a_contact_with_owner_id_makes_that_users_local_contact() {
    let sbx = TestSandbox::small().await;
    let users = sbx.all("/api/v2/users").await;
    let owner = s(&users[2], "id").to_owned();
    let (status, contact) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({
                "first_name": "Local", "last_name": "Friend", "owner_id": owner,
                "phones": ["+14155550101", "+14155550102"], "emails": ["friend@example.org"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    assert_eq!(contact["type"], "local");
    assert_eq!(contact["owner_id"], owner.as_str());
    assert_eq!(contact["primary_phone"], "+14155550101");
    assert_eq!(contact["primary_email"], "friend@example.org");
    assert_eq!(contact["display_name"], "Local Friend");
    let id = s(&contact, "id");
    let mine = ids(
        &sbx.all(&format!("/api/v2/contacts?owner_id={owner}")).await,
        "id",
    );
    assert!(mine.iter().any(|c| c == id));
    let shared = ids(&sbx.all("/api/v2/contacts").await, "id");
    assert!(!shared.iter().any(|c| c == id));

    let (status, shared_one) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Shared", "last_name": "One"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shared_one["type"], "shared");
    let (status, body) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "A", "last_name": "B", "owner_id": "77"}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    let (status, body) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Only"}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

#[tokio::test]
async fn put_contact_upserts_the_shared_contact_of_a_uid() {
    let sbx = TestSandbox::small().await;
    let put = |body: Value| sbx.send(Method::PUT, "/api/v2/contacts", body);
    let (status, first) = put(json!({"uid": "crm-1", "first_name": "Ada", "last_name": "One", "phones": ["+14155550111"]})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["type"], "shared");
    let (status, again) =
        put(json!({"uid": "crm-1", "first_name": "Ada", "last_name": "Two"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["last_name"], "Two");
    assert_eq!(again["phones"], json!([]), "PUT replaces the whole contact");
    let (status, other) =
        put(json!({"uid": "crm-2", "first_name": "Bob", "last_name": "Other"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(other["id"], first["id"]);
    let (_, fetched) = sbx
        .get(&format!("/api/v2/contacts/{}", s(&first, "id")))
        .await;
    assert_eq!(fetched, again);
    let shared = ids(&sbx.all("/api/v2/contacts").await, "id");
    assert_eq!(shared.iter().filter(|id| *id == s(&first, "id")).count(), 1);
    // The uid is part of the id: after a delete, the same uid makes the same id again.
    let path = format!("/api/v2/contacts/{}", s(&first, "id"));
    assert_eq!(
        sbx.send(Method::DELETE, &path, Value::Null).await.0,
        StatusCode::OK
    );
    let (status, reborn) =
        put(json!({"uid": "crm-1", "first_name": "Ada", "last_name": "Three"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reborn["id"], first["id"]);
    // Another company's same uid is another contact.
    let b_key = &sbx.info.companies[1].api_key;
    let (_, theirs) = sbx
        .send_as(
            b_key,
            Method::PUT,
            "/api/v2/contacts",
            json!({"uid": "crm-1", "first_name": "B", "last_name": "Corp"}),
        )
        .await;
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(sbx.get(&path).await.1["last_name"], "Three");
    let (status, body) = put(json!({"first_name": "No", "last_name": "Uid"})).await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

#[tokio::test]
async fn patching_a_contact_keeps_the_fields_it_does_not_name() {
    let sbx = TestSandbox::small().await;
    let (_, created) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({
                "first_name": "Keep", "last_name": "Me", "company_name": "Initech",
                "job_title": "CTO", "emails": ["keep@example.com"], "phones": ["+14155550123"],
                "urls": ["https://example.com/keep"],
            }),
        )
        .await;
    let path = format!("/api/v2/contacts/{}", s(&created, "id"));
    let (status, patched) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"last_name": "Changed", "phones": ["+14155550999", "+14155550123"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["last_name"], "Changed");
    assert_eq!(patched["display_name"], "Keep Changed");
    assert_eq!(patched["primary_phone"], "+14155550999");
    for field in [
        "first_name",
        "company_name",
        "job_title",
        "emails",
        "primary_email",
        "urls",
        "type",
    ] {
        assert_eq!(patched[field], created[field], "{field}");
    }
    let (_, fetched) = sbx.get(&path).await;
    assert_eq!(fetched, patched);
    let (status, body) = sbx
        .send(Method::PATCH, &path, json!({"first_name": "  "}))
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

#[tokio::test]
async fn null_in_a_patch_clears_an_optional_field_and_absence_keeps_it() {
    let sbx = TestSandbox::small().await;
    let (_, created) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "N", "last_name": "Ull", "company_name": "Initech",
                "job_title": "CTO", "extension": "12"}),
        )
        .await;
    let path = format!("/api/v2/contacts/{}", s(&created, "id"));
    let (status, patched) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"company_name": null, "extension": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert!(patched.get("company_name").is_none(), "{patched}");
    assert!(patched.get("extension").is_none(), "{patched}");
    assert_eq!(patched["job_title"], "CTO");

    let users = sbx.all("/api/v2/users?state=active").await;
    let path = format!("/api/v2/users/{}", s(&users[1], "id"));
    let (_, titled) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"job_title": "CFO", "extension": "7"}),
        )
        .await;
    assert_eq!(titled["job_title"], "CFO");
    let (status, cleared) = sbx
        .send(Method::PATCH, &path, json!({"job_title": null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert!(cleared.get("job_title").is_none(), "{cleared}");
    assert_eq!(cleared["extension"], "7");
}

#[tokio::test]
async fn deleting_a_contact_answers_it_and_then_404() {
    let sbx = TestSandbox::small().await;
    let shared = sbx.all("/api/v2/contacts").await;
    let victim = &shared[5];
    let path = format!("/api/v2/contacts/{}", s(victim, "id"));
    let (status, deleted) = sbx.send(Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&deleted, victim);
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = sbx.send(method, &path, Value::Null).await;
        assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    }
    let (status, body) = sbx
        .send(Method::PATCH, &path, json!({"first_name": "Zombie"}))
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    assert_eq!(sbx.all("/api/v2/contacts").await.len(), shared.len() - 1);
}

#[tokio::test]
async fn invalid_phones_and_emails_are_refused_on_every_contact_write() {
    let sbx = TestSandbox::small().await;
    let existing = s(&sbx.all("/api/v2/contacts").await[0], "id").to_owned();
    let bad_fields = [
        json!({"phones": ["4155550123"]}),
        json!({"phones": ["+1 415 555 0123"]}),
        json!({"phones": ["+0123456"]}),
        json!({"emails": ["no-at-sign"]}),
        json!({"emails": ["a@b"]}),
    ];
    for bad in bad_fields {
        let mut create = json!({"first_name": "Bad", "last_name": "Input", "uid": "bad"});
        create
            .as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        for (method, path, body) in [
            (Method::POST, "/api/v2/contacts".to_owned(), create.clone()),
            (Method::PUT, "/api/v2/contacts".to_owned(), create.clone()),
            (
                Method::PATCH,
                format!("/api/v2/contacts/{existing}"),
                bad.clone(),
            ),
        ] {
            let (status, body) = sbx.send(method.clone(), &path, body).await;
            assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
        }
    }
}

// ---------------------------------------------------------------- offices, call centers

#[tokio::test]
async fn offices_list_get_primary_and_validate_opening_hours() {
    let sbx = TestSandbox::small().await;
    let offices = sbx.all("/api/v2/offices").await;
    let company = counts(&sbx, 0).await;
    assert_eq!(offices.len(), count(&company, "offices"));
    assert_eq!(sbx.all("/api/v2/offices?active_only=true").await, offices);
    let primaries: Vec<&Value> = offices
        .iter()
        .filter(|o| o["is_primary_office"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    let (status, primary) = sbx.get("/api/v2/offices/primary").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&primary, primaries[0]);
    let id = s(&offices[1], "id");
    let (_, one) = sbx.get(&format!("/api/v2/offices/{id}")).await;
    assert_eq!(one, offices[1]);
    let (status, body) = sbx.get("/api/v2/offices/987654").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");

    let path = format!("/api/v2/offices/{id}");
    let (status, patched) = sbx
        .send(
            Method::PATCH,
            &path,
            json!({"monday_hours": ["08:00", "12:00", "13:00", "17:30"], "sunday_hours": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched["office"]["monday_hours"],
        json!(["08:00", "12:00", "13:00", "17:30"])
    );
    assert_eq!(
        patched["office"]["tuesday_hours"],
        offices[1]["tuesday_hours"]
    );
    for bad in [
        json!({"monday_hours": ["08:00"]}),
        json!({"monday_hours": ["18:00", "08:00"]}),
        json!({"tuesday_hours": ["08:00", "25:00"]}),
        json!({"friday_hours": ["8am", "6pm"]}),
        json!({"friday_hours": ["8:00", "18:00"]}),
        json!({"saturday_hours": ["09:00", "12:00", "11:00", "15:00"]}),
    ] {
        let (status, body) = sbx.send(Method::PATCH, &path, bad.clone()).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
    let (_, after) = sbx.get(&path).await;
    assert_eq!(after, patched["office"]);
}

#[tokio::test]
async fn call_centers_belong_to_their_office_and_operators_can_be_added_and_removed() {
    let sbx = TestSandbox::small().await;
    let offices = sbx.all("/api/v2/offices").await;
    let mut seen = HashSet::new();
    for office in &offices {
        let oid = s(office, "id");
        let centers = sbx.all(&format!("/api/v2/offices/{oid}/callcenters")).await;
        assert!(!centers.is_empty());
        for c in &centers {
            assert_eq!(s(c, "office_id"), oid);
            assert!(seen.insert(s(c, "id").to_owned()));
        }
    }
    let (status, body) = sbx.get("/api/v2/offices/4242/callcenters").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");

    let center = seen.iter().next().unwrap().clone();
    let ops_path = format!("/api/v2/callcenters/{center}/operators");
    let (status, ops) = sbx.get(&ops_path).await;
    assert_eq!(status, StatusCode::OK);
    let current = ids(ops["users"].as_array().unwrap(), "id");
    let users = sbx.all("/api/v2/users?state=active").await;
    let newcomer = users
        .iter()
        .map(|u| s(u, "id").to_owned())
        .find(|id| !current.contains(id))
        .unwrap();
    let (status, added) = sbx
        .send(
            Method::POST,
            &ops_path,
            json!({"user_id": newcomer, "role": "supervisor"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(s(&added, "id"), newcomer);
    let (status, body) = sbx
        .send(Method::POST, &ops_path, json!({"user_id": newcomer}))
        .await;
    assert_envelope(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, ops) = sbx.get(&ops_path).await;
    assert!(ids(ops["users"].as_array().unwrap(), "id").contains(&newcomer));
    let (_, user) = sbx.get(&format!("/api/v2/users/{newcomer}")).await;
    assert!(user["group_details"].as_array().unwrap().iter().any(|g| {
        g["group_type"] == "callcenter"
            && g["group_id"] == center.as_str()
            && g["role"] == "supervisor"
    }));

    let (status, removed) = sbx
        .send(Method::DELETE, &ops_path, json!({"user_id": newcomer}))
        .await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    let (_, ops) = sbx.get(&ops_path).await;
    assert_eq!(ids(ops["users"].as_array().unwrap(), "id"), current);
    let (_, user) = sbx.get(&format!("/api/v2/users/{newcomer}")).await;
    assert!(
        !user["group_details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group_id"] == center.as_str())
    );
    let (status, body) = sbx
        .send(Method::DELETE, &ops_path, json!({"user_id": newcomer}))
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, body) = sbx
        .send(Method::POST, &ops_path, json!({"user_id": "31337"}))
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, body) = sbx
        .send(Method::POST, &ops_path, json!({"role": "operator"}))
        .await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

/// A valid `CreateOfficeMessage`, changed by `patch`.
fn office_body(patch: &Value) -> Value {
    let mut body = json!({
        "name": "Lisbon", "country": "PT", "currency": "EUR", "plan_period": "monthly",
        "annual_commit_monthly_billing": false, "invoiced": false, "unified_billing": true,
        "billing_address": {"address_line_1": "Rua 1", "city": "Lisboa", "country": "pt",
                            "postal_code": "1000-001", "region": "Lisboa"},
    });
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

#[tokio::test]
async fn creating_an_office_checks_what_the_spec_constrains_and_applies_its_defaults() {
    let sbx = TestSandbox::small().await;
    let e911 = json!({"address": "3001 Bishop Dr", "city": "San Ramon", "country": "us",
                      "state": "ca", "zip": "94583"});
    for patch in [
        json!({"country": "XX"}),
        json!({"country": "pt"}),
        json!({"currency": "BTC"}),
        json!({"country": null}),
        json!({"country": "US"}),
        json!({"country": "GB", "use_same_address": false}),
        json!({"country": "US", "e911_address": {"address": "1 Main St", "city": "X"}}),
        json!({"ring_seconds": 9}),
        json!({"ring_seconds": 46}),
        json!({"first_action": "voicemail"}),
        json!({"no_operators_action": "hang_up"}),
        json!({"monday_hours": ["18:00", "08:00"]}),
        json!({"group_description": "d".repeat(257)}),
        json!({"mainline_number": "555-0100"}),
    ] {
        let (status, body) = sbx
            .send(Method::POST, "/api/v2/offices", office_body(&patch))
            .await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }

    let (status, made) = sbx
        .send(Method::POST, "/api/v2/offices", office_body(&json!({})))
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let office = &made["office"];
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday"] {
        assert_eq!(
            office[format!("{day}_hours")],
            json!(["08:00", "18:00"]),
            "{office}"
        );
    }
    assert_eq!(office["saturday_hours"], json!([]));
    assert_eq!(office["sunday_hours"], json!([]));
    assert_eq!(office["first_action"], "operators");
    assert_eq!(office["no_operators_action"], "voicemail");
    assert_eq!(office["country"], "pt");
    assert!(office.get("e911_address").is_none());

    let (status, made) = sbx
        .send(
            Method::POST,
            "/api/v2/offices",
            office_body(
                &json!({"name": "Austin 2", "country": "US", "currency": "USD",
                               "e911_address": e911, "ring_seconds": 45,
                               "first_action": "menu", "no_operators_action": "operator",
                               "saturday_hours": ["10:00", "14:00"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let office = &made["office"];
    assert_eq!(office["e911_address"]["zip"], "94583");
    assert_eq!(office["ring_seconds"], "45");
    assert_eq!(office["first_action"], "menu");
    assert_eq!(office["no_operators_action"], "operator");
    assert_eq!(office["saturday_hours"], json!(["10:00", "14:00"]));
    let (_, got) = sbx
        .get(&format!("/api/v2/offices/{}", s(office, "id")))
        .await;
    assert_eq!(&got, office);

    // The billing address may stand in for the emergency address.
    let (status, made) = sbx
        .send(
            Method::POST,
            "/api/v2/offices",
            office_body(
                &json!({"name": "London 2", "country": "GB", "currency": "GBP",
                               "use_same_address": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
}

#[tokio::test]
async fn adding_an_operator_checks_skill_level_license_type_and_role() {
    let sbx = TestSandbox::small().await;
    let office = s(&sbx.all("/api/v2/offices").await[0], "id").to_owned();
    let center = s(
        &sbx.all(&format!("/api/v2/offices/{office}/callcenters"))
            .await[0],
        "id",
    )
    .to_owned();
    let path = format!("/api/v2/callcenters/{center}/operators");
    let (_, ops) = sbx.get(&path).await;
    let current = ids(ops["users"].as_array().unwrap(), "id");
    let users = sbx.all("/api/v2/users?state=active").await;
    let newcomer = ids(&users, "id")
        .into_iter()
        .find(|id| !current.contains(id))
        .unwrap();
    for bad in [
        json!({"skill_level": 0}),
        json!({"skill_level": 101}),
        json!({"license_type": "talk"}),
        json!({"role": "boss"}),
    ] {
        let mut body = bad.clone();
        body["user_id"] = json!(newcomer);
        let (status, answer) = sbx.send(Method::POST, &path, body).await;
        assert_envelope(status, &answer, StatusCode::BAD_REQUEST, "badRequest");
    }
    let (status, added) = sbx
        .send(
            Method::POST,
            &path,
            json!({"user_id": newcomer, "skill_level": 100, "license_type": "lite_support_agents",
                   "role": "admin", "keep_paid_numbers": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
}

#[tokio::test]
async fn operator_changes_and_concurrent_patches_emit_events_in_the_order_they_happened() {
    let sbx = TestSandbox::small().await;
    let receiver = common::Receiver::start().await;
    let (status, hook) = sbx
        .send(
            Method::POST,
            "/api/v2/webhooks",
            json!({"hook_url": receiver.url}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    let hook_id = s(&hook, "id").to_owned();
    for (family, body) in [
        ("changelog", json!({"endpoint_id": hook_id})),
        (
            "contact",
            json!({"endpoint_id": hook_id, "contact_type": "shared"}),
        ),
    ] {
        let (status, sub) = sbx
            .send(
                Method::POST,
                &format!("/api/v2/subscriptions/{family}"),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{sub}");
    }

    // Operators: added, then removed, each a change-log event on the call center.
    let office = s(&sbx.all("/api/v2/offices").await[0], "id").to_owned();
    let center = s(
        &sbx.all(&format!("/api/v2/offices/{office}/callcenters"))
            .await[0],
        "id",
    )
    .to_owned();
    let path = format!("/api/v2/callcenters/{center}/operators");
    let (_, ops) = sbx.get(&path).await;
    let current = ids(ops["users"].as_array().unwrap(), "id");
    let users = sbx.all("/api/v2/users?state=active").await;
    let newcomer = ids(&users, "id")
        .into_iter()
        .find(|id| !current.contains(id))
        .unwrap();
    for method in [Method::POST, Method::DELETE] {
        let (status, body) = sbx.send(method, &path, json!({"user_id": newcomer})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // Twenty concurrent patches of one contact: the events arrive in the order of
    // the changes, so the last one shows what the contact ended as.
    let contact = s(&sbx.all("/api/v2/contacts").await[0], "id").to_owned();
    let contact_path = format!("/api/v2/contacts/{contact}");
    let patches = (0..20).map(|i| {
        let sbx = &sbx;
        let contact_path = &contact_path;
        async move {
            sbx.send(
                Method::PATCH,
                contact_path,
                json!({"job_title": format!("title {i}")}),
            )
            .await
        }
    });
    for (status, body) in futures_util::future::join_all(patches).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let payloads = || -> Vec<Value> {
        receiver
            .all()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    };
    common::eventually(std::time::Duration::from_secs(10), "22 events", || {
        payloads().len() >= 22
    })
    .await;
    let events = payloads();
    let actions: Vec<&str> = events.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["operator_added", "operator_removed"]);
    let added = &events[0];
    assert_eq!(added["target"], json!({"type": "callcenter", "id": center}));
    assert_eq!(added["additional_data"]["user_id"], newcomer.as_str());
    let titles: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "updated")
        .map(|e| s(&e["contact"], "job_title"))
        .collect();
    assert_eq!(titles.len(), 20);
    let (_, now) = sbx.get(&contact_path).await;
    assert_eq!(titles.last().copied(), Some(s(&now, "job_title")));
    let dates: Vec<i64> = events
        .iter()
        .filter(|e| e["event"] == "updated")
        .map(|e| ms(e, "event_timestamp"))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
}

#[tokio::test]
async fn owner_id_lists_exactly_the_owners_local_contacts_as_they_change() {
    let sbx = TestSandbox::start(SandboxConfig {
        page_size: 7,
        ..config(3, 2_000)
    })
    .await;
    let everything = sbx.all("/api/v2/contacts?include_local=true").await;
    let owner = everything
        .iter()
        .find_map(|c| c["owner_id"].as_str())
        .unwrap()
        .to_owned();
    let expected = |all: &[Value]| -> Vec<String> {
        all.iter()
            .filter(|c| c["owner_id"] == owner.as_str())
            .map(|c| s(c, "id").to_owned())
            .collect()
    };
    let listed = |items: Vec<Value>| ids(&items, "id");
    let by_owner = format!("/api/v2/contacts?owner_id={owner}");
    assert_eq!(listed(sbx.all(&by_owner).await), expected(&everything));

    let (status, made) = sbx
        .send(
            Method::POST,
            "/api/v2/contacts",
            json!({"first_name": "Own", "last_name": "Contact", "owner_id": owner}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let first_own = expected(&everything)[0].clone();
    let (status, _) = sbx
        .send(
            Method::DELETE,
            &format!("/api/v2/contacts/{first_own}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let now = sbx.all("/api/v2/contacts?include_local=true").await;
    let want = expected(&now);
    assert!(want.contains(&s(&made, "id").to_owned()) && !want.contains(&first_own));
    assert_eq!(listed(sbx.all(&by_owner).await), want);
}

// ---------------------------------------------------------------- calls

#[tokio::test]
async fn calls_are_listed_newest_first_across_pages() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    assert_eq!(calls.len(), count(&counts(&sbx, 0).await, "calls"));
    let started: Vec<i64> = calls.iter().map(|c| ms(c, "date_started")).collect();
    assert!(started.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    for c in &calls {
        assert!(
            ["hangup", "missed", "voicemail"].contains(&s(c, "state")),
            "concluded only"
        );
    }
}

#[tokio::test]
async fn started_after_and_started_before_are_strict_bounds_that_hold_across_pages() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    let after = ms(&calls[150], "date_started");
    let before = ms(&calls[20], "date_started");
    let expected: Vec<&Value> = calls
        .iter()
        .filter(|c| ms(c, "date_started") > after && ms(c, "date_started") < before)
        .collect();
    assert_eq!(expected.len(), 129);
    let got = sbx
        .all(&format!(
            "/api/v2/call?started_after={after}&started_before={before}"
        ))
        .await;
    assert_eq!(got.iter().collect::<Vec<_>>(), expected);
    let only_after = sbx
        .all(&format!("/api/v2/call?started_after={after}"))
        .await;
    assert_eq!(only_after.len(), 150);
    let only_before = sbx
        .all(&format!("/api/v2/call?started_before={before}"))
        .await;
    assert_eq!(only_before.len(), calls.len() - 21);
    assert!(
        sbx.all(&format!(
            "/api/v2/call?started_after={before}&started_before={after}"
        ))
        .await
        .is_empty()
    );
    let (status, body) = sbx.get("/api/v2/call?started_after=yesterday").await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
}

#[tokio::test]
async fn target_filter_answers_what_a_client_side_filter_of_the_full_list_does() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    let users = sbx.all("/api/v2/users").await;
    let office_of: HashMap<String, String> = users
        .iter()
        .map(|u| (s(u, "id").to_owned(), s(u, "office_id").to_owned()))
        .collect();

    let mut by_user: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_center: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_office: BTreeMap<String, usize> = BTreeMap::new();
    for c in &calls {
        assert_eq!(c["target"]["type"], "user");
        let user = s(&c["target"], "id").to_owned();
        *by_office.entry(office_of[&user].clone()).or_default() += 1;
        *by_user.entry(user).or_default() += 1;
        if let Some(ep) = c.get("entry_point_target") {
            assert_eq!(ep["type"], "callcenter");
            assert_eq!(c["group_id"], format!("CallCenter:{}", s(ep, "id")));
            *by_center.entry(s(ep, "id").to_owned()).or_default() += 1;
        }
    }
    assert!(
        !by_center.is_empty(),
        "the seed routes some calls through call centers"
    );

    for (user, n) in by_user.iter().take(5) {
        let got = sbx
            .all(&format!("/api/v2/call?target_type=user&target_id={user}"))
            .await;
        assert_eq!(got.len(), *n);
        assert!(got.iter().all(|c| c["target"]["id"] == user.as_str()));
    }
    for (center, n) in &by_center {
        let got = sbx
            .all(&format!(
                "/api/v2/call?target_type=callcenter&target_id={center}"
            ))
            .await;
        assert_eq!(got.len(), *n);
        assert!(
            got.iter()
                .all(|c| c["entry_point_target"]["id"] == center.as_str())
        );
    }
    for (office, n) in &by_office {
        let got = sbx
            .all(&format!(
                "/api/v2/call?target_type=office&target_id={office}"
            ))
            .await;
        assert_eq!(got.len(), *n, "office {office}");
        assert!(
            got.iter()
                .all(|c| office_of[s(&c["target"], "id")] == *office)
        );
    }
    // Unknown ids match nothing; a half filter or an unknown type is refused.
    assert!(
        sbx.all("/api/v2/call?target_type=user&target_id=12345")
            .await
            .is_empty()
    );
    for path in [
        "/api/v2/call?target_type=user",
        "/api/v2/call?target_id=12345",
        "/api/v2/call?target_type=planet&target_id=12345",
    ] {
        let (status, body) = sbx.get(path).await;
        assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");
    }
}

#[tokio::test]
async fn an_oauth_token_without_calls_list_scope_cannot_list_calls() {
    let sbx = TestSandbox::small().await;
    let without = sbx.oauth_token("offline_access").await;
    let (status, body) = sbx.get_as(&without, "/api/v2/call").await;
    assert_envelope(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // The same token still reads what needs no scope.
    let (status, _) = sbx.get_as(&without, "/api/v2/users/me").await;
    assert_eq!(status, StatusCode::OK);
    let with = sbx.oauth_token("calls:list").await;
    let (status, page) = sbx.get_as(&with, "/api/v2/call").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn seeded_calls_involve_only_the_users_own_call_centers_and_contacts() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    let mut operators: HashMap<String, Vec<String>> = HashMap::new();
    let (mut via_center, mut with_local) = (0, 0);
    for call in &calls {
        let user = s(&call["target"], "id");
        if let Some(center) = call.get("entry_point_target") {
            let center = s(center, "id").to_owned();
            if !operators.contains_key(&center) {
                let (_, ops) = sbx
                    .get(&format!("/api/v2/callcenters/{center}/operators"))
                    .await;
                operators.insert(center.clone(), ids(ops["users"].as_array().unwrap(), "id"));
            }
            assert!(
                operators[&center].iter().any(|o| o == user),
                "{user} answers {center}'s calls"
            );
            via_center += 1;
        }
        match s(&call["contact"], "type") {
            "local" => {
                let (status, contact) = sbx
                    .get(&format!("/api/v2/contacts/{}", s(&call["contact"], "id")))
                    .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(
                    s(&contact, "owner_id"),
                    user,
                    "a local contact of the call's own user"
                );
                assert_eq!(call["contact"]["name"], contact["display_name"]);
                with_local += 1;
            }
            "shared" => {}
            "unknown" => assert_eq!(call["contact"]["id"], ""),
            other => panic!("contact type {other}"),
        }
    }
    assert!(
        via_center > 0 && with_local > 0,
        "{via_center} {with_local}"
    );
}

#[tokio::test]
async fn put_labels_replaces_a_calls_labels() {
    let sbx = TestSandbox::small().await;
    let (_, page) = sbx.get("/api/v2/call").await;
    let id = s(&page["items"][0], "call_id").to_owned();
    let path = format!("/api/v2/call/{id}/labels");
    let (status, call) = sbx
        .send(Method::PUT, &path, json!({"labels": ["vip", "renewal"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{call}");
    assert_eq!(call["labels"], json!(["vip", "renewal"]));
    let (_, call) = sbx
        .send(Method::PUT, &path, json!({"labels": ["churn"]}))
        .await;
    assert_eq!(call["labels"], json!(["churn"]));
    let (_, fetched) = sbx.get(&format!("/api/v2/call/{id}")).await;
    assert_eq!(fetched["labels"], json!(["churn"]));
    let (_, cleared) = sbx.send(Method::PUT, &path, json!({"labels": []})).await;
    assert_eq!(cleared["labels"], json!([]));
    let (status, body) = sbx
        .send(
            Method::PUT,
            "/api/v2/call/123/labels",
            json!({"labels": ["x"]}),
        )
        .await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
}

fn line_time(line: &Value) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s(line, "time"), "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

fn naive_ms(v: &Value, field: &str) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms(v, field))
        .unwrap()
        .naive_utc()
}

#[tokio::test]
async fn a_transcript_names_the_calls_own_speakers_in_time_order_and_never_changes() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    let mut checked = 0;
    let mut with_contact = 0;
    for call in calls.iter().filter(|c| c["state"] == "hangup") {
        let id = s(call, "call_id");
        let (status, transcript) = sbx.get(&format!("/api/v2/transcripts/{id}")).await;
        if status == StatusCode::NOT_FOUND {
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{transcript}");
        assert_eq!(s(&transcript, "call_id"), id);
        let lines = transcript["lines"].as_array().unwrap();
        assert!(lines.iter().any(|l| l["type"] == "transcript"));
        assert!(lines.iter().any(|l| l["type"] == "moment"));
        let (start, end) = (
            naive_ms(call, "date_connected"),
            naive_ms(call, "date_ended"),
        );
        let times: Vec<NaiveDateTime> = lines.iter().map(line_time).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "times ascend");
        assert!(
            times.iter().all(|t| *t >= start && *t <= end),
            "lines fall within the call"
        );
        for line in lines {
            assert!(["transcript", "moment"].contains(&s(line, "type")));
            match (line.get("user_id"), line.get("contact_id")) {
                (Some(user), None) => {
                    assert_eq!(user, &call["target"]["id"]);
                    assert_eq!(line["name"], call["target"]["name"]);
                }
                (None, contact) => {
                    assert_eq!(line["type"], "transcript");
                    assert_eq!(line["name"], call["contact"]["name"]);
                    let known = !s(&call["contact"], "id").is_empty();
                    assert_eq!(contact, known.then_some(&call["contact"]["id"]));
                    with_contact += usize::from(known);
                }
                (Some(_), Some(_)) => panic!("a line with two speakers: {line}"),
            }
        }
        let (_, again) = sbx.get(&format!("/api/v2/transcripts/{id}")).await;
        assert_eq!(again, transcript);
        let (status, url) = sbx.get(&format!("/api/v2/transcripts/{id}/url")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(s(&url, "url").contains(id));
        checked += 1;
        if checked == 10 {
            break;
        }
    }
    assert_eq!(checked, 10, "the seed has transcripts");
    assert!(
        with_contact > 0,
        "some transcripts speak with a known contact"
    );
}

#[tokio::test]
async fn a_missed_call_has_no_transcript() {
    let sbx = TestSandbox::small().await;
    let calls = sbx.all("/api/v2/call").await;
    let missed = calls.iter().find(|c| c["state"] == "missed").unwrap();
    let id = s(missed, "call_id");
    for path in [
        format!("/api/v2/transcripts/{id}"),
        format!("/api/v2/transcripts/{id}/url"),
    ] {
        let (status, body) = sbx.get(&path).await;
        assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    }
    let (status, body) = sbx.get("/api/v2/transcripts/98765").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
}

// ---------------------------------------------------------------- isolation and auth

#[tokio::test]
async fn a_company_cannot_see_or_touch_another_companys_records() {
    let sbx = TestSandbox::small().await;
    let b_key = sbx.info.companies[1].api_key.clone();
    let b_company = sbx.info.companies[1].company_id.clone();
    let a_user = s(&sbx.all("/api/v2/users").await[1], "id").to_owned();
    let a_contact = s(&sbx.all("/api/v2/contacts").await[0], "id").to_owned();
    let a_call = s(&sbx.get("/api/v2/call").await.1["items"][0], "call_id").to_owned();
    let a_office = s(&sbx.all("/api/v2/offices").await[0], "id").to_owned();
    let a_center = s(
        &sbx.all(&format!("/api/v2/offices/{a_office}/callcenters"))
            .await[0],
        "id",
    )
    .to_owned();
    for path in [
        format!("/api/v2/users/{a_user}"),
        format!("/api/v2/contacts/{a_contact}"),
        format!("/api/v2/call/{a_call}"),
        format!("/api/v2/transcripts/{a_call}"),
        format!("/api/v2/offices/{a_office}"),
        format!("/api/v2/offices/{a_office}/callcenters"),
        format!("/api/v2/callcenters/{a_center}"),
        format!("/api/v2/contacts?owner_id={a_user}"),
    ] {
        let (status, body) = sbx.get_as(&b_key, &path).await;
        assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    }
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v2/contacts/{a_contact}"),
            json!({"first_name": "X"}),
        ),
        (
            Method::DELETE,
            format!("/api/v2/contacts/{a_contact}"),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!("/api/v2/users/{a_user}"),
            Value::Null,
        ),
        (
            Method::PUT,
            format!("/api/v2/call/{a_call}/labels"),
            json!({"labels": ["x"]}),
        ),
    ] {
        let (status, body) = sbx.send_as(&b_key, method, &path, body).await;
        assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    }
    // A's records are untouched, and B's lists hold only B's.
    assert_eq!(
        sbx.get(&format!("/api/v2/contacts/{a_contact}")).await.0,
        StatusCode::OK
    );
    let (_, b_users) = sbx.get_as(&b_key, "/api/v2/users").await;
    assert!(
        b_users["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["company_id"] == b_company.as_str())
    );
    let (_, b_contacts) = sbx
        .get_as(&b_key, "/api/v2/contacts?include_local=true")
        .await;
    let a_contacts: HashSet<String> =
        ids(&sbx.all("/api/v2/contacts?include_local=true").await, "id")
            .into_iter()
            .collect();
    assert!(
        ids(b_contacts["items"].as_array().unwrap(), "id")
            .iter()
            .all(|id| !a_contacts.contains(id))
    );
    let (_, b_calls) = sbx.get_as(&b_key, "/api/v2/call").await;
    let a_calls: HashSet<String> = ids(&sbx.all("/api/v2/call").await, "call_id")
        .into_iter()
        .collect();
    assert!(
        ids(b_calls["items"].as_array().unwrap(), "call_id")
            .iter()
            .all(|id| !a_calls.contains(id))
    );
}

#[tokio::test]
async fn an_unknown_path_or_method_is_answered_in_the_envelope() {
    let sbx = TestSandbox::small().await;
    let (status, body) = sbx.get("/api/v2/no/such/thing").await;
    assert_envelope(status, &body, StatusCode::NOT_FOUND, "notFound");
    let (status, body) = sbx
        .send(Method::DELETE, "/api/v2/offices", Value::Null)
        .await;
    assert_envelope(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "methodNotAllowed",
    );
}

#[tokio::test]
async fn the_apikey_query_parameter_authenticates_like_a_bearer_token() {
    let sbx = TestSandbox::small().await;
    let resp = sbx
        .http
        .get(sbx.url(&format!("/api/v2/users/me?apikey={}", sbx.key())))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(s(&me, "id"), sbx.info.companies[0].admin_user_id);
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_a_401_in_the_envelope() {
    let sbx = TestSandbox::small().await;
    let (status, body) = sbx.get_as("dpsbx_not_a_key", "/api/v2/users").await;
    assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");
    for request in [
        sbx.http.get(sbx.url("/api/v2/users")),
        sbx.http.get(sbx.url("/api/v2/users?apikey=wrong")),
        sbx.http
            .get(sbx.url("/api/v2/users"))
            .header("Authorization", format!("Basic {}", sbx.key())),
    ] {
        let resp = request.send().await.unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_envelope(status, &body, StatusCode::UNAUTHORIZED, "required");
    }
}

#[tokio::test]
async fn an_api_key_made_through_the_control_api_works_and_survives_a_reset() {
    let sbx = TestSandbox::small().await;
    let (status, made) = sbx.control(Method::POST, "/api-keys", Value::Null).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let key = s(&made, "api_key").to_owned();
    assert_eq!(s(&made, "company_id"), sbx.info.company_id);
    let (status, me) = sbx.get_as(&key, "/api/v2/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s(&me, "id"), s(&made, "user_id"));

    let b = &sbx.info.companies[1];
    let b_users = sbx.get_as(&b.api_key, "/api/v2/users").await.1;
    let b_user = s(&b_users["items"][2], "id").to_owned();
    let (status, made_b) = sbx
        .control(
            Method::POST,
            "/api-keys",
            json!({"company_id": b.company_id, "user_id": b_user}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let key_b = s(&made_b, "api_key").to_owned();
    let (_, me_b) = sbx.get_as(&key_b, "/api/v2/users/me").await;
    assert_eq!(s(&me_b, "id"), b_user);

    let (status, _) = sbx.control(Method::POST, "/reset", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sbx.get_as(&key, "/api/v2/users/me").await.0, StatusCode::OK);
    assert_eq!(
        sbx.get_as(&key_b, "/api/v2/users/me").await.1["id"],
        b_user.as_str()
    );

    let (status, body) = sbx
        .control(Method::POST, "/api-keys", json!({"company_id": "1"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn listing_calls_needs_a_company_admin_api_key() {
    let sbx = TestSandbox::small().await;
    let users = sbx.all("/api/v2/users?state=active").await;
    let plain = users
        .iter()
        .find(|u| u["is_super_admin"] == false)
        .expect("an active user who is not a company admin");
    let (status, made) = sbx
        .control(
            Method::POST,
            "/api-keys",
            json!({"user_id": s(plain, "id")}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, body) = sbx.get_as(s(&made, "api_key"), "/api/v2/call").await;
    assert_envelope(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // The same key still reads what a user may read.
    assert_eq!(
        sbx.get_as(s(&made, "api_key"), "/api/v2/users/me").await.0,
        StatusCode::OK
    );
    assert_eq!(sbx.get("/api/v2/call").await.0, StatusCode::OK);
}

#[tokio::test]
async fn limit_is_honoured_up_to_100_and_every_fifth_larger_request_is_refused() {
    let sbx = TestSandbox::small().await;
    let (status, page) = sbx.get("/api/v2/contacts?limit=7").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 7);
    assert!(page["cursor"].is_string());
    let (status, body) = sbx.get("/api/v2/users?limit=0").await;
    assert_envelope(status, &body, StatusCode::BAD_REQUEST, "badRequest");

    // Dialpad: "Limit values of greater than 100 will only produce a page size of 100,
    // and a 400 Bad Request response will be produced 20% of the time". The sandbox
    // refuses exactly every fifth such request of a company.
    let mut refused = Vec::new();
    for i in 0..100 {
        let path = if i % 2 == 0 {
            "/api/v2/contacts?limit=500"
        } else {
            "/api/v2/users?limit=101"
        };
        let (status, body) = sbx.get(path).await;
        match status {
            StatusCode::OK => assert!(body["items"].as_array().unwrap().len() <= 100),
            StatusCode::BAD_REQUEST => refused.push(i),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(refused, (4..100).step_by(5).collect::<Vec<_>>());
    // Another company counts its own.
    let other = &sbx.info.companies[1].api_key;
    for _ in 0..4 {
        let (status, _) = sbx.get_as(other, "/api/v2/contacts?limit=500").await;
        assert_eq!(status, StatusCode::OK);
    }
}

// ---------------------------------------------------------------- company admin

/// Every operation the sandbox serves whose description in Dialpad's spec says
/// "Requires a company admin API key" refuses another user's key with 403 (before
/// looking at the path or body), and no other operation does.
#[tokio::test]
async fn operations_the_spec_reserves_for_company_admins_refuse_other_keys() {
    use patchbay_dialpad_sandbox::api::served::{COMPANY_ADMIN, ROUTES};
    let sbx = TestSandbox::small().await;
    let spec = spec::Spec::load();
    let plain = sbx
        .all("/api/v2/users?state=active&company_admin=false")
        .await;
    let key = key_for(&sbx, s(&plain[0], "id")).await;
    let mut admin_only = 0;
    for &(method, template) in ROUTES {
        let description = spec.operation(method, template)["description"]
            .as_str()
            .unwrap_or_default();
        let needs_admin = description.contains("Requires a company admin API key");
        assert_eq!(
            COMPANY_ADMIN.contains(&(method, template)),
            needs_admin,
            "{method} {template}: the table disagrees with the spec"
        );
        // Ids that name nothing: the answer is the auth check's or a 4xx of the
        // handler, and nothing is changed.
        let path = template
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let method: Method = method.parse().unwrap();
        let (status, body) = if method == Method::GET {
            sbx.get_as(&key, &path).await
        } else {
            sbx.send_as(&key, method.clone(), &path, json!({})).await
        };
        if needs_admin {
            admin_only += 1;
            assert_envelope(status, &body, StatusCode::FORBIDDEN, "forbidden");
            let (status, body) = if method == Method::GET {
                sbx.get(&path).await
            } else {
                sbx.send(method.clone(), &path, json!({})).await
            };
            assert_ne!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} (admin): {body}"
            );
        } else {
            assert_ne!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        }
    }
    assert!(admin_only >= 17, "{admin_only} admin-only operations");
}

#[tokio::test]
async fn an_oauth_token_reaches_admin_operations_only_for_a_company_admin() {
    let sbx = TestSandbox::small().await;
    // The helper authorizes as the first company's admin.
    let admin = sbx.oauth_token("calls:list").await;
    assert_eq!(
        sbx.get_as(&admin, "/api/v2/company").await.0,
        StatusCode::OK
    );
    assert_eq!(sbx.get_as(&admin, "/api/v2/call").await.0, StatusCode::OK);
    // Demoted, the same token is refused.
    let me = sbx.get_as(&admin, "/api/v2/users/me").await.1;
    let path = format!("/api/v2/users/{}", s(&me, "id"));
    let (status, body) = sbx
        .send(Method::PATCH, &path, json!({"is_super_admin": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = sbx.get_as(&admin, "/api/v2/company").await;
    assert_envelope(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        sbx.get_as(&admin, "/api/v2/users/me").await.0,
        StatusCode::OK
    );
}

// ---------------------------------------------------------------- bodies

#[tokio::test]
async fn an_oversized_body_is_a_413_in_the_envelope() {
    let sbx = TestSandbox::small().await;
    let big = json!({"first_name": "Big", "last_name": "Body", "urls": ["x".repeat(3 << 20)]});
    let (status, body) = sbx.send(Method::POST, "/api/v2/contacts", big).await;
    assert_envelope(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "requestEntityTooLarge",
    );
}
