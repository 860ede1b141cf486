//! The documentation's promises: every `sh` block of docs/api.md runs, in order, in one
//! shell, against a fresh `patchbay serve --sandbox` (so its curl examples work as
//! written), and docs/configuration.md documents every setting the binary reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/served.rs"]
mod served;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use served::{serve, stop, tempdir};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bodies of the fenced blocks tagged `lang`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l == format!("```{lang}") => current = Some(String::new()),
            (Some(body), "```") => {
                out.push(std::mem::take(body));
                current = None;
            }
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

#[test]
fn api_guide_examples_run_against_a_first_look() {
    for tool in ["curl", "jq", "bash"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(found.status.success(), "the docs test needs `{tool}`");
    }
    let guide = std::fs::read_to_string(repo().join("docs/api.md")).unwrap();
    let examples = blocks(&guide, "sh");
    assert!(examples.len() >= 8, "found {} examples", examples.len());
    let dir = tempdir();
    let served = serve(&dir);
    let url = served.ready["url"].as_str().unwrap().to_owned();
    let sandbox = served.ready["sandboxUrl"].as_str().unwrap().to_owned();
    let sk = served.ready["secretKey"].as_str().unwrap().to_owned();
    // The variables the guide asks for are the ones a first look prints.
    for printed in [&url, &sandbox, &sk] {
        assert!(
            served.printed.contains(printed.as_str()),
            "{}",
            served.printed
        );
    }
    // One shell, so variables carry from block to block; each block reports its number.
    // Whatever the guide starts in the background is stopped with it: a receiver left
    // running would hold the output open, and the test would wait on it for ever.
    let mut script =
        String::from("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
    for (i, block) in examples.iter().enumerate() {
        script.push_str(&format!("echo '### example {}' >&2\n{block}", i + 1));
    }
    // The guide calls `patchbay` itself (the webhook receiver): the binary under test.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_patchbay"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(&dir)
        .env("PATH", path)
        .env("PATCHBAY_URL", &url)
        .env("SANDBOX_URL", &sandbox)
        .env("SK", &sk)
        .output()
        .unwrap();
    stop(served);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
    let log_tail: Vec<&str> = log.lines().rev().take(40).collect();
    assert!(
        out.status.success(),
        "a docs/api.md example failed (the last `### example N` is the one):\n{stderr}\nstdout:\n{}\n\
         the gateway's log, last lines first:\n{}",
        String::from_utf8_lossy(&out.stdout),
        log_tail.join("\n")
    );
}

#[test]
fn configuration_reference_lists_every_setting() {
    let reference = std::fs::read_to_string(repo().join("docs/configuration.md")).unwrap();
    let mut settings = Vec::new();
    patchbay_gateway::cli::layers::collect_envs(
        &patchbay_gateway::cli::Cli::command(),
        &mut settings,
    );
    settings.push("PATCHBAY_ENCRYPTION_KEY".to_owned());
    let missing: Vec<&String> = settings
        .iter()
        .filter(|env| !reference.contains(&format!("`{env}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not document {missing:?}"
    );
}
