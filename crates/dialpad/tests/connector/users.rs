//! `genericUser`: listing with Dialpad's `state` and `email` filters, creating into an
//! office, updating (moving offices included), deleting to a tombstone.

use patchbay_core::Connector as _;
use patchbay_core::{
    ConnectorError, CreateInput, ModelId, ProviderValues, UpdateInput, UserStatus, parse_create,
    parse_update,
};
use patchbay_dialpad::DESCRIPTOR;
use serde_json::{Value, json};

use crate::{Env, fields, ids};

const MODEL: ModelId = ModelId::GenericUser;

fn create_input(body: &Value) -> CreateInput {
    parse_create(DESCRIPTOR.fields(MODEL), body).unwrap()
}

fn update_input(body: &Value) -> UpdateInput {
    parse_update(DESCRIPTOR.fields(MODEL), body).unwrap()
}

async fn office_ids(env: &Env) -> Vec<String> {
    env.dialpad_all("/api/v2/offices")
        .await
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn users_are_listed_and_filtered_by_status_and_email() {
    let env = Env::small().await;
    let all = env.list_all(MODEL, &[], 2).await;
    let expected: Vec<String> = env
        .dialpad_all("/api/v2/users")
        .await
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&all), expected);
    let user = all.iter().find(|u| fields(u)["isAdmin"] == true).unwrap();
    let f = fields(user);
    assert!(f["email"].is_string() && f["workspace"]["model"] == "genericWorkspace");
    assert!(user.created_at.is_some(), "from date_added");
    assert_eq!(user.updated_at, None);

    for status in ["active", "suspended", "pending"] {
        let listed = env.list_all(MODEL, &[("status", status)], 3).await;
        let dialpad = env
            .dialpad_all(&format!("/api/v2/users?state={status}"))
            .await;
        assert_eq!(listed.len(), dialpad.len(), "{status}");
        assert!(
            listed.iter().all(|u| fields(u)["status"] == status),
            "{status}"
        );
    }
    let email = f["email"].as_str().unwrap();
    let found = env.list_all(MODEL, &[("email", email)], 10).await;
    assert_eq!(ids(&found), std::slice::from_ref(&user.id));
    let none = env
        .list_all(MODEL, &[("email", "nobody@nowhere.example")], 10)
        .await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_user_is_created_into_an_office_updated_moved_and_deleted() {
    let env = Env::small().await;
    let ctx = env.ctx();
    let offices = office_ids(&env).await;
    assert!(offices.len() >= 2);
    let created = env
        .connector
        .create(
            &ctx,
            create_input(&json!({
                "email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper",
                "workspace": offices[0]
            })),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = fields(&created);
    assert_eq!(
        (&f["email"], &f["firstName"], &f["lastName"], &f["status"]),
        (
            &json!("grace@example.com"),
            &json!("Grace"),
            &json!("Hopper"),
            &json!("pending")
        )
    );
    assert_eq!(f["workspace"]["id"], offices[0].as_str());
    assert!(created.created_at.is_some());

    let updated = env
        .connector
        .update(
            &ctx,
            &created.id,
            update_input(&json!({
                "firstName": "Admiral", "jobTitle": "Rear Admiral", "extension": "301",
                "isAdmin": true, "workspace": offices[1]
            })),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = fields(&updated);
    assert_eq!(
        (
            &f["firstName"],
            &f["jobTitle"],
            &f["extension"],
            &f["isAdmin"]
        ),
        (
            &json!("Admiral"),
            &json!("Rear Admiral"),
            &json!("301"),
            &json!(true)
        )
    );
    assert_eq!(f["workspace"]["id"], offices[1].as_str(), "moved");
    assert_eq!(
        env.retrieve(MODEL, &created.id).await.unwrap().fields,
        updated.fields
    );

    let demoted = env
        .connector
        .update(
            &ctx,
            &created.id,
            update_input(&json!({"jobTitle": null, "isAdmin": false})),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = fields(&demoted);
    assert!(f.get("jobTitle").is_none(), "{f}");
    assert_eq!(
        (&f["isAdmin"], &f["extension"]),
        (&json!(false), &json!("301"))
    );

    env.connector
        .delete(&ctx, MODEL, &created.id)
        .await
        .unwrap();
    let tombstone = env.retrieve(MODEL, &created.id).await.unwrap();
    assert_eq!(
        tombstone.fields.as_user().unwrap().status,
        Some(UserStatus::Deleted)
    );
    let again = env
        .connector
        .delete(&ctx, MODEL, &created.id)
        .await
        .unwrap_err();
    assert!(
        matches!(again, ConnectorError::NotFound { .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn dialpads_refusals_of_user_writes_read_as_the_caller_expects() {
    let env = Env::small().await;
    let ctx = env.ctx();
    let offices = office_ids(&env).await;
    let taken = env.dialpad_all("/api/v2/users").await[0]["emails"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let err = env
        .connector
        .create(
            &ctx,
            create_input(&json!({"email": taken, "workspace": offices[0]})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Conflict { .. }), "{err:?}");
    assert_eq!(err.code().http_status(), 409);

    let err = env
        .connector
        .create(
            &ctx,
            create_input(&json!({"email": "new@example.com", "workspace": "1234567890123456"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    let ConnectorError::Validation(errors) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.as_slice()[0].field, "workspace");

    let err = env
        .connector
        .create(
            &ctx,
            create_input(&json!({"email": "new@example.com", "workspace": "HQ"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, ConnectorError::Validation(e) if e.as_slice()[0].field == "workspace"));

    for id in ["me", "1234567890123456"] {
        let err = env.retrieve(MODEL, id).await.unwrap_err();
        assert!(
            matches!(&err, ConnectorError::NotFound { id: got, .. } if got == id),
            "{err:?}"
        );
    }
    let err = env
        .connector
        .update(
            &ctx,
            "1234567890123456",
            update_input(&json!({"lastName": "X"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_user_carries_dialpads_object_when_asked() {
    let env = Env::small().await;
    let id = env.dialpad_all("/api/v2/users").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = env.retrieve_raw(MODEL, &id).await;
    let raw = user.raw_resource.unwrap();
    assert_eq!(raw, env.dialpad(&format!("/api/v2/users/{id}")).await);
    let plain = env.retrieve(MODEL, &id).await.unwrap();
    assert!(plain.raw_resource.is_none());
    assert_eq!(plain.fields, user.fields);
}
