//! `export`: `patchbay export` of every call of a large account (100,000 by default)
//! against a ten times smaller one, in a child process whose peak memory is read from
//! `/proc`: records per second, and memory that stays flat as the account grows.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::time::{Duration, Instant};

use crate::Common;
use crate::harness::{self, Error, OWNER, Options};
use crate::report::{Table, mib, peak_rss, ratio};

struct Measured {
    records: usize,
    distinct: usize,
    secs: f64,
    peak: u64,
}

pub async fn run(common: &Common) -> Result<String, Error> {
    let small = measure(common, common.calls / 10).await?;
    let large = measure(common, common.calls).await?;
    let mut table = Table::new(&[
        "account",
        "records",
        "distinct ids",
        "seconds",
        "records/s",
        "peak RSS MiB",
        "memory ratio to the small account",
    ]);
    for (name, m) in [("small", &small), ("large", &large)] {
        table.row(vec![
            name.to_owned(),
            m.records.to_string(),
            m.distinct.to_string(),
            format!("{:.1}", m.secs),
            format!("{:.0}", m.records as f64 / m.secs),
            mib(m.peak),
            ratio(m.peak as f64, small.peak as f64),
        ]);
    }
    Ok(format!(
        "### export\n\n`patchbay export --model telephonyCall` (NDJSON to a file) in a child \
         process, against sandboxes of {} and {} calls:\n\n{}",
        common.calls / 10,
        common.calls,
        table.render()
    ))
}

async fn measure(common: &Common, calls: u32) -> Result<Measured, Error> {
    let setup = harness::start_with(
        &Options {
            size: calls,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    let output = setup.dir.join("calls.ndjson");
    let started = Instant::now();
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["patchbay", "export", "--connection"])
        .arg(format!("dialpad/{OWNER}"))
        .args(["--model", "telephonyCall", "--format", "ndjson", "--output"])
        .arg(&output)
        .arg("--database")
        .arg(&setup.database_url)
        .env("PATCHBAY_ENCRYPTION_KEY", &setup.keyring)
        .env("PATCHBAY_DIALPAD_BASE_URL", setup.sandbox.url())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id().ok_or("the export exited at once")?;
    let mut peak = 0;
    let status = loop {
        if let Some(rss) = peak_rss(pid) {
            peak = peak.max(rss);
        }
        tokio::select! {
            status = child.wait() => break status?,
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    };
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("patchbay export failed: {status}").into());
    }
    let mut records = 0;
    let mut ids = HashSet::new();
    for line in std::io::BufReader::new(std::fs::File::open(&output)?).lines() {
        let line = line?;
        records += 1;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && let Some(id) = v["id"].as_str()
        {
            ids.insert(id.to_owned());
        }
    }
    setup.stop().await;
    Ok(Measured {
        records,
        distinct: ids.len(),
        secs,
        peak,
    })
}
