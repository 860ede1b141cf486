//! Fan-out with the gateway killed: `patchbay serve` runs as a child process on the
//! campaign's database, is sent SIGKILL at random points of a fan-out and restarted each
//! time; every event must still arrive.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Child;

use super::fanout::{self, RETRY_SCHEDULE_MS};
use super::receiver::{Behaviour, Receiver};
use super::{Args, Outcome, Rng, poll};
use crate::Common;
use crate::harness::{self, Error, Options, Setup};

pub async fn fan_out_killed(common: &Common, args: &Args, rng: &mut Rng) -> Result<Outcome, Error> {
    let setup = harness::start_with(
        &Options {
            size: 10,
            database_url: common.database.clone(),
            rate_limits: false,
        },
        |_| {},
    )
    .await?;
    // Slow answers while the events go in, so that the kills land in the fan-out.
    let receiver = Receiver::start(
        Behaviour {
            fault_rate: 0.0,
            delay: Duration::from_millis(200),
        },
        rng.next(),
    )
    .await?;
    let hook = fanout::subscribe(&setup.gateway.url(), &setup, &receiver.url).await;
    let Setup {
        sandbox,
        gateway,
        dir,
        database_url,
        keyring,
        ..
    } = setup;
    // From here on only child processes serve the database.
    let _ = gateway.shutdown(Duration::from_secs(5)).await;
    let result = async {
        let hook = hook?;
        let sandbox_url = sandbox.url();
        let spawn = || serve(&database_url, &sandbox_url, &keyring);
        let (mut child, mut url) = spawn().await?;
        let started = Instant::now();
        let resent = fanout::ingest(&url, &hook, args.crash_events).await?;
        receiver.set_behaviour(Behaviour {
            fault_rate: 0.0,
            delay: Duration::from_millis(5),
        });
        let n = args.crash_events;
        let mut kills = Vec::new();
        for _ in 0..args.kills {
            let (done, _) = receiver.delivered();
            if done >= n {
                break;
            }
            let target = done + 1 + rng.below(((n - done) / 2) as u64) as usize;
            poll(Duration::from_secs(300), "the kill point", || {
                (receiver.delivered().0 >= target).then_some(())
            })
            .await?;
            child.start_kill()?;
            child.wait().await?;
            kills.push(receiver.delivered().0);
            (child, url) = spawn().await?;
        }
        let _ = &url;
        fanout::wait_for_all(&receiver, n).await?;
        let secs = started.elapsed().as_secs_f64();
        let _ = child.start_kill();
        let _ = child.wait().await;
        let (distinct, received) = receiver.delivered();
        Ok::<_, Error>(Outcome {
            campaign: "fan-out, gateway killed (SIGKILL) and restarted",
            expected: n,
            received,
            distinct,
            missing: n.saturating_sub(distinct),
            unexpected: distinct.saturating_sub(n),
            exactly_once: false,
            faults: format!(
                "kill -9 with {} delivered",
                kills
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            recoveries: format!("{} restarts, {resent} ingress POSTs resent", kills.len()),
            secs,
        })
    }
    .await;
    let _ = sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `patchbay serve` in a child process; answers it and its URL once it printed its ready
/// line.
async fn serve(database: &str, sandbox: &str, keyring: &str) -> Result<(Child, String), Error> {
    let schedule = RETRY_SCHEDULE_MS
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["patchbay", "serve", "--listen", "127.0.0.1:0"])
        .args(["--public-url", "http://patchbay.invalid"])
        .args(["--database", database, "--dialpad-base-url", sandbox])
        .env("PATCHBAY_ENCRYPTION_KEY", keyring)
        .env("PATCHBAY_WEBHOOK_DEV", "true")
        .env("PATCHBAY_WEBHOOK_LEASE_MS", "2000")
        .env("PATCHBAY_WEBHOOK_RETRY_SCHEDULE_MS", schedule)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("{\"ready\":true") {
                return serde_json::from_str::<serde_json::Value>(&line).ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or("patchbay serve printed no ready line")?;
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let url = ready["url"]
        .as_str()
        .ok_or("the ready line has no url")?
        .to_owned();
    Ok((child, url))
}
