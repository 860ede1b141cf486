//! The admin commands of the built `patchbay` binary against a fresh database (SQLite, or
//! PostgreSQL with `PATCHBAY_TEST_DATABASE_URL`): migrate, tenants, keys, encryption.
//! Output is read the way an operator's script would: stdout only, JSON where asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/db.rs"]
mod db;

use std::process::{Command, Output};

use patchbay_core::Secret;
use patchbay_gateway::crypto::{Keyring, blob_key_id};
use patchbay_gateway::store::{ConnectionStatus, Credentials, Store, TenantId};
use serde_json::Value;

/// Runs `patchbay ARGS` against `database`, with `PATCHBAY_ENCRYPTION_KEY` only if given.
fn patchbay(database: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchbay"));
    cmd.args(args)
        .env("PATCHBAY_DATABASE_URL", database)
        .env("RUST_LOG", "warn")
        .env_remove("PATCHBAY_ENCRYPTION_KEY")
        .env_remove("PATCHBAY_LOG_FORMAT");
    if let Some(key) = key {
        cmd.env("PATCHBAY_ENCRYPTION_KEY", key);
    }
    cmd.output().expect("run patchbay")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "patchbay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap()
}

fn failure(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure, got success");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn migrate_prints_what_it_applied_then_up_to_date() {
    let url = db::test_database_url().await;
    let first = stdout(&patchbay(&url, None, &["migrate"]));
    assert!(first.contains("applied 0001 tenants and keys"), "{first}");
    assert!(first.contains("applied 0002 connections"), "{first}");
    let second = stdout(&patchbay(&url, None, &["migrate"]));
    assert!(second.contains("up to date"), "{second}");
    assert!(!second.contains("applied"), "{second}");
}

