//! `genericWorkspace`: Dialpad's offices, listed (by status), retrieved, and not written.

use patchbay_core::{
    Connector, ConnectorError, CreateInput, ModelId, OperationKind, ProviderValues,
    SupportedFields, parse_create,
};
use patchbay_dialpad_sandbox::SandboxConfig;
use serde_json::json;

use crate::{Env, fields, ids};

const MODEL: ModelId = ModelId::GenericWorkspace;

#[tokio::test]
async fn offices_are_listed_retrieved_and_filtered_by_status() {
    // Enough users for several offices.
    let env = Env::start(SandboxConfig {
        size: 4000,
        companies: 1,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    let dialpad = env.dialpad_all("/api/v2/offices").await;
    assert!(dialpad.len() >= 3, "{}", dialpad.len());
    let all = env.list_all(MODEL, &[], 1).await;
    let expected: Vec<&str> = dialpad.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids(&all), expected);
    let primary = all
        .iter()
        .find(|w| fields(w)["isPrimary"] == true)
        .expect("a primary office");
    let f = fields(primary);
    assert!(f["name"].is_string() && f["timezone"].is_string() && f["country"].is_string());
    assert_eq!((primary.created_at, primary.updated_at), (None, None));

    let active = env.list_all(MODEL, &[("status", "active")], 2).await;
    let active_in_dialpad = env.dialpad_all("/api/v2/offices?active_only=true").await;
    assert_eq!(active.len(), active_in_dialpad.len());
    assert!(active.iter().all(|w| fields(w)["status"] == "active"));
    for status in ["suspended", "deleted"] {
        let listed = env.list_all(MODEL, &[("status", status)], 2).await;
        let expected = dialpad.iter().filter(|o| o["state"] == status).count();
        assert_eq!(listed.len(), expected, "{status}");
    }

    let one = env.retrieve_raw(MODEL, &primary.id).await;
    assert_eq!(one.fields, primary.fields);
    assert_eq!(
        one.raw_resource.unwrap(),
        env.dialpad(&format!("/api/v2/offices/{}", primary.id))
            .await
    );
    for missing in ["primary", "1234567890123456"] {
        let err = env.retrieve(MODEL, missing).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::NotFound { .. }),
            "{missing}: {err:?}"
        );
    }
}

#[tokio::test]
async fn workspaces_cannot_be_written_through_dialpad() {
    let env = Env::small().await;
    // The model allows a create; Dialpad's needs billing details it does not carry.
    let CreateInput::Workspace(input) =
        parse_create(SupportedFields::of_model(MODEL), &json!({"name": "Paris"})).unwrap()
    else {
        panic!()
    };
    let err = env
        .connector
        .create(
            &env.ctx(),
            CreateInput::Workspace(input),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unsupported { operation } if operation.kind == OperationKind::Create),
        "{err:?}"
    );
    let err = env
        .connector
        .delete(&env.ctx(), MODEL, "1")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported { .. }));
    assert_eq!(env.served("POST /api/v2/offices").await, 0);
}
