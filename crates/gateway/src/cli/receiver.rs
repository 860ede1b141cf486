//! `patchbay webhook-receiver`: a local endpoint for trying webhooks. It answers every POST
//! with 204 and prints one JSON line per delivery (its `webhook-id`, the event's type and
//! id, whether its Standard Webhooks signature verifies with `--secret`, and the event),
//! so a first look can watch events arrive.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use subtle::ConstantTimeEq as _;

use super::migrate::print_stdout;
use super::{CliError, shutdown_signal};
use crate::webhooks::sign;

/// How far a delivery's timestamp may be from now, as Standard Webhooks libraries allow.
const TOLERANCE_SECS: i64 = 5 * 60;

#[derive(Debug, clap::Args)]
pub struct ReceiverArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    pub listen: SocketAddr,
    /// The endpoint's signing secret (`whsec_…`), to verify each delivery's signature.
    #[arg(long, env = "PATCHBAY_RECEIVER_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
}

pub async fn run(args: ReceiverArgs) -> Result<(), CliError> {
    let key = match &args.secret {
        None => None,
        Some(secret) => Some(sign::secret_key(secret).ok_or_else(|| {
            CliError::Invalid("--secret: not a whsec_ secret (copy it from the endpoint)".into())
        })?),
    };
    let app = Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(Arc::new(key));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    print_stdout(&format!(
        "{}\n",
        json!({"ready": true, "url": format!("http://{addr}/")})
    ))?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn receive(
    State(key): State<Arc<Option<Vec<u8>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (id, timestamp, signatures) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let verified = key
        .as_deref()
        .map(|key| verify(key, &id, &timestamp, &signatures, &body));
    let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let line = json!({
        "webhookId": id,
        "type": event["type"],
        "verified": verified,
        "event": event,
    });
    let _ = print_stdout(&format!("{line}\n"));
    if verified == Some(false) {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::NO_CONTENT
    }
}

/// Whether one of the space-separated `v1,` signatures matches, within the tolerance.
fn verify(key: &[u8], id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> bool {
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - ts).abs() > TOLERANCE_SECS {
        return false;
    }
    let expected = sign::signature(key, id, ts, body);
    signatures
        .split_whitespace()
        .any(|candidate| bool::from(candidate.as_bytes().ct_eq(expected.as_bytes())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn signatures_verify_with_the_secret_and_within_the_tolerance() {
        let secret = sign::new_secret();
        let key = sign::secret_key(&secret).unwrap();
        let now = chrono::Utc::now().timestamp();
        let good = sign::signature(&key, "evt_1", now, b"{}");
        assert!(verify(
            &key,
            "evt_1",
            &now.to_string(),
            &format!("v1,old {good}"),
            b"{}"
        ));
        assert!(!verify(&key, "evt_2", &now.to_string(), &good, b"{}"));
        let old = now - 3600;
        let stale = sign::signature(&key, "evt_1", old, b"{}");
        assert!(!verify(&key, "evt_1", &old.to_string(), &stale, b"{}"));
    }
}
