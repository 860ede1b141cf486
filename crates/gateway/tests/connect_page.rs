//! The Connect page in a real (headless Chromium) browser: an end user opens the page of a
//! session, clicks Connect, allows access on the sandbox's consent page, and lands on a
//! readable success page while the connection becomes `authorized`; the popup variant tells
//! its opener. Also the page's security headers and its answers to bad links.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::World;
use common::browser::Browser;
use patchbay_gateway::server::DialpadApp;
use serde_json::{Value, json};

/// A gateway whose OAuth app shows the sandbox's consent page (Allow / Deny).
async fn world() -> World {
    World::bare_with_app(
        common::sandbox_config(20),
        Some(DialpadApp::RegisterWithSandbox { consent: true }),
    )
    .await
}

async fn connect_url(world: &World, owner: &str, query: &str) -> String {
    let made = world
        .as_tenant(&world.tenant)
        .post(
            &format!("/v1/connections/dialpad/{owner}/sessions"),
            json!({"connection": {"operations": ["genericContact::list", "telephonyCall::list"]}}),
        )
        .await
        .ok(201);
    format!("{}{query}", made["connectUrl"].as_str().unwrap())
}

async fn connection(world: &World, owner: &str) -> Value {
    world
        .as_tenant(&world.tenant)
        .get(&format!("/v1/connections/dialpad/{owner}"))
        .await
        .ok(200)
}

#[tokio::test]
async fn an_end_user_connects_through_the_connect_page_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let world = world().await;
    let url = connect_url(&world, "browser-user", "").await;
    browser.goto(&url).await;
    let button = browser.wait_for("#connect").await;
    let heading = browser.wait_for("h1").await;
    assert!(browser.text(&heading).await.contains("Acme SaaS"));
    let status = browser.wait_for("#status").await;
    assert_eq!(browser.text(&status).await, "Not connected yet");
    // The token leaves the address bar once the page has read it.
    assert!(!browser.url().await.contains("session="));
    browser.click(&button).await;

    // The sandbox's consent page.
    let allow = browser.wait_for("button[value=allow]").await;
    assert!(browser.url().await.starts_with(&world.sandbox.url()));
    browser.click(&allow).await;

    let outcome = browser.wait_for("#outcome").await;
    assert_eq!(
        browser.attribute(&outcome, "data-status").await.as_deref(),
        Some("authorized")
    );
    assert_eq!(browser.text(&outcome).await, "Connected");
    assert!(browser.url().await.starts_with(&format!(
        "{}/connect/done?status=authorized",
        world.gateway.url()
    )));
    browser.quit().await;

    let connection = connection(&world, "browser-user").await;
    assert_eq!(connection["status"], "authorized");
    assert_eq!(connection["credentialType"], "oauth");
    world
        .as_tenant(&world.tenant)
        .on("dialpad", "browser-user")
        .get("/v1/resources/telephonyCall?limit=2")
        .await
        .ok(200);
}

#[tokio::test]
async fn the_popup_variant_tells_its_opener() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let world = world().await;
    let url = connect_url(&world, "popup-user", "&display=popup").await;
    browser.goto(&url).await;
    let main = browser.window().await;
    let button = browser.wait_for("#connect").await;
    browser.click(&button).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let popup = loop {
        if let Some(handle) = browser.windows().await.into_iter().find(|h| *h != main) {
            break handle;
        }
        assert!(Instant::now() < deadline, "no popup opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    browser.switch_to(&popup).await;
    let allow = browser.wait_for("button[value=allow]").await;
    browser.click(&allow).await;
    // The popup reports to its opener and closes itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    while browser.windows().await.len() > 1 {
        assert!(Instant::now() < deadline, "the popup did not close");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.switch_to(&main).await;
    let status = browser.wait_for("#status.success").await;
    assert_eq!(browser.text(&status).await, "Connected");
    browser.quit().await;
    assert_eq!(
        connection(&world, "popup-user").await["status"],
        "authorized"
    );
}

#[tokio::test]
async fn the_connect_page_is_self_contained_and_refuses_bad_links() {
    let world = world().await;
    let url = connect_url(&world, "headers", "").await;
    let response = world.raw.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers().clone();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    let html = response.text().await.unwrap();
    // Nothing from elsewhere: every script and stylesheet is the gateway's own.
    for foreign in ["http://", "https://", "//fonts", "<script>"] {
        let outside = html
            .match_indices(foreign)
            .filter(|(i, _)| !html[*i..].starts_with(&world.gateway.url()))
            .count();
        assert_eq!(outside, 0, "`{foreign}` in {html}");
    }
    for asset in ["/connect/assets/connect.js", "/connect/assets/connect.css"] {
        let r = world
            .raw
            .get(format!("{}{asset}", world.gateway.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
    for (query, status) in [("", 400), ("?session=nope", 401)] {
        let page = world
            .open(&format!("{}/connect{query}", world.gateway.url()))
            .await;
        assert_eq!(page.status.as_u16(), status, "{query}");
        assert!(
            page.body.to_lowercase().contains("start again"),
            "{}",
            page.body
        );
    }
}
