//! `/v1/resources/*` end to end: the real gateway over the real sandbox, each supported
//! operation of each model, paging, filters, expand, custom fields, and errors with codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every id of a list, following `next`, checking each page's size.
async fn all_ids(world: &World, path: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let page = world.acme().get(&url).await.ok(200);
        let page_ids = ids(&page);
        assert!(page_ids.len() <= limit, "a page is larger than limit");
        out.extend(page_ids);
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

#[tokio::test]
async fn paging_through_1000_contacts_with_limit_7_yields_each_exactly_once() {
    // size 1250: 1,000 shared contacts and 250 local ones.
    let world = World::start(1250).await;
    let got = all_ids(&world, "/v1/resources/genericContact", 7).await;
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "a contact came back twice");
    // What Dialpad itself lists, page by page (shared and local contacts).
    let mut expected = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v2/contacts?include_local=true&cursor={c}"),
            None => "/api/v2/contacts?include_local=true".to_owned(),
        };
        let page = world.dialpad(Method::GET, &path, None).await;
        for item in page["items"].as_array().unwrap() {
            expected.insert(item["id"].as_str().unwrap().to_owned());
        }
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(expected.len(), 1250);
    assert_eq!(unique.len(), expected.len());
    assert!(got.iter().all(|id| expected.contains(id)));
}

#[tokio::test]
async fn default_page_is_50_and_limit_is_bounded() {
    let world = World::start(200).await;
    let page = world
        .acme()
        .get("/v1/resources/genericContact")
        .await
        .ok(200);
    assert_eq!(ids(&page).len(), 50);
    assert!(page["next"].is_string());
    for bad in ["0", "101", "ten"] {
        let body = world
            .acme()
            .get(&format!("/v1/resources/genericContact?limit={bad}"))
            .await
            .err(422, "VALIDATION_FAILED");
        assert_eq!(body["details"][0]["field"], "limit");
    }
}

#[tokio::test]
async fn forged_edited_or_borrowed_cursors_are_refused() {
    let world = World::start(200).await;
    let page = world
        .acme()
        .get("/v1/resources/genericContact?limit=5")
        .await
        .ok(200);
    let next = page["next"].as_str().unwrap().to_owned();
    // Edited: one character changed.
    let mut edited = next.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for cursor in [edited.as_str(), "not-a-cursor", "eyJ2IjoxfQ.AAAA"] {
        world
            .acme()
            .get(&format!("/v1/resources/genericContact?cursor={cursor}"))
            .await
            .err(400, "INVALID_CURSOR");
    }
    // Replayed with other filters.
    world
        .acme()
        .get(&format!(
            "/v1/resources/genericContact?cursor={next}&filters[visibility]=private"
        ))
        .await
        .err(400, "INVALID_CURSOR");
    // Replayed on another connection of the same tenant.
    let key = world.sandbox.info().api_key;
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/globex",
            json!({"credentials": {"type": "apiKey", "apiKey": key}}),
        )
        .await
        .ok(201);
    world
        .as_tenant(&world.tenant)
        .on("dialpad", "globex")
        .get(&format!("/v1/resources/genericContact?cursor={next}"))
        .await
        .err(400, "INVALID_CURSOR");
    // The genuine cursor still works.
    let second = world
        .acme()
        .get(&format!(
            "/v1/resources/genericContact?limit=5&cursor={next}"
        ))
        .await
        .ok(200);
    assert!(ids(&second).iter().all(|id| !ids(&page).contains(id)));
}

