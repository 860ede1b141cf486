//! Reports against the sandbox: stats jobs (dedup inside the cache window, a new job after
//! it, the poll schedule, failures, typed rows and the streamed CSV, tenancy) and the
//! call-center reports (every page followed, rows flattened). Poll delays are shortened
//! and the sandbox's processing time too; nothing sleeps to wait, everything polls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{World, fast_reports, sandbox_config};
use patchbay_dialpad_sandbox::SandboxConfig;
use patchbay_gateway::reports::{ReportsConfig, SystemClock};
use reqwest::Method;
use serde_json::{Value, json};

const STATS: &str = "/v1/reports/dialpad/stats";
const STATUS_ROUTE: &str = "GET /api/v2/stats/{id}";
const POST_ROUTE: &str = "POST /api/v2/stats";

fn with_processing(ms: u64) -> SandboxConfig {
    SandboxConfig {
        stats_processing: Duration::from_millis(ms),
        ..sandbox_config(200)
    }
}

/// Requests the sandbox served on `route` (any status).
async fn served(world: &World, route: &str) -> u64 {
    let counters = world
        .control(Method::GET, "/_sandbox/counters", Value::Null)
        .await;
    counters["requests"][route]
        .as_object()
        .map_or(0, |by_status| {
            by_status.values().filter_map(Value::as_u64).sum()
        })
}

