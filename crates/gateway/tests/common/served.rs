//! Runs the built `patchbay serve --sandbox` in a directory, as a newcomer would, and
//! reads its ready line; stops it with SIGTERM and checks the exit.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Served {
    pub child: Child,
    pub ready: Value,
    pub printed: String,
}

/// Its log (standard error) goes to `serve.log` in `dir`.
pub fn serve(dir: &std::path::Path) -> Served {
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("PATCHBAY_ENCRYPTION_KEY")
        .env_remove("PATCHBAY_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if line.starts_with("{\"ready\":true") {
            ready = serde_json::from_str::<Value>(&line).ok();
            break;
        }
        printed.push_str(&line);
        printed.push('\n');
        if Instant::now() > deadline {
            break;
        }
    }
    match ready {
        Some(ready) => Served {
            child,
            ready,
            printed,
        },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve gave no ready line: {printed}");
        }
    }
}

pub fn stop(mut served: Served) {
    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = served.child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}

/// A new empty directory under the system temp dir.
pub fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "patchbay-serve-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
