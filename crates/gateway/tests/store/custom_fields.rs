//! Custom fields: conflicts per scope, connection-scoped overrides, update, delete.

use patchbay_core::ModelId;
use patchbay_gateway::store::{ConnectionId, CustomFieldDef, StoreError};

use super::new_store;

pub fn field_def(key: &str, connection: Option<ConnectionId>) -> CustomFieldDef {
    CustomFieldDef {
        model: ModelId::GenericContact,
        connection_id: connection,
        key: key.into(),
        name: format!("The {key}"),
        description: None,
        field_type: "text".into(),
        options: vec![],
        read_pointer: format!("/custom/{key}"),
        write_pointer: None,
        writable_on_create: false,
        writable_on_update: false,
    }
}

#[tokio::test]
async fn custom_fields_conflict_per_scope_and_connection_fields_override() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (conn, _) = store
        .upsert_connection(&t.id, "dialpad", "u1", &[])
        .await
        .unwrap();
    let model = ModelId::GenericContact;

    let tier = store
        .create_custom_field(&t.id, &field_def("tier", None))
        .await
        .unwrap();
    assert!(tier.id.starts_with("cf_"));
    let err = store
        .create_custom_field(&t.id, &field_def("tier", None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("tier"), "{err}");
    let region = store
        .create_custom_field(&t.id, &field_def("region", None))
        .await
        .unwrap();
    let mut scoped_def = field_def("tier", Some(conn.id.clone()));
    scoped_def.field_type = "select".into();
    scoped_def.options = vec!["gold".into(), "silver".into()];
    let scoped = store.create_custom_field(&t.id, &scoped_def).await.unwrap();
    assert!(matches!(
        store.create_custom_field(&t.id, &scoped_def).await,
        Err(StoreError::Conflict { .. })
    ));
    let mut user_field = field_def("tier", None);
    user_field.model = ModelId::GenericUser;
    store.create_custom_field(&t.id, &user_field).await.unwrap();

    // Fields made in the same millisecond have no creation order: compare as sets.
    let ids = |fields: &[patchbay_gateway::store::CustomField]| {
        let mut ids: Vec<String> = fields.iter().map(|f| f.id.clone()).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let tenant_wide = store.custom_fields(&t.id, model, None).await.unwrap();
    assert_eq!(
        ids(&tenant_wide),
        sorted(vec![tier.id.clone(), region.id.clone()])
    );
    let for_conn = store
        .custom_fields(&t.id, model, Some(&conn.id))
        .await
        .unwrap();
    assert_eq!(
        ids(&for_conn),
        sorted(vec![scoped.id.clone(), region.id.clone()])
    );
    let tier_for_conn = for_conn.iter().find(|f| f.def.key == "tier").unwrap();
    assert_eq!(tier_for_conn.def.options, ["gold", "silver"]);

    let mut renamed = field_def("region", None);
    renamed.name = "Sales region".into();
    renamed.writable_on_update = true;
    renamed.write_pointer = Some("/custom/region".into());
    let updated = store
        .update_custom_field(&t.id, &region.id, &renamed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.def, renamed);
    assert!(updated.updated_at >= region.updated_at);
    assert!(matches!(
        store
            .update_custom_field(&t.id, &region.id, &field_def("tier", None))
            .await,
        Err(StoreError::Conflict { .. })
    ));

    assert!(store.delete_custom_field(&t.id, &region.id).await.unwrap());
    assert!(!store.delete_custom_field(&t.id, &region.id).await.unwrap());
    // Deleting the connection takes its scoped fields with it.
    store
        .delete_connection(&t.id, "dialpad", "u1")
        .await
        .unwrap();
    assert!(
        store
            .custom_field(&t.id, &scoped.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.custom_fields(&t.id, model, None).await.unwrap().len(),
        1
    );
}
