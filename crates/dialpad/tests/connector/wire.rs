//! What goes on the wire: the credential as a bearer token, Patchbay's user agent, and
//! never Dialpad's deprecated `limit`, whatever page size the caller asks for; and costly
//! look-ups skipped when the caller does not read what they are for.

use std::sync::{Arc, Mutex};

use patchbay_core::{Connector as _, Credential, FieldSelection, ModelId, RetrieveOptions};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{Env, options};

/// A fake Dialpad answering every request with an empty page; it keeps each request's head.
async fn recorder() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&request).into_owned());
            let body = r#"{"items": []}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, heads)
}

#[tokio::test]
async fn requests_carry_the_credential_and_user_agent_and_never_limit() {
    let env = Env::small().await;
    let (url, heads) = recorder().await;
    let connector = env.connector_with(|c| c.base_url = url.parse().unwrap());
    let key = env.ctx_as(Credential::api_key("dpsbx_key"));
    let token = env.ctx_as(Credential::bearer("oauth-token"));
    for limit in [7, 100] {
        connector
            .list(
                &key,
                ModelId::GenericContact,
                &options(ModelId::GenericContact, &[], limit),
            )
            .await
            .unwrap();
    }
    let users = options(
        ModelId::GenericUser,
        &[("email", "ada@example.com"), ("status", "active")],
        3,
    );
    connector
        .list(&token, ModelId::GenericUser, &users)
        .await
        .unwrap();
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 3);
    for head in &heads {
        let lower = head.to_ascii_lowercase();
        assert!(!lower.contains("limit="), "{head}");
        assert!(
            lower.contains(&format!(
                "user-agent: patchbay/{}",
                env!("CARGO_PKG_VERSION")
            )),
            "{head}"
        );
        assert!(lower.contains("accept: application/json"), "{head}");
    }
    assert!(
        heads[0].starts_with("GET /api/v2/contacts?include_local=true HTTP/1.1"),
        "{}",
        heads[0]
    );
    assert!(
        heads[0].contains("authorization: Bearer dpsbx_key")
            || heads[0].contains("Authorization: Bearer dpsbx_key")
    );
    assert!(
        heads[2].starts_with("GET /api/v2/users?state=active&email=ada%40example.com HTTP/1.1"),
        "{}",
        heads[2]
    );
    assert!(
        heads[2]
            .to_ascii_lowercase()
            .contains("authorization: bearer oauth-token")
    );
}

#[tokio::test]
async fn transcript_look_ups_are_skipped_when_the_caller_does_not_read_transcript() {
    let env = Env::small().await;
    let model = ModelId::TelephonyCall;
    let mut selected = options(model, &[], 20);
    selected.fields = Some(FieldSelection::parse(model, ["status", "users"]).unwrap());
    let page = env.list(model, &selected).await.unwrap();
    assert_eq!(page.data.len(), 20);
    assert_eq!(env.served("GET /api/v2/transcripts/{call_id}/url").await, 0);

    let id = page.data[0].id.clone();
    let options = RetrieveOptions {
        fields: Some(FieldSelection::parse(model, ["status"]).unwrap()),
        ..RetrieveOptions::default()
    };
    env.connector
        .retrieve(&env.ctx(), model, &id, &options)
        .await
        .unwrap();
    assert_eq!(env.served("GET /api/v2/transcripts/{call_id}/url").await, 0);

    let all = env
        .list(model, &crate::options(model, &[], 20))
        .await
        .unwrap();
    assert!(env.served("GET /api/v2/transcripts/{call_id}/url").await > 0);
    assert!(
        all.data
            .iter()
            .any(|c| c.fields.as_call().unwrap().transcript.is_some())
    );
}
