//! `genericContact`: paging, filters, the full write cycle, raw resources, and Dialpad's
//! refusals as the caller sees them.

use std::collections::BTreeSet;

use patchbay_core::Connector as _;
use patchbay_core::{
    ConnectorError, CreateInput, ModelId, ProviderValues, UpdateInput, parse_create, parse_update,
};
use patchbay_dialpad::DESCRIPTOR;
use patchbay_dialpad_sandbox::SandboxConfig;
use serde_json::{Value, json};

use crate::{Env, fields, ids, options};

const MODEL: ModelId = ModelId::GenericContact;

fn create_input(body: &Value) -> CreateInput {
    parse_create(DESCRIPTOR.fields(MODEL), body).unwrap()
}

fn update_input(body: &Value) -> UpdateInput {
    parse_update(DESCRIPTOR.fields(MODEL), body).unwrap()
}

#[tokio::test]
async fn paging_1000_contacts_seven_at_a_time_returns_each_exactly_once() {
    let env = Env::start(SandboxConfig {
        size: 1000,
        companies: 1,
        rate_limits: false,
        ..SandboxConfig::default()
    })
    .await;
    let listed = env.list_all(MODEL, &[], 7).await;
    let expected: BTreeSet<String> = env
        .dialpad_all("/api/v2/contacts?include_local=true")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(expected.len() >= 1000, "{}", expected.len());
    let listed = ids(&listed);
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "no contact is listed twice");
    assert_eq!(unique, expected, "every contact is listed");
    // In Dialpad's order, as the gateway pages it.
    let in_order: Vec<String> = env
        .dialpad_all("/api/v2/contacts?include_local=true")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, in_order);
}

#[tokio::test]
async fn a_page_may_span_dialpad_pages_and_limit_is_independent_of_their_size() {
    let env = Env::small().await;
    let all = env.list_all(MODEL, &[], 100).await;
    let first = env.list(MODEL, &options(MODEL, &[], 100)).await.unwrap();
    assert_eq!(first.data.len(), all.len().min(100));
    let in_threes = env.list_all(MODEL, &[], 3).await;
    assert_eq!(ids(&in_threes), ids(&all));
    // Each item can carry Dialpad's own object.
    let mut raw = options(MODEL, &[], 100);
    raw.include_raw = true;
    let page = env.list(MODEL, &raw).await.unwrap();
    let dialpad = env.dialpad_all("/api/v2/contacts?include_local=true").await;
    let carried: Vec<_> = page
        .data
        .iter()
        .map(|c| c.raw_resource.clone().unwrap())
        .collect();
    assert_eq!(carried, dialpad);
    assert!(first.data.iter().all(|c| c.raw_resource.is_none()));
    let default = env
        .list(MODEL, &patchbay_core::ListOptions::default())
        .await
        .unwrap();
    assert_eq!(default.data.len(), 50, "core's default page size");
}

#[tokio::test]
async fn visibility_and_owner_filter_contacts() {
    let env = Env::small().await;
    let shared = env.list_all(MODEL, &[("visibility", "shared")], 40).await;
    let private = env.list_all(MODEL, &[("visibility", "private")], 40).await;
    let all = env.list_all(MODEL, &[], 40).await;
    assert!(!shared.is_empty() && !private.is_empty());
    assert_eq!(shared.len() + private.len(), all.len());
    assert!(shared.iter().all(|c| fields(c)["visibility"] == "shared"));
    assert!(shared.iter().all(|c| fields(c).get("owner").is_none()));
    assert!(private.iter().all(|c| fields(c)["visibility"] == "private"));
    let shared_count = env.dialpad_all("/api/v2/contacts").await.len();
    assert_eq!(shared.len(), shared_count);

    let owner = fields(&private[0])["owner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owned = env.list_all(MODEL, &[("owner", &owner)], 5).await;
    assert!(!owned.is_empty());
    assert!(
        owned
            .iter()
            .all(|c| fields(c)["owner"]["id"] == owner.as_str())
    );
    let expected: BTreeSet<String> = private
        .iter()
        .filter(|c| fields(c)["owner"]["id"] == owner.as_str())
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids(&owned).into_iter().collect::<BTreeSet<_>>(), expected);
    let private_of_owner = env
        .list_all(MODEL, &[("owner", &owner), ("visibility", "private")], 5)
        .await;
    assert_eq!(ids(&private_of_owner), ids(&owned));

    for nobody in [
        vec![("owner", owner.as_str()), ("visibility", "shared")],
        vec![("owner", "1234567890123456")],
        vec![("owner", "not-a-user")],
    ] {
        let page = env.list(MODEL, &options(MODEL, &nobody, 10)).await.unwrap();
        assert!(page.data.is_empty() && page.next.is_none(), "{nobody:?}");
    }
}

