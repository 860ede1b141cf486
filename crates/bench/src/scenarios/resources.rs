//! `resources`: a unified list and retrieve through the gateway against the same Dialpad
//! calls made straight to the sandbox, in the same run; then again with Dialpad taking
//! 20 ms per call (a latency fault), where a real deployment lives.

use reqwest::Method;
use serde_json::json;

use crate::Common;
use crate::harness::{self, Error, Options};
use crate::load::Load;
use crate::report::{LOAD_COLUMNS, Table, load_row};

pub async fn run(common: &Common) -> Result<String, Error> {
    let setup = harness::start_with(
        &Options {
            size: 500,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    let gw = setup.gateway.url();
    let sb = setup.sandbox.url();
    // An id both paths retrieve.
    let first: serde_json::Value = reqwest::Client::new()
        .get(format!("{gw}/v1/resources/genericContact?limit=1"))
        .headers(setup.gateway_headers())
        .send()
        .await?
        .json()
        .await?;
    let id = first["data"][0]["id"]
        .as_str()
        .ok_or("no contact to retrieve")?
        .to_owned();
    let load = |url: String, headers| Load {
        url,
        headers,
        connections: common.connections,
        duration: common.duration,
        warmup: common.warmup,
    };
    let mut out = String::from("### resources\n\n");
    for latency in [None, Some(20)] {
        if let Some(ms) = latency {
            setup
                .control(
                    Method::POST,
                    "/faults",
                    json!({"kind": "latency", "latency_ms": ms, "probability": 1.0}),
                )
                .await?;
        }
        let mut table = Table::new(LOAD_COLUMNS);
        let direct_list = load(
            format!("{sb}/api/v2/contacts?include_local=true"),
            setup.dialpad_headers(),
        )
        .run()
        .await;
        let gateway_list = load(
            format!("{gw}/v1/resources/genericContact?limit=100"),
            setup.gateway_headers(),
        )
        .run()
        .await;
        let direct_one = load(
            format!("{sb}/api/v2/contacts/{id}"),
            setup.dialpad_headers(),
        )
        .run()
        .await;
        let gateway_one = load(
            format!("{gw}/v1/resources/genericContact/{id}"),
            setup.gateway_headers(),
        )
        .run()
        .await;
        table.row(load_row("direct list (100 contacts)", &direct_list, None));
        table.row(load_row(
            "gateway list (limit=100)",
            &gateway_list,
            Some(&direct_list),
        ));
        table.row(load_row("direct retrieve", &direct_one, None));
        table.row(load_row(
            "gateway retrieve",
            &gateway_one,
            Some(&direct_one),
        ));
        out.push_str(&match latency {
            None => "In memory (the sandbox answers at once):\n\n".to_owned(),
            Some(ms) => format!("\nDialpad taking {ms} ms per call (latency fault):\n\n"),
        });
        out.push_str(&table.render());
    }
    setup.stop().await;
    Ok(out)
}