#[tokio::test]
async fn contacts_are_created_read_updated_listed_and_deleted() {
    let world = World::start(50).await;
    let created = world
        .acme()
        .post(
            "/v1/resources/genericContact",
            json!({
                "firstName": "Ada", "lastName": "Lovelace", "companyName": "Analytical",
                "jobTitle": "Engineer", "email": "ada@example.com",
                "phones": ["+14155550100", "+14155550101"],
                "urls": ["https://ada.example.com"], "extension": "42"
            }),
        )
        .await
        .ok(201);
    assert_eq!(created["object"], "resourceRef");
    assert_eq!(created["model"], "genericContact");
    let id = created["id"].as_str().unwrap().to_owned();

    // Dialpad holds what we sent, in its own names.
    let raw = world
        .dialpad(Method::GET, &format!("/api/v2/contacts/{id}"), None)
        .await;
    assert_eq!(raw["first_name"], "Ada");
    assert_eq!(raw["company_name"], "Analytical");
    assert_eq!(raw["phones"][0], "+14155550100");

    let got = world
        .acme()
        .get(&format!("/v1/resources/genericContact/{id}"))
        .await
        .ok(200);
    assert_eq!(got["object"], "resource");
    assert_eq!(got["fields"]["firstName"], "Ada");
    assert_eq!(got["fields"]["email"], "ada@example.com");
    assert_eq!(got["fields"]["phone"], "+14155550100");
    assert_eq!(got["fields"]["visibility"], "shared");
    assert!(got.get("rawResource").is_none());
    assert!(got.get("createdAt").is_some() && got.get("updatedAt").is_some());

    let updated = world
        .acme()
        .patch(
            &format!("/v1/resources/genericContact/{id}?returnResource=true"),
            json!({"jobTitle": "Countess", "extension": null}),
        )
        .await
        .ok(200);
    assert_eq!(updated["object"], "resource");
    assert_eq!(updated["fields"]["jobTitle"], "Countess");
    assert!(updated["fields"]["extension"].is_null());
    assert_eq!(updated["fields"]["lastName"], "Lovelace");

    world
        .acme()
        .delete(&format!("/v1/resources/genericContact/{id}"))
        .await
        .ok(204);
    world
        .acme()
        .get(&format!("/v1/resources/genericContact/{id}"))
        .await
        .err(404, "RESOURCE_NOT_FOUND");
}

#[tokio::test]
async fn private_contacts_have_an_owner_and_filter_by_owner_and_visibility() {
    let world = World::start(100).await;
    let users = world
        .acme()
        .get("/v1/resources/genericUser?limit=1&filters[status]=active")
        .await
        .ok(200);
    let owner = users["data"][0]["id"].as_str().unwrap().to_owned();
    let created = world
        .acme()
        .post(
            "/v1/resources/genericContact?returnResource=true&expand=owner",
            json!({"firstName": "Pia", "lastName": "Private", "visibility": "private", "owner": owner}),
        )
        .await
        .ok(201);
    assert_eq!(created["fields"]["visibility"], "private");
    assert_eq!(created["fields"]["owner"]["object"], "resource");
    assert_eq!(created["fields"]["owner"]["model"], "genericUser");
    assert_eq!(created["fields"]["owner"]["id"], owner.as_str());

    let page = world
        .acme()
        .get(&format!(
            "/v1/resources/genericContact?limit=100&filters[owner]={owner}"
        ))
        .await
        .ok(200);
    let data = page["data"].as_array().unwrap();
    assert!(data.iter().any(|c| c["id"] == created["id"]));
    assert!(
        data.iter()
            .all(|c| c["fields"]["owner"]["id"] == owner.as_str())
    );

    let page = world
        .acme()
        .get("/v1/resources/genericContact?limit=100&filters[visibility]=shared")
        .await
        .ok(200);
    assert!(
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["fields"]["visibility"] == "shared")
    );
    // An owner on a shared contact is refused before Dialpad is called.
    let body = world
        .acme()
        .post(
            "/v1/resources/genericContact",
            json!({"firstName": "X", "lastName": "Y", "visibility": "shared", "owner": owner}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    assert!(
        body["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "owner")
    );
}

#[tokio::test]
async fn writes_are_validated_before_dialpad_is_called() {
    let world = World::start(20).await;
    world
        .control(Method::DELETE, "/_sandbox/counters", json!({}))
        .await;
    let body = world
        .acme()
        .post("/v1/resources/genericContact", json!({"firstName": "Ada"}))
        .await
        .err(422, "VALIDATION_FAILED");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"lastName"), "{body}");

    let body = world
        .acme()
        .post(
            "/v1/resources/genericContact",
            json!({"firstName": "A", "lastName": "B", "email": "nope", "shoeSize": 44}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    let codes: Vec<(&str, &str)> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["field"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("email", "invalid_email")), "{body}");
    assert!(codes.contains(&("shoeSize", "unknown_field")), "{body}");

    let body = world
        .acme()
        .post("/v1/resources/genericUser", json!({"firstName": "Nobody"}))
        .await
        .err(422, "VALIDATION_FAILED");
    let text = body.to_string();
    assert!(
        text.contains("email") && text.contains("workspace"),
        "{body}"
    );

    let body = world
        .acme()
        .post("/v1/resources/telephonyCall", json!({}))
        .await
        .err(422, "VALIDATION_FAILED");
    let text = body.to_string();
    assert!(
        text.contains("externalNumber") && text.contains("users"),
        "{body}"
    );

    world
        .acme()
        .call(Method::POST, "/v1/resources/genericContact")
        .header("content-type", "application/json")
        .0
        .body("{not json")
        .send()
        .await
        .map(|r| assert_eq!(r.status(), 400))
        .unwrap();
    world
        .acme()
        .call(Method::POST, "/v1/resources/genericContact")
        .header("content-type", "text/plain")
        .0
        .body("{}")
        .send()
        .await
        .map(|r| assert_eq!(r.status(), 415))
        .unwrap();
    world
        .acme()
        .post("/v1/resources/genericContact", json!(["a"]))
        .await
        .err(422, "VALIDATION_FAILED");

    // Nothing reached Dialpad's write routes.
    let counters = world
        .control(Method::GET, "/_sandbox/counters", json!({}))
        .await;
    let text = counters.to_string();
    assert!(!text.contains("POST /api/v2/contacts"), "{counters}");
    assert!(!text.contains("POST /api/v2/users"), "{counters}");
    assert!(!text.contains("POST /api/v2/call"), "{counters}");
}

#[tokio::test]
async fn unsupported_operations_say_what_is_supported() {
    let world = World::start(20).await;
    let calls = world
        .acme()
        .get("/v1/resources/telephonyCall?limit=1")
        .await
        .ok(200);
    let call_id = calls["data"][0]["id"].as_str().unwrap().to_owned();
    let body = world
        .acme()
        .delete(&format!("/v1/resources/telephonyCall/{call_id}"))
        .await
        .err(501, "OPERATION_NOT_SUPPORTED");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("telephonyCall::list"), "{message}");
    assert!(message.contains("telephonyCall::retrieve"), "{message}");

    let workspaces = world
        .acme()
        .get("/v1/resources/genericWorkspace")
        .await
        .ok(200);
    let office = workspaces["data"][0]["id"].as_str().unwrap().to_owned();
    world
        .acme()
        .delete(&format!("/v1/resources/genericWorkspace/{office}"))
        .await
        .err(501, "OPERATION_NOT_SUPPORTED");
    world
        .acme()
        .post(
            "/v1/resources/telephonyCallTranscript",
            json!({"call": call_id}),
        )
        .await
        .err(501, "OPERATION_NOT_SUPPORTED");
    world
        .acme()
        .get("/v1/resources/genericThing")
        .await
        .err(404, "MODEL_NOT_FOUND");
}