#[tokio::test]
async fn a_contact_is_created_read_updated_and_deleted() {
    let env = Env::small().await;
    let ctx = env.ctx();
    let mut extra = ProviderValues::new();
    extra.push("/trunk_group", json!("crm-42"));
    let created = env
        .connector
        .create(
            &ctx,
            create_input(&json!({
                "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
                "emails": ["ada.l@example.com"], "phones": ["+14155550100", "+14155550101"],
                "companyName": "Analytical Engines", "jobTitle": "Engineer",
                "urls": ["https://example.com/ada"], "extension": "12"
            })),
            &extra,
        )
        .await
        .unwrap();
    assert_eq!(
        fields(&created),
        json!({
            "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
            "emails": ["ada@example.com", "ada.l@example.com"], "phone": "+14155550100",
            "phones": ["+14155550100", "+14155550101"], "companyName": "Analytical Engines",
            "jobTitle": "Engineer", "urls": ["https://example.com/ada"], "extension": "12",
            "visibility": "shared"
        })
    );
    assert_eq!((created.created_at, created.updated_at), (None, None));
    assert!(created.raw_resource.is_none());

    // The custom field reached Dialpad; the raw resource shows it.
    let read = env.retrieve_raw(MODEL, &created.id).await;
    assert_eq!(read.fields, created.fields);
    let raw = read.raw_resource.unwrap();
    assert_eq!(raw["trunk_group"], "crm-42");
    assert_eq!(raw["id"], created.id.as_str());

    let updated = env
        .connector
        .update(
            &ctx,
            &created.id,
            update_input(&json!({
                "lastName": "King", "companyName": null, "email": "ada.l@example.com",
                "phone": null, "urls": []
            })),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = fields(&updated);
    assert_eq!(f["lastName"], "King");
    assert!(f.get("companyName").is_none(), "{f}");
    assert_eq!(f["emails"], json!(["ada.l@example.com", "ada@example.com"]));
    assert_eq!(f["phones"], json!(["+14155550101"]));
    assert_eq!(f["urls"], json!([]));
    assert_eq!(
        (f["jobTitle"].clone(), f["extension"].clone()),
        (json!("Engineer"), json!("12"))
    );
    assert_eq!(
        env.retrieve(MODEL, &created.id).await.unwrap().fields,
        updated.fields
    );

    env.connector
        .delete(&ctx, MODEL, &created.id)
        .await
        .unwrap();
    let gone = env.retrieve(MODEL, &created.id).await.unwrap_err();
    assert!(
        matches!(&gone, ConnectorError::NotFound { model: MODEL, id } if *id == created.id),
        "{gone:?}"
    );
    let again = env
        .connector
        .delete(&ctx, MODEL, &created.id)
        .await
        .unwrap_err();
    assert!(matches!(again, ConnectorError::NotFound { .. }));
    let missing = env
        .connector
        .update(
            &ctx,
            &created.id,
            update_input(&json!({"firstName": "X"})),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(missing, ConnectorError::NotFound { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn a_private_contact_is_a_local_contact_of_its_owner() {
    let env = Env::small().await;
    let owner = env.plain_user().await;
    let owner_id = owner["id"].as_str().unwrap();
    let created = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({
                "firstName": "Private", "lastName": "Person",
                "visibility": "private", "owner": owner_id
            })),
            &ProviderValues::new(),
        )
        .await
        .unwrap();
    let f = fields(&created);
    assert_eq!(f["visibility"], "private");
    assert_eq!(
        f["owner"],
        json!({"object": "resourceRef", "model": "genericUser", "id": owner_id})
    );
    let raw = env
        .retrieve_raw(MODEL, &created.id)
        .await
        .raw_resource
        .unwrap();
    assert_eq!(
        (raw["type"].as_str(), raw["owner_id"].as_str()),
        (Some("local"), Some(owner_id))
    );
    let owned = env.list_all(MODEL, &[("owner", owner_id)], 50).await;
    assert!(ids(&owned).contains(&created.id));
}

#[tokio::test]
async fn dialpads_refusal_of_a_write_names_the_field() {
    let env = Env::small().await;
    // Valid for the unified API, but Dialpad knows no such user.
    let err = env
        .connector
        .create(
            &env.ctx(),
            create_input(&json!({
                "firstName": "A", "lastName": "B", "visibility": "private",
                "owner": "1234567890123456"
            })),
            &ProviderValues::new(),
        )
        .await
        .unwrap_err();
    let ConnectorError::Validation(errors) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.as_slice()[0].field, "owner");
    assert!(errors.as_slice()[0].message.contains("owner_id"), "{err}");
    assert_eq!(err.code().http_status(), 422);
}