/// Reads the job until its status is one of `done`, or fails after the deadline.
async fn wait_for(world: &World, id: &str, done: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = world
            .acme()
            .get(&format!("/v1/reports/jobs/{id}"))
            .await
            .ok(200);
        if done.contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job never reached {done:?}: {job:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn last_week() -> Value {
    json!({"exportType": "records", "statType": "calls", "daysAgoStart": 1, "daysAgoEnd": 7})
}

#[tokio::test]
async fn a_job_is_polled_on_schedule_and_serves_typed_rows_and_the_original_csv() {
    let reports = ReportsConfig {
        first_poll: Duration::from_millis(1000),
        poll_interval: (Duration::from_millis(400), Duration::from_millis(500)),
        ..fast_reports()
    };
    let world = World::start_with_reports(with_processing(2500), reports).await;
    let posted = Instant::now();
    let job = world.acme().post(STATS, last_week()).await.ok(202);
    let id = job["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("job_"));
    assert_eq!(job["status"], "processing");
    assert_eq!(job["reused"], false);
    assert_eq!(
        job["connection"],
        json!({"connectorId": "dialpad", "ownerId": "acme"})
    );
    let request_id = job["dialpadRequestId"].as_str().unwrap().to_owned();
    // Nothing is read before the first poll is due.
    assert_eq!(served(&world, STATUS_ROUTE).await, 0);
    let created = chrono::DateTime::parse_from_rfc3339(job["createdAt"].as_str().unwrap()).unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(job["nextPollAt"].as_str().unwrap()).unwrap();
    assert!((next - created).num_milliseconds() >= 1000, "{job:#}");
    let csv_early = world
        .acme()
        .call(Method::GET, &format!("/v1/reports/jobs/{id}?format=csv"))
        .send_json()
        .await;
    csv_early.err(409, "CONFLICT");

    let done = wait_for(&world, &id, &["complete"]).await;
    let elapsed = posted.elapsed();
    let polls = served(&world, STATUS_ROUTE).await;
    assert_eq!(done["polls"].as_u64(), Some(polls));
    // First read at >= 1 s, then at least 400 ms apart: no more reads than that allows.
    let allowed = 1 + (elapsed.as_millis().saturating_sub(1000) / 400) as u64;
    assert!(
        (2..=allowed).contains(&polls),
        "{polls} reads in {elapsed:?} (at most {allowed})"
    );
    assert_eq!(served(&world, POST_ROUTE).await, 1);

    // JSON rows: typed where the column is known.
    let columns = done["columns"].as_array().unwrap();
    let kind = |name: &str| {
        columns
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["type"].clone())
            .unwrap()
    };
    assert_eq!(kind("talk_duration"), "number");
    assert_eq!(kind("was_recorded"), "boolean");
    assert_eq!(kind("call_id"), "string");
    let rows = done["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(row["talk_duration"].is_number(), "{row}");
        assert!(row["was_recorded"].is_boolean(), "{row}");
        assert!(row["call_id"].is_string(), "{row}");
    }

    // The CSV streamed is Dialpad's, byte for byte.
    let ours = world
        .http
        .get(format!(
            "{}/v1/reports/jobs/{id}?format=csv",
            world.gateway.url()
        ))
        .bearer_auth(&world.tenant.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), 200);
    assert!(
        ours.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let ours = ours.bytes().await.unwrap();
    let status = world
        .dialpad(Method::GET, &format!("/api/v2/stats/{request_id}"), None)
        .await;
    let theirs = world
        .http
        .get(status["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(done["csvBytes"].as_u64(), Some(ours.len() as u64));
    assert_eq!(
        rows.len() + 1,
        ours.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    );
}

#[tokio::test]
async fn identical_requests_share_a_job_inside_the_window_and_not_after_it() {
    let clock = Arc::new(SystemClock::default());
    let reports = ReportsConfig {
        clock: clock.clone(),
        ..fast_reports()
    };
    let world = World::start_with_reports(with_processing(200), reports).await;
    let first = world.acme().post(STATS, last_week()).await.ok(202);
    let again = world.acme().post(STATS, last_week()).await.ok(200);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["reused"], true);
    // The same days given as dates in UTC are the same request.
    let today = chrono::Utc::now().date_naive();
    let as_dates = json!({"exportType": "records", "statType": "calls",
        "from": (today - chrono::Days::new(7)).to_string(),
        "to": (today - chrono::Days::new(1)).to_string()});
    let same = world.acme().post(STATS, as_dates).await;
    // (Unless the UTC day turned between the two requests.)
    if chrono::Utc::now().date_naive() == today {
        assert_eq!(same.ok(200)["id"], first["id"]);
    }
    let today_job = world
        .acme()
        .post(
            STATS,
            json!({"exportType": "stats", "statType": "calls", "today": true}),
        )
        .await
        .ok(202);
    assert_ne!(today_job["id"], first["id"]);
    let posts = served(&world, POST_ROUTE).await;

    // 31 minutes on: today's window (30 min) is over, the days-back one (3 h) is not.
    clock.advance(Duration::from_secs(31 * 60));
    let today_again = world
        .acme()
        .post(
            STATS,
            json!({"exportType": "stats", "statType": "calls", "today": true}),
        )
        .await
        .ok(202);
    assert_ne!(today_again["id"], today_job["id"]);
    assert_eq!(
        world.acme().post(STATS, last_week()).await.ok(200)["id"],
        first["id"]
    );

    // Past 3 hours: a new job, and a new POST to Dialpad.
    clock.advance(Duration::from_secs(3 * 3600));
    let later = world.acme().post(STATS, last_week()).await.ok(202);
    assert_ne!(later["id"], first["id"]);
    assert_eq!(served(&world, POST_ROUTE).await, posts + 2);
    // The old job's CSV is dropped once its window is over.
    let old = wait_for(&world, first["id"].as_str().unwrap(), &["expired"]).await;
    assert!(old.get("rows").is_none());
}

#[tokio::test]
async fn dialpads_hourly_limit_on_stats_requests_is_kept_by_the_gateway() {
    // No status reads during the test: only the requests below reach Dialpad.
    let reports = ReportsConfig {
        first_poll: Duration::from_secs(3600),
        ..fast_reports()
    };
    let limited = SandboxConfig {
        rate_limits: true,
        ..with_processing(100)
    };
    let world = World::start_with_reports(limited, reports).await;
    // Connecting checked the credential outside the limiter (its company was not known
    // yet): let those calls leave Dialpad's one-second window.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let request =
        |days: u32| json!({"exportType": "records", "statType": "calls", "daysAgo": days});
    // Dialpad allows a company 200 an hour.
    for days in 1..=200 {
        world.acme().post(STATS, request(days)).await.ok(202);
    }
    let refused = world.acme().post(STATS, request(201)).await;
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    refused.err(429, "RATE_LIMITED");
    assert!(retry_after > 3000, "{retry_after}");
    // Dialpad saw the 200 its limit allows, and never had to refuse one.
    assert_eq!(served(&world, POST_ROUTE).await, 200);
    assert_eq!(world.sandbox_requests(POST_ROUTE, 429).await, 0);
}

#[tokio::test]
async fn a_failed_export_carries_dialpads_reason() {
    let world = World::start_with(with_processing(100)).await;
    let suspended = world
        .dialpad(Method::GET, "/api/v2/users?state=suspended", None)
        .await;
    let user = suspended["items"][0]["id"]
        .as_str()
        .expect("a suspended user")
        .to_owned();
    let job = world
        .acme()
        .post(
            STATS,
            json!({"exportType": "records", "statType": "calls", "daysAgo": 2,
                   "targetType": "user", "targetId": user}),
        )
        .await
        .ok(202);
    let failed = wait_for(&world, job["id"].as_str().unwrap(), &["failed", "complete"]).await;
    assert_eq!(failed["status"], "failed", "{failed:#}");
    assert!(
        failed["failure"].as_str().unwrap().contains("failed"),
        "{failed:#}"
    );
    assert!(failed.get("rows").is_none());
}

#[tokio::test]
async fn impossible_requests_are_refused_with_the_reason_and_never_reach_dialpad() {
    let world = World::start(20).await;
    let cases = [
        (
            json!({"exportType": "records", "statType": "calls", "today": true, "daysAgoStart": 1, "daysAgoEnd": 3}),
            "today cannot be mixed",
        ),
        (
            json!({"exportType": "records", "statType": "csat", "daysAgo": 1}),
            "needs a target",
        ),
        (
            json!({"exportType": "stats", "statType": "dispositions", "daysAgo": 1, "targetType": "user", "targetId": "1"}),
            "only as exportType `records`",
        ),
        (
            json!({"exportType": "records", "statType": "calls", "daysAgo": 1, "timezone": "Europe/Atlantis"}),
            "not an IANA time zone",
        ),
        (
            json!({"exportType": "records", "statType": "calls", "daysAgo": 1, "colour": "red"}),
            "unknown field",
        ),
    ];
    for (body, why) in cases {
        let answer = world.acme().post(STATS, body.clone()).await;
        let err = answer.err(422, "VALIDATION_FAILED");
        assert!(
            err["message"].as_str().unwrap().contains(why),
            "{body}: {err}"
        );
    }
    assert_eq!(served(&world, POST_ROUTE).await, 0);
}

#[tokio::test]
async fn jobs_belong_to_their_tenant_and_need_the_calls_grant() {
    let world = World::start_with(with_processing(100)).await;
    let job = world.acme().post(STATS, last_week()).await.ok(202);
    let id = job["id"].as_str().unwrap();
    let other = world.other_tenant("Other SaaS").await;
    world
        .as_tenant(&other)
        .get(&format!("/v1/reports/jobs/{id}"))
        .await
        .err(404, "NOT_FOUND");
    world
        .as_tenant(&other)
        .on("dialpad", "acme")
        .post(STATS, last_week())
        .await
        .err(404, "CONNECTION_NOT_FOUND");
    world
        .anonymous()
        .get(&format!("/v1/reports/jobs/{id}"))
        .await
        .err(401, "UNAUTHENTICATED");

    // A connection not granted `telephonyCall::list` cannot read stats (calls' data).
    let key = world.sandbox.info().api_key;
    world
        .as_tenant(&world.tenant)
        .post(
            "/v1/connections/dialpad/contacts-only",
            json!({"operations": ["genericContact::list"],
                   "credentials": {"type": "apiKey", "apiKey": key}}),
        )
        .await
        .ok(201);
    let limited = world
        .as_tenant(&world.tenant)
        .on("dialpad", "contacts-only");
    limited
        .post(STATS, last_week())
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
    limited
        .get("/v1/reports/dialpad/offices")
        .await
        .err(403, "OPERATION_NOT_ALLOWED");
}

#[tokio::test]
async fn call_center_reports_follow_every_page_and_flatten_rows() {
    // Pages of 2 items make every list span several pages.
    let world = World::start_with(SandboxConfig {
        page_size: 2,
        ..sandbox_config(2000)
    })
    .await;
    let companies = world
        .control(Method::GET, "/_sandbox/companies", Value::Null)
        .await;
    let company_id = world.sandbox.info().company_id;
    let company = companies["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["company_id"] == company_id.as_str())
        .unwrap()
        .clone();

    let offices = world
        .acme()
        .get("/v1/reports/dialpad/offices")
        .await
        .ok(200);
    let rows = offices["data"].as_array().unwrap();
    assert_eq!(rows.len() as u64, company["offices"].as_u64().unwrap());
    assert!(rows.len() > 2, "the office list spans pages");
    let columns: Vec<&str> = offices["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(columns.contains(&"id") && columns.contains(&"name"));
    for row in rows {
        assert_eq!(row.as_object().unwrap().len(), columns.len());
        assert!(
            row.as_object()
                .unwrap()
                .values()
                .all(|v| !v.is_object() && !v.is_array())
        );
    }

    let mut centers = 0;
    let mut a_center = None;
    for office in rows {
        let id = office["id"].as_str().unwrap();
        let list = world
            .acme()
            .get(&format!("/v1/reports/dialpad/offices/{id}/callcenters"))
            .await
            .ok(200);
        let data = list["data"].as_array().unwrap();
        centers += data.len();
        if !data.is_empty() {
            assert!(data.iter().all(|r| {
                r.as_object()
                    .unwrap()
                    .values()
                    .all(|v| !v.is_object() && !v.is_array())
            }));
        }
        if let Some(c) = data.first() {
            a_center.get_or_insert(c["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(centers as u64, company["call_centers"].as_u64().unwrap());

    let center = a_center.expect("a call center");
    let operators = world
        .acme()
        .get(&format!(
            "/v1/reports/dialpad/callcenters/{center}/operators"
        ))
        .await
        .ok(200);
    let direct = world
        .dialpad(
            Method::GET,
            &format!("/api/v2/callcenters/{center}/operators"),
            None,
        )
        .await;
    let expected = direct["users"].as_array().map_or(0, Vec::len)
        + direct["rooms"].as_array().map_or(0, Vec::len);
    assert_eq!(operators["data"].as_array().unwrap().len(), expected);
    assert!(
        operators["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["callCenterId"] == center.as_str())
    );

    // CSV: a header and one record per office.
    let csv = world
        .http
        .get(format!(
            "{}/v1/reports/dialpad/offices?format=csv",
            world.gateway.url()
        ))
        .bearer_auth(&world.tenant.secret)
        .header("x-connector-id", "dialpad")
        .header("x-owner-id", "acme")
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header.split(',').count(), columns.len());
    assert!(text.lines().count() > rows.len());

    world
        .acme()
        .get("/v1/reports/dialpad/offices/999/callcenters")
        .await
        .err(404, "NOT_FOUND");
    world
        .acme()
        .get("/v1/reports/dialpad/offices?format=xml")
        .await
        .err(400, "BAD_REQUEST");
}