#[tokio::test]
async fn tenants_and_keys_are_managed_without_an_encryption_key() {
    let url = db::test_database_url().await;
    let created = json(&patchbay(
        &url,
        None,
        &["tenants", "create", "--name", "Acme", "--json"],
    ));
    let tenant = created["tenantId"].as_str().unwrap().to_owned();
    let first_secret = created["secretKey"].as_str().unwrap().to_owned();
    let first_key = created["secretKeyId"].as_str().unwrap().to_owned();
    assert!(tenant.starts_with("ten_"));
    assert_eq!(created["name"], "Acme");
    assert!(
        created["publishableKey"]
            .as_str()
            .unwrap()
            .starts_with("pk_")
    );
    assert!(first_secret.starts_with("sk_") && first_key.starts_with("key_"));

    let human = stdout(&patchbay(
        &url,
        None,
        &["tenants", "create", "--name", "Beta"],
    ));
    assert!(
        human.contains("secret key:") && human.contains("sk_"),
        "{human}"
    );
    let listed = json(&patchbay(&url, None, &["tenants", "list", "--json"]));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme", "Beta"]);

    let second = json(&patchbay(
        &url,
        None,
        &[
            "keys", "create", "--tenant", &tenant, "--name", "ci", "--json",
        ],
    ));
    let second_secret = second["secretKey"].as_str().unwrap().to_owned();
    assert_eq!(second["name"], "ci");
    assert_eq!(second["tenantId"], tenant.as_str());

    let list_out = patchbay(&url, None, &["keys", "list", "--tenant", &tenant, "--json"]);
    let list_text = stdout(&list_out);
    assert!(!list_text.contains(&first_secret) && !list_text.contains(&second_secret));
    let keys: Value = serde_json::from_str(&list_text).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert_eq!(keys[0]["keyId"], first_key.as_str());
    assert!(first_secret.starts_with(keys[0]["prefix"].as_str().unwrap()));

    let revoked = stdout(&patchbay(
        &url,
        None,
        &["keys", "revoke", "--tenant", &tenant, &first_key],
    ));
    assert!(revoked.contains(&first_key), "{revoked}");
    let again = failure(&patchbay(
        &url,
        None,
        &["keys", "revoke", "--tenant", &tenant, &first_key],
    ));
    assert!(
        again.contains("no live key") && again.contains("patchbay keys list"),
        "{again}"
    );
    let keys = json(&patchbay(
        &url,
        None,
        &["keys", "list", "--tenant", &tenant, "--json"],
    ));
    assert!(keys[0]["revokedAt"].is_string());
    assert!(keys[1]["revokedAt"].is_null());

    // What the gateway would see.
    let store = Store::open_without_keyring(&url).await.unwrap();
    assert!(
        store
            .authenticate(None, &first_secret)
            .await
            .unwrap()
            .is_none()
    );
    let auth = store
        .authenticate(None, &second_secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(auth.tenant_id.as_str(), tenant);
    store.close().await;
}

#[tokio::test]
async fn unknown_tenants_and_malformed_ids_are_named() {
    let url = db::test_database_url().await;
    let missing = TenantId::generate().to_string();
    let err = failure(&patchbay(
        &url,
        None,
        &["keys", "create", "--tenant", &missing],
    ));
    assert!(
        err.contains(&missing) && err.contains("patchbay tenants list"),
        "{err}"
    );
    let err = failure(&patchbay(
        &url,
        None,
        &["keys", "list", "--tenant", &missing],
    ));
    assert!(err.contains("no tenant"), "{err}");
    let err = failure(&patchbay(&url, None, &["keys", "list", "--tenant", "acme"]));
    assert!(err.contains("not a valid tenant id"), "{err}");
    let err = failure(&patchbay("mysql://x", None, &["migrate"]));
    assert!(
        err.contains("sqlite://") && err.contains("PATCHBAY_DATABASE_URL"),
        "{err}"
    );
}

#[tokio::test]
async fn generate_key_prints_a_keyring_entry() {
    let out = stdout(&patchbay(
        "sqlite::memory:",
        None,
        &["encryption", "generate-key", "--id", "k2"],
    ));
    let entry = out.trim();
    assert!(entry.starts_with("k2:"), "{entry}");
    assert_eq!(Keyring::parse(entry).unwrap().active_id(), "k2");
    let other = stdout(&patchbay(
        "sqlite::memory:",
        None,
        &["encryption", "generate-key"],
    ));
    assert_ne!(other.trim(), entry);
    Keyring::parse(other.trim()).unwrap();
    let err = failure(&patchbay(
        "sqlite::memory:",
        None,
        &["encryption", "generate-key", "--id", "a b"],
    ));
    assert!(err.contains("key id"), "{err}");
}

#[tokio::test]
async fn rotate_reencrypts_every_row_under_the_first_key() {
    let url = db::test_database_url().await;
    let store = Store::open(&url, db::test_keyring()).await.unwrap();
    store.migrate().await.unwrap();
    let (tenant, _) = store.create_tenant("T").await.unwrap();
    let mut ids = Vec::new();
    for owner in ["a", "b"] {
        let (conn, _) = store
            .upsert_connection(&tenant.id, "dialpad", owner, &[])
            .await
            .unwrap();
        let creds = Credentials::ApiKey {
            api_key: Secret::new(format!("dp-{owner}")),
        };
        store
            .set_credentials(&conn.id, Some(&creds), ConnectionStatus::Authorized)
            .await
            .unwrap();
        ids.push(conn.id);
    }

    let err = failure(&patchbay(&url, None, &["encryption", "rotate"]));
    assert!(
        err.contains("PATCHBAY_ENCRYPTION_KEY") && err.contains("patchbay encryption generate-key"),
        "{err}"
    );
    let new_key = db::keyring_entry("k2", 42);
    let wrong = failure(&patchbay(&url, Some(&new_key), &["encryption", "rotate"]));
    assert!(wrong.contains("`test`"), "names the missing key: {wrong}");

    let both = format!("{new_key},{}", db::test_keyring_spec());
    let report = json(&patchbay(
        &url,
        Some(&both),
        &["encryption", "rotate", "--json"],
    ));
    assert_eq!(report["activeKeyId"], "k2");
    assert_eq!(report["reencrypted"], 2);
    assert_eq!(report["alreadyCurrent"], 0);
    let text = stdout(&patchbay(&url, Some(&both), &["encryption", "rotate"]));
    assert!(
        text.contains("Re-encrypted 0") && text.contains("2 already"),
        "{text}"
    );

    let new_only = store.with_keyring(Keyring::parse(&new_key).unwrap());
    for id in &ids {
        let conn = new_only.connection_by_id(id).await.unwrap().unwrap();
        assert!(conn.credentials.is_some());
    }
    let raw = match new_only.pool() {
        patchbay_gateway::store::Pool::Sqlite(p) => {
            sqlx::query_as::<_, (Vec<u8>,)>("SELECT credentials FROM connections LIMIT 1")
                .fetch_one(p)
                .await
        }
        patchbay_gateway::store::Pool::Postgres(p) => {
            sqlx::query_as::<_, (Vec<u8>,)>("SELECT credentials FROM connections LIMIT 1")
                .fetch_one(p)
                .await
        }
    }
    .unwrap();
    assert_eq!(blob_key_id(&raw.0).unwrap(), "k2");
    store.close().await;
}

/// Runs `patchbay ARGS` in `dir` with only the given PATCHBAY_* variables set.
fn patchbay_in(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchbay"));
    cmd.args(args).current_dir(dir).env("RUST_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("PATCHBAY_") {
            cmd.env_remove(key);
        }
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run patchbay")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("patchbay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn config_layers_are_file_then_environment_then_flags() {
    let dir = temp_dir("layers");
    let key = Keyring::generate("k1");
    std::fs::write(
        dir.join("patchbay.toml"),
        format!(
            "listen = \"127.0.0.1:9001\"\npublic_url = \"https://file.example.com\"\n\
             encryption_key = \"{key}\"\n\
             [dialpad]\nclient_id = \"file-client\"\nclient_secret = \"file-secret-xyz\"\n\
             [database]\nurl = \"postgres://app:hunter2@db/patchbay\"\n"
        ),
    )
    .unwrap();
    let out = stdout(&patchbay_in(
        &dir,
        &[("PATCHBAY_PUBLIC_URL", "https://env.example.com")],
        &["config", "check", "--listen", "127.0.0.1:9002"],
    ));
    assert!(out.contains("listen = \"127.0.0.1:9002\"  # flag"), "{out}");
    assert!(
        out.contains("public_url = \"https://env.example.com\"  # environment PATCHBAY_PUBLIC_URL"),
        "{out}"
    );
    assert!(
        out.contains("dialpad_client_id = \"file-client\"  # file"),
        "{out}"
    );
    assert!(
        out.contains("dialpad_client_secret = \"***\"  # file"),
        "{out}"
    );
    assert!(
        out.contains("database_url = \"postgres://app:***@db/patchbay\"  # file"),
        "{out}"
    );
    assert!(out.contains("encryption_key = \"***\"  # file"), "{out}");
    assert!(
        out.contains("max_body_bytes = \"1048576\"  # default"),
        "{out}"
    );
    assert!(out.contains("configuration OK"), "{out}");
    for secret in ["file-secret-xyz", "hunter2", key.as_str()] {
        assert!(!out.contains(secret), "a secret was printed: {out}");
    }
}

#[test]
fn config_problems_name_the_setting_and_the_fix() {
    let dir = temp_dir("problems");
    std::fs::write(dir.join("patchbay.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    let err = failure(&patchbay_in(&dir, &[], &["config", "check"]));
    assert!(
        err.contains("sets `lisen`, which is not a setting"),
        "{err}"
    );
    assert!(err.contains("did you mean `listen`?"), "{err}");

    std::fs::write(dir.join("patchbay.toml"), "public_url = \"ftp://x\"\n").unwrap();
    let out = patchbay_in(&dir, &[], &["config", "check"]);
    let err = failure(&out);
    assert!(
        err.contains("encryption_key: PATCHBAY_ENCRYPTION_KEY is not set"),
        "{err}"
    );
    assert!(
        err.contains("public_url: `ftp://x` is not an http(s) URL"),
        "{err}"
    );

    std::fs::write(dir.join("patchbay.toml"), "listen = \"not an address\"\n").unwrap();
    let err = failure(&patchbay_in(&dir, &[], &["config", "check"]));
    assert!(err.contains("--listen"), "{err}");

    let err = failure(&patchbay_in(
        &dir,
        &[],
        &["--config", "missing.toml", "config", "check"],
    ));
    assert!(
        err.contains("cannot read the configuration file missing.toml"),
        "{err}"
    );
}
