//! Tenant isolation on the webhook routes the endpoint test does not cover: another
//! tenant's key gets 404 from every `/v1/webhooks/*` route that names an endpoint or a
//! delivery, and the owner's endpoint is unchanged afterwards. (The proxy's is pinned in
//! proxy.rs: `connections_of_other_tenants_and_unknown_ones_are_not_found`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::World;
use common::receiver::{Behaviour, Receiver};
use serde_json::json;

#[tokio::test]
async fn another_tenant_gets_404_from_every_webhook_route_and_changes_nothing() {
    let world = World::start(3).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let me = world.as_tenant(&world.tenant);
    let created = me
        .post(
            "/v1/webhooks/endpoints",
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .ok(201);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/webhooks/endpoints/{id}");
    me.post(&format!("{path}/test"), json!({})).await.ok(202);
    let deadline = Instant::now() + Duration::from_secs(20);
    let delivery = loop {
        let list = me.get(&format!("{path}/deliveries")).await.ok(200);
        if let Some(d) = list["data"][0]["id"].as_str() {
            break d.to_owned();
        }
        assert!(Instant::now() < deadline, "no delivery listed: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let other = world.other_tenant("Intruder").await;
    let them = world.as_tenant(&other);
    them.patch(&path, json!({"description": "mine now"}))
        .await
        .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    them.get(&format!("{path}/secret"))
        .await
        .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    for action in ["enable", "disable", "rotate-secret", "test"] {
        them.post(&format!("{path}/{action}"), json!({}))
            .await
            .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    }
    them.post(
        &format!("{path}/replay?since=2020-01-01T00:00:00Z"),
        json!({}),
    )
    .await
    .err(404, "WEBHOOK_ENDPOINT_NOT_FOUND");
    let retried = them
        .post(
            &format!("/v1/webhooks/deliveries/{delivery}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(retried.status.as_u16(), 404);

    let mine = me.get(&path).await.ok(200);
    assert_eq!(mine["enabled"], true);
    assert!(mine["description"] != "mine now", "{mine}");
    assert_eq!(
        me.get(&format!("{path}/secret")).await.ok(200)["secret"],
        created["secret"]
    );
}
