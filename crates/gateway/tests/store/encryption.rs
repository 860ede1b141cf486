//! Credentials sealed at rest: round trip, bound to their row, wrong or missing keys,
//! rotation.

use patchbay_core::Secret;
use patchbay_gateway::crypto::{CryptoError, Keyring, blob_key_id};
use patchbay_gateway::store::{ConnectionFilter, ConnectionStatus, Credentials, StoreError};

use super::{api_key, db, new_store, raw_credentials, set_raw_credentials};

#[tokio::test]
async fn credentials_round_trip_sealed_at_rest_and_are_erased() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (conn, _) = store
        .upsert_connection(&t.id, "dialpad", "u1", &[])
        .await
        .unwrap();
    assert_eq!(conn.credentials_version, 0);

    let stored = store
        .set_credentials(
            &conn.id,
            Some(&api_key("dpkey-PLAINTEXT-123")),
            ConnectionStatus::Authorized,
        )
        .await
        .unwrap();
    assert_eq!(stored.status, ConnectionStatus::Authorized);
    assert_eq!(stored.credentials_version, 1);
    let read = store
        .connection(&t.id, "dialpad", "u1")
        .await
        .unwrap()
        .unwrap();
    let Some(Credentials::ApiKey { api_key }) = &read.credentials else {
        panic!("expected an API key, got {:?}", read.credentials);
    };
    assert_eq!(api_key.expose(), "dpkey-PLAINTEXT-123");
    assert!(!format!("{read:?}").contains("PLAINTEXT"));

    let raw = raw_credentials(&store, &conn.id).await.unwrap();
    assert!(
        !raw.windows(9).any(|w| w == b"PLAINTEXT"),
        "ciphertext holds the plaintext"
    );
    assert_eq!(blob_key_id(&raw).unwrap(), "test");

    let expires = chrono::DateTime::from_timestamp_millis(1_900_000_000_000).unwrap();
    let oauth = Credentials::OAuth {
        access_token: Secret::new("access-PLAINTEXT"),
        refresh_token: Some(Secret::new("refresh-PLAINTEXT")),
        expires_at: Some(expires),
        scopes: vec!["recordings_export".into()],
    };
    let stored = store
        .set_credentials(&conn.id, Some(&oauth), ConnectionStatus::Authorized)
        .await
        .unwrap();
    assert_eq!(stored.credentials_version, 2);
    let Some(Credentials::OAuth {
        access_token,
        refresh_token,
        expires_at,
        scopes,
    }) = store
        .connection_by_id(&conn.id)
        .await
        .unwrap()
        .unwrap()
        .credentials
    else {
        panic!("expected OAuth credentials");
    };
    assert_eq!(access_token.expose(), "access-PLAINTEXT");
    assert_eq!(refresh_token.unwrap().expose(), "refresh-PLAINTEXT");
    assert_eq!(expires_at, Some(expires));
    assert_eq!(scopes, ["recordings_export"]);
    let raw = raw_credentials(&store, &conn.id).await.unwrap();
    assert!(!raw.windows(9).any(|w| w == b"PLAINTEXT"));

    let erased = store
        .set_credentials(&conn.id, None, ConnectionStatus::Unauthorized)
        .await
        .unwrap();
    assert!(erased.credentials.is_none());
    assert_eq!(erased.credentials_version, 3);
    assert_eq!(raw_credentials(&store, &conn.id).await, None);
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_decrypt() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (a, _) = store
        .upsert_connection(&t.id, "dialpad", "a", &[])
        .await
        .unwrap();
    let (b, _) = store
        .upsert_connection(&t.id, "dialpad", "b", &[])
        .await
        .unwrap();
    store
        .set_credentials(&a.id, Some(&api_key("key-a")), ConnectionStatus::Authorized)
        .await
        .unwrap();
    let blob = raw_credentials(&store, &a.id).await.unwrap();
    set_raw_credentials(&store, &b.id, &blob).await;
    let err = store.connection(&t.id, "dialpad", "b").await.unwrap_err();
    assert!(
        matches!(err, StoreError::Crypto(CryptoError::Decrypt { ref key_id }) if key_id == "test"),
        "{err:?}"
    );
    // The original row still opens.
    assert!(
        store
            .connection(&t.id, "dialpad", "a")
            .await
            .unwrap()
            .unwrap()
            .credentials
            .is_some()
    );
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_a_loud_crypto_error() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (conn, _) = store
        .upsert_connection(&t.id, "dialpad", "u1", &[])
        .await
        .unwrap();
    store
        .set_credentials(&conn.id, Some(&api_key("k")), ConnectionStatus::Authorized)
        .await
        .unwrap();

    let impostor = store.with_keyring(Keyring::parse(&db::keyring_entry("test", 99)).unwrap());
    assert!(matches!(
        impostor.connection(&t.id, "dialpad", "u1").await,
        Err(StoreError::Crypto(CryptoError::Decrypt { .. }))
    ));
    let unknown = store.with_keyring(Keyring::parse(&db::keyring_entry("other", 7)).unwrap());
    let err = unknown.connection_by_id(&conn.id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Crypto(CryptoError::UnknownKey { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("`test`"), "{err}");
    // A failed decrypt does not delete: the caller could not revoke upstream.
    assert!(
        impostor
            .delete_connection(&t.id, "dialpad", "u1")
            .await
            .is_err()
    );
    assert!(
        store
            .connection(&t.id, "dialpad", "u1")
            .await
            .unwrap()
            .is_some()
    );

    let keyless = store.without_keyring();
    assert!(matches!(
        keyless
            .list_connections(&t.id, &ConnectionFilter::default())
            .await,
        Err(StoreError::Crypto(CryptoError::NoKeyring))
    ));
    assert!(matches!(
        keyless
            .set_credentials(&conn.id, Some(&api_key("x")), ConnectionStatus::Authorized)
            .await,
        Err(StoreError::Crypto(CryptoError::NoKeyring))
    ));
    // Tenants and keys need no keyring.
    assert!(keyless.create_tenant("no secrets needed").await.is_ok());
}

#[tokio::test]
async fn rotation_reencrypts_under_the_new_key_so_the_old_one_can_go() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let mut ids = Vec::new();
    for owner in ["a", "b", "c"] {
        let (conn, _) = store
            .upsert_connection(&t.id, "dialpad", owner, &[])
            .await
            .unwrap();
        store
            .set_credentials(
                &conn.id,
                Some(&api_key(&format!("key-{owner}"))),
                ConnectionStatus::Authorized,
            )
            .await
            .unwrap();
        ids.push(conn.id);
    }
    store
        .upsert_connection(&t.id, "dialpad", "no-credentials", &[])
        .await
        .unwrap();

    let spec = format!(
        "{},{}",
        db::keyring_entry("k2", 42),
        db::test_keyring_spec()
    );
    let rotating = store.with_keyring(Keyring::parse(&spec).unwrap());
    let report = rotating.rotate_encryption().await.unwrap();
    assert_eq!(report.active_key_id, "k2");
    assert_eq!(
        (report.reencrypted, report.already_current, report.skipped),
        (3, 0, 0)
    );
    for id in &ids {
        assert_eq!(
            blob_key_id(&raw_credentials(&store, id).await.unwrap()).unwrap(),
            "k2"
        );
    }
    let again = rotating.rotate_encryption().await.unwrap();
    assert_eq!((again.reencrypted, again.already_current), (0, 3));

    let new_only = store.with_keyring(Keyring::parse(&db::keyring_entry("k2", 42)).unwrap());
    for (id, owner) in ids.iter().zip(["a", "b", "c"]) {
        let conn = new_only.connection_by_id(id).await.unwrap().unwrap();
        let Some(Credentials::ApiKey { api_key }) = conn.credentials else {
            panic!()
        };
        assert_eq!(api_key.expose(), format!("key-{owner}"));
    }
    assert!(matches!(
        store.connection_by_id(&ids[0]).await,
        Err(StoreError::Crypto(CryptoError::UnknownKey { .. }))
    ));
}
