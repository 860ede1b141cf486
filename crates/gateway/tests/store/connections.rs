//! Connections: upsert, filters, keyset paging, status and operations, delete.

use patchbay_gateway::store::{ConnectionFilter, ConnectionStatus, StoreError};

use super::{new_store, ops};

#[tokio::test]
async fn connections_upsert_list_by_filter_and_keyset_and_delete() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (created, is_new) = store
        .upsert_connection(&t.id, "dialpad", "owner-b", &ops(&["genericContact::list"]))
        .await
        .unwrap();
    assert!(is_new);
    assert_eq!(created.status, ConnectionStatus::AwaitingAuthorization);
    assert!(created.credentials.is_none());
    let (again, is_new) = store
        .upsert_connection(
            &t.id,
            "dialpad",
            "owner-b",
            &ops(&["telephonyCall::list", "genericUser::retrieve"]),
        )
        .await
        .unwrap();
    assert!(!is_new);
    assert_eq!(again.id, created.id);
    assert_eq!(again.created_at, created.created_at);
    assert_eq!(
        again.operations,
        ops(&["telephonyCall::list", "genericUser::retrieve"])
    );

    for owner in ["owner-a", "owner-c", "owner-d", "owner-e"] {
        store
            .upsert_connection(&t.id, "dialpad", owner, &[])
            .await
            .unwrap();
    }
    store
        .upsert_connection(&t.id, "aircall", "owner-z", &[])
        .await
        .unwrap();
    let c = store
        .connection(&t.id, "dialpad", "owner-c")
        .await
        .unwrap()
        .unwrap();
    store
        .set_status(&c.id, ConnectionStatus::Unauthorized)
        .await
        .unwrap();

    // Keyset paging yields every connection once, in (connector, owner) order.
    let mut seen = Vec::new();
    let mut filter = ConnectionFilter {
        limit: 2,
        ..ConnectionFilter::default()
    };
    loop {
        let page = store.list_connections(&t.id, &filter).await.unwrap();
        let Some(last) = page.last() else { break };
        filter.after = Some((last.connector_id.clone(), last.owner_id.clone()));
        seen.extend(
            page.iter()
                .map(|c| format!("{}/{}", c.connector_id, c.owner_id)),
        );
    }
    assert_eq!(
        seen,
        [
            "aircall/owner-z",
            "dialpad/owner-a",
            "dialpad/owner-b",
            "dialpad/owner-c",
            "dialpad/owner-d",
            "dialpad/owner-e"
        ]
    );
    let dialpad_only = ConnectionFilter {
        connector_id: Some("dialpad".into()),
        ..ConnectionFilter::default()
    };
    assert_eq!(
        store
            .list_connections(&t.id, &dialpad_only)
            .await
            .unwrap()
            .len(),
        5
    );
    let unauthorized = ConnectionFilter {
        status: Some(ConnectionStatus::Unauthorized),
        ..ConnectionFilter::default()
    };
    let found = store.list_connections(&t.id, &unauthorized).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].owner_id, "owner-c");

    let updated = store
        .set_operations(&c.id, &ops(&["genericWorkspace::list"]))
        .await
        .unwrap();
    assert_eq!(updated.operations, ops(&["genericWorkspace::list"]));
    assert_eq!(
        store.connection_by_id(&c.id).await.unwrap().unwrap().status,
        ConnectionStatus::Unauthorized
    );

    let deleted = store
        .delete_connection(&t.id, "dialpad", "owner-c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deleted.id, c.id);
    assert!(
        store
            .connection(&t.id, "dialpad", "owner-c")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.connection_by_id(&c.id).await.unwrap().is_none());
    assert!(
        store
            .delete_connection(&t.id, "dialpad", "owner-c")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.set_status(&c.id, ConnectionStatus::Authorized).await,
        Err(StoreError::NotFound)
    ));
}
