//! Migrations, tenants and secret keys, and tenant isolation.

use patchbay_core::ModelId;
use patchbay_gateway::store::{ConnectionFilter, Store, StoreError, TenantId};

use super::custom_fields::field_def;
use super::{db, new_store, ops};

#[tokio::test]
async fn migrate_reports_what_it_applied_then_nothing() {
    let url = db::test_database_url().await;
    let store = Store::open_without_keyring(&url).await.unwrap();
    let applied = store.apply_migrations().await.unwrap();
    assert_eq!(applied.len(), store.known_migrations());
    assert_eq!(applied[0].version, 1);
    assert!(store.apply_migrations().await.unwrap().is_empty());
    store.ping().await.unwrap();
    assert_eq!(
        store.backend() == patchbay_gateway::store::Backend::Postgres,
        db::testing_postgres()
    );
}

#[tokio::test]
async fn secret_keys_authenticate_until_revoked_and_several_can_be_live() {
    let store = new_store().await;
    let (acme, first) = store.create_tenant("Acme").await.unwrap();
    let (other, _) = store.create_tenant("Other").await.unwrap();
    assert!(acme.id.as_str().starts_with("ten_"));
    assert!(acme.publishable_key.starts_with("pk_"));
    let sk = first.secret.expose().to_owned();
    assert!(sk.starts_with("sk_") && sk.starts_with(&first.info.prefix));
    assert_eq!(first.info.prefix.len(), 11);

    let auth = store.authenticate(None, &sk).await.unwrap().unwrap();
    assert_eq!(
        (auth.tenant_id.clone(), auth.key_id.clone()),
        (acme.id.clone(), first.info.id.clone())
    );
    let with_pk = store
        .authenticate(Some(&acme.publishable_key), &sk)
        .await
        .unwrap();
    assert_eq!(with_pk, Some(auth));
    assert_eq!(
        store
            .authenticate(Some(&other.publishable_key), &sk)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.authenticate(None, "sk_not-a-key").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .authenticate(None, &acme.publishable_key)
            .await
            .unwrap(),
        None
    );

    let second = store
        .create_secret_key(&acme.id, Some("rotation"))
        .await
        .unwrap();
    let sk2 = second.secret.expose().to_owned();
    assert_ne!(sk, sk2);
    assert!(store.authenticate(None, &sk).await.unwrap().is_some());
    assert_eq!(
        store
            .authenticate(None, &sk2)
            .await
            .unwrap()
            .unwrap()
            .key_id,
        second.info.id
    );

    assert!(
        store
            .revoke_secret_key(&acme.id, &first.info.id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_secret_key(&acme.id, &first.info.id)
            .await
            .unwrap()
    );
    assert_eq!(store.authenticate(None, &sk).await.unwrap(), None);
    assert!(store.authenticate(None, &sk2).await.unwrap().is_some());

    let keys = store.list_secret_keys(&acme.id).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].id, first.info.id);
    assert!(keys[0].revoked_at.is_some());
    assert_eq!(keys[1].name.as_deref(), Some("rotation"));
    assert!(keys[1].revoked_at.is_none());

    assert!(matches!(
        store.create_secret_key(&TenantId::generate(), None).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.tenant(&acme.id).await.unwrap().unwrap(), acme);
    assert_eq!(
        store.tenant_by_name("Other").await.unwrap().unwrap().id,
        other.id
    );
    assert_eq!(store.list_tenants().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_tenant_never_sees_or_changes_another_tenants_rows() {
    let store = new_store().await;
    let (a, a_key) = store.create_tenant("A").await.unwrap();
    let (b, _) = store.create_tenant("B").await.unwrap();
    let (conn, _) = store
        .upsert_connection(&a.id, "dialpad", "u1", &ops(&["genericContact::list"]))
        .await
        .unwrap();
    let field = store
        .create_custom_field(&a.id, &field_def("tier", None))
        .await
        .unwrap();

    assert!(
        store
            .connection(&b.id, "dialpad", "u1")
            .await
            .unwrap()
            .is_none()
    );
    let all = ConnectionFilter::default();
    assert!(
        store
            .list_connections(&b.id, &all)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .delete_connection(&b.id, "dialpad", "u1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .connection(&a.id, "dialpad", "u1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !store
            .revoke_secret_key(&b.id, &a_key.info.id)
            .await
            .unwrap()
    );
    let b_keys = store.list_secret_keys(&b.id).await.unwrap();
    assert_eq!(b_keys.len(), 1);
    assert!(
        b_keys
            .iter()
            .all(|k| k.tenant_id == b.id && k.id != a_key.info.id)
    );

    let model = ModelId::GenericContact;
    assert!(
        store
            .custom_fields(&b.id, model, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .custom_field(&b.id, &field.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.delete_custom_field(&b.id, &field.id).await.unwrap());
    assert!(
        store
            .update_custom_field(&b.id, &field.id, &field_def("tier", None))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .create_custom_field(&b.id, &field_def("x", Some(conn.id.clone())))
            .await,
        Err(StoreError::NotFound)
    ));
    // B's own connection with the same connector and owner is a different row.
    let (b_conn, created) = store
        .upsert_connection(&b.id, "dialpad", "u1", &[])
        .await
        .unwrap();
    assert!(created);
    assert_ne!(b_conn.id, conn.id);
}