#[tokio::test]
async fn users_list_filter_expand_and_write() {
    let world = World::start(200).await;
    let active = world
        .acme()
        .get("/v1/resources/genericUser?limit=100&filters[status]=active&expand=workspace")
        .await
        .ok(200);
    let data = active["data"].as_array().unwrap();
    assert!(!data.is_empty());
    assert!(data.iter().all(|u| u["fields"]["status"] == "active"));
    assert!(
        data.iter()
            .all(|u| u["fields"]["workspace"]["object"] == "resource"
                && u["fields"]["workspace"]["model"] == "genericWorkspace")
    );
    let email = data[0]["fields"]["email"].as_str().unwrap().to_owned();
    let by_email = world
        .acme()
        .get(&format!("/v1/resources/genericUser?filters[email]={email}"))
        .await
        .ok(200);
    assert_eq!(ids(&by_email), [data[0]["id"].as_str().unwrap()]);
    // A suspended or pending user exists in the seed, and is not "active".
    let all = all_ids(&world, "/v1/resources/genericUser", 100).await;
    assert!(all.len() > data.len());

    let workspace = data[0]["fields"]["workspace"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = world
        .acme()
        .post(
            "/v1/resources/genericUser?returnResource=true",
            json!({"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper", "workspace": workspace}),
        )
        .await
        .ok(201);
    assert_eq!(created["fields"]["email"], "grace@example.com");
    assert_eq!(created["fields"]["workspace"]["id"], workspace.as_str());
    let id = created["id"].as_str().unwrap().to_owned();
    let updated = world
        .acme()
        .patch(
            &format!("/v1/resources/genericUser/{id}?returnResource=true"),
            json!({"jobTitle": "Rear Admiral"}),
        )
        .await
        .ok(200);
    assert_eq!(updated["fields"]["jobTitle"], "Rear Admiral");
    world
        .acme()
        .delete(&format!("/v1/resources/genericUser/{id}"))
        .await
        .ok(204);
}

#[tokio::test]
async fn workspaces_list_and_retrieve_with_status_filter() {
    let world = World::start(200).await;
    let page = world
        .acme()
        .get("/v1/resources/genericWorkspace?filters[status]=active")
        .await
        .ok(200);
    let data = page["data"].as_array().unwrap();
    assert!(!data.is_empty());
    assert!(data.iter().all(|w| w["fields"]["status"] == "active"));
    assert!(data.iter().any(|w| w["fields"]["isPrimary"] == true));
    let id = data[0]["id"].as_str().unwrap();
    let one = world
        .acme()
        .get(&format!(
            "/v1/resources/genericWorkspace/{id}?fields=name&raw=true"
        ))
        .await
        .ok(200);
    assert!(one["fields"]["name"].is_string());
    assert!(one["fields"].get("timezone").is_none());
    assert_eq!(one["rawResource"]["id"].to_string().trim_matches('"'), id);
}

#[tokio::test]
async fn calls_filter_by_time_and_user_and_expand_users() {
    let world = World::start(100).await;
    let page = world
        .acme()
        .get("/v1/resources/telephonyCall?limit=20&expand=users")
        .await
        .ok(200);
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 20);
    let first = &data[0];
    assert!(first["fields"]["startedAt"].is_string());
    let statuses: HashSet<&str> = data
        .iter()
        .map(|c| c["fields"]["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| ["completed", "missed", "voicemail"].contains(s)),
        "{statuses:?}"
    );
    let user = first["fields"]["users"][0].clone();
    assert_eq!(user["object"], "resource");
    let user_id = user["id"].as_str().unwrap();

    let by_user = world
        .acme()
        .get(&format!(
            "/v1/resources/telephonyCall?limit=100&filters[user]={user_id}"
        ))
        .await
        .ok(200);
    assert!(by_user["data"].as_array().unwrap().iter().all(|c| {
        c["fields"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == user_id)
    }));

    let started = first["fields"]["startedAt"].as_str().unwrap();
    let window = world
        .acme()
        .get(&format!(
            "/v1/resources/telephonyCall?limit=100&filters[startedAfter]={started}&filters[startedBefore]=2100-01-01T00:00:00Z"
        ).replace('+', "%2B"))
        .await
        .ok(200);
    let got = window["data"].as_array().unwrap();
    assert!(got.iter().any(|c| c["id"] == first["id"]));
    assert!(
        got.iter()
            .all(|c| c["fields"]["startedAt"].as_str().unwrap() >= started)
    );
}

#[tokio::test]
async fn a_call_is_placed_then_hung_up_and_labelled() {
    let world = World::start(100).await;
    let users = world
        .acme()
        .get("/v1/resources/genericUser?limit=1&filters[status]=active")
        .await
        .ok(200);
    let user = users["data"][0]["id"].as_str().unwrap().to_owned();
    let placed = world
        .acme()
        .post(
            "/v1/resources/telephonyCall?returnResource=true",
            json!({"externalNumber": "+14155550123", "users": [user]}),
        )
        .await
        .ok(201);
    let status = placed["fields"]["status"].as_str().unwrap();
    assert!(["planned", "inProgress"].contains(&status), "{placed}");
    let id = placed["id"].as_str().unwrap().to_owned();
    let ended = world
        .acme()
        .patch(
            &format!("/v1/resources/telephonyCall/{id}?returnResource=true"),
            json!({"status": "completed", "labels": ["vip"]}),
        )
        .await
        .ok(200);
    assert_eq!(ended["fields"]["labels"], json!(["vip"]));
    assert_ne!(ended["fields"]["status"], "inProgress");
    // Dialpad saw the hang-up and the labels.
    let raw = world
        .dialpad(Method::GET, &format!("/api/v2/call/{id}"), None)
        .await;
    assert_ne!(raw["state"], "connected", "{raw}");
}

#[tokio::test]
async fn transcripts_need_a_call_or_a_window_and_map_lines() {
    let world = World::start(200).await;
    world
        .acme()
        .get("/v1/resources/telephonyCallTranscript")
        .await
        .err(400, "BAD_REQUEST");
    let window = world
        .acme()
        .get("/v1/resources/telephonyCallTranscript?limit=5&filters[startedAfter]=2000-01-01T00:00:00Z&expand=call")
        .await
        .ok(200);
    let data = window["data"].as_array().unwrap();
    assert!(!data.is_empty(), "the seed has transcribed calls");
    let t = &data[0];
    assert_eq!(t["fields"]["call"]["object"], "resource");
    assert_eq!(t["fields"]["call"]["id"], t["id"]);
    let call_id = t["id"].as_str().unwrap();
    let one = world
        .acme()
        .get(&format!(
            "/v1/resources/telephonyCallTranscript?filters[call]={call_id}"
        ))
        .await
        .ok(200);
    assert_eq!(ids(&one), [call_id]);
    let got = world
        .acme()
        .get(&format!("/v1/resources/telephonyCallTranscript/{call_id}"))
        .await
        .ok(200);
    assert!(got["fields"]["segments"].is_array());
    assert!(got["fields"]["speakers"].is_array());
}

#[tokio::test]
async fn custom_fields_read_and_write_through_json_pointers() {
    let world = World::start(20).await;
    let tenant = world.as_tenant(&world.tenant);
    let declared = tenant
        .post(
            "/v1/models/genericContact/custom-fields",
            json!({
                "key": "trunkGroup", "name": "Trunk group", "type": "text",
                "readPointer": "/trunk_group", "writePointer": "/trunk_group",
                "writableOnCreate": true, "writableOnUpdate": true
            }),
        )
        .await
        .ok(201);
    assert_eq!(declared["key"], "trunkGroup");
    tenant
        .post(
            "/v1/models/genericContact/custom-fields",
            json!({"key": "displayName", "name": "Display name", "type": "text", "readPointer": "/display_name"}),
        )
        .await
        .ok(201);
    // A standard key cannot be shadowed; a duplicate key conflicts.
    tenant
        .post(
            "/v1/models/genericContact/custom-fields",
            json!({"key": "firstName", "name": "F", "type": "text", "readPointer": "/x"}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    tenant
        .post(
            "/v1/models/genericContact/custom-fields",
            json!({"key": "trunkGroup", "name": "T", "type": "text", "readPointer": "/x"}),
        )
        .await
        .err(409, "CONFLICT");

    let fields = world
        .acme()
        .get("/v1/models/genericContact/fields")
        .await
        .ok(200);
    let custom: Vec<&Value> = fields["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["isCustom"] == true)
        .collect();
    assert_eq!(custom.len(), 2);
    assert!(
        fields["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"] == "firstName" && f["isCustom"] == false)
    );

    let created = world
        .acme()
        .post(
            "/v1/resources/genericContact?returnResource=true",
            json!({"firstName": "Tess", "lastName": "Trunk", "trunkGroup": "tg-7"}),
        )
        .await
        .ok(201);
    assert_eq!(created["fields"]["trunkGroup"], "tg-7");
    let id = created["id"].as_str().unwrap().to_owned();
    let raw = world
        .dialpad(Method::GET, &format!("/api/v2/contacts/{id}"), None)
        .await;
    assert_eq!(raw["trunk_group"], "tg-7");

    // Projection can name custom keys; read-only custom fields refuse writes.
    let projected = world
        .acme()
        .get(&format!(
            "/v1/resources/genericContact/{id}?fields=firstName,trunkGroup"
        ))
        .await
        .ok(200);
    let keys: HashSet<&str> = projected["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains("firstName") && keys.contains("trunkGroup") && !keys.contains("displayName")
    );
    assert!(projected.get("rawResource").is_none());
    let body = world
        .acme()
        .patch(
            &format!("/v1/resources/genericContact/{id}"),
            json!({"displayName": "X"}),
        )
        .await
        .err(422, "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["code"], "read_only");
    world
        .acme()
        .patch(
            &format!("/v1/resources/genericContact/{id}"),
            json!({"trunkGroup": "tg-8"}),
        )
        .await
        .ok(200);
    let raw = world
        .dialpad(Method::GET, &format!("/api/v2/contacts/{id}"), None)
        .await;
    assert_eq!(raw["trunk_group"], "tg-8");

    // Another tenant sees none of it.
    let other = world.other_tenant("Other").await;
    let listed = world
        .as_tenant(&other)
        .get("/v1/models/genericContact/custom-fields")
        .await
        .ok(200);
    assert_eq!(listed["data"], json!([]));
}
