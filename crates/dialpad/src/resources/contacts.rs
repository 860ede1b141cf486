//! `genericContact` on `/api/v2/contacts`. Without filters the list holds shared and local
//! contacts (`include_local`); `owner` lists that user's local contacts (`owner_id`);
//! `visibility` picks shared (Dialpad's default list) or local ones (filtered here).

use patchbay_core::{
    ConnectorError, ContactCreate, ContactUpdate, ContactVisibility, ListOptions, ModelId, Page,
    ProviderValues, Resource,
};
use reqwest::Method;

use super::{Api, body_with, get, with_raw, write};
use crate::mapping::{contact, int64_id};
use crate::types::common::ContactType;
use crate::types::contacts::ContactProto;
use crate::types::queries::ListContactsQuery;

const MODEL: ModelId = ModelId::GenericContact;

/// Dialpad's field names in error messages, and the unified fields they are.
const FIELDS: &[(&str, &str)] = &[
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("email", "emails"),
    ("emails", "emails"),
    ("phone", "phones"),
    ("phones", "phones"),
    ("company_name", "companyName"),
    ("job_title", "jobTitle"),
    ("urls", "urls"),
    ("url", "urls"),
    ("extension", "extension"),
    ("owner_id", "owner"),
];

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let filters = &options.filters;
    let mut query = ListContactsQuery::default();
    let mut local_only = false;
    match (&filters.owner, filters.visibility) {
        // An owner's contacts are all private; a Dialpad user id is an int64.
        (Some(_), Some(ContactVisibility::Shared)) => return Ok(Page::default()),
        (Some(owner), _) if int64_id(owner).is_none() => return Ok(Page::default()),
        (Some(owner), _) => query.owner_id = Some(owner.clone()),
        (None, Some(ContactVisibility::Shared)) => {}
        (None, Some(ContactVisibility::Private)) => {
            query.include_local = Some(true);
            local_only = true;
        }
        (None, None) => query.include_local = Some(true),
    }
    let listed = super::list(
        api,
        MODEL,
        options,
        &["contacts"],
        &query,
        |c: &ContactProto| {
            let wanted = !local_only || c.r#type == Some(ContactType::Local);
            wanted.then(|| contact::to_resource(c)).transpose()
        },
    )
    .await;
    let (data, next) = match listed {
        Ok(listed) => listed,
        // Dialpad answers 404 for an owner it does not know: no contacts of theirs.
        Err(ConnectorError::Upstream { status: 404, .. }) if query.owner_id.is_some() => {
            return Ok(Page::default());
        }
        Err(e) => return Err(e),
    };
    Ok(Page::new(data, next.as_ref()))
}

pub(crate) async fn retrieve(
    api: Api<'_>,
    id: &str,
    include_raw: bool,
) -> Result<Resource, ConnectorError> {
    let (raw, proto) = get::<ContactProto>(api, MODEL, id, &["contacts", id]).await?;
    Ok(with_raw(contact::to_resource(&proto)?, raw, include_raw))
}

pub(crate) async fn create(
    api: Api<'_>,
    input: &ContactCreate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let body = body_with(&contact::create_body(input), extra)?;
    let answer: ContactProto = write(
        api,
        Method::POST,
        &["contacts"],
        body,
        (MODEL, None),
        FIELDS,
    )
    .await?;
    contact::to_resource(&answer)
}

pub(crate) async fn update(
    api: Api<'_>,
    id: &str,
    input: &ContactUpdate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    if input.is_empty() && extra.is_empty() {
        return retrieve(api, id, false).await;
    }
    // Dialpad replaces whole lists: a new primary is merged into the stored list.
    let current = if contact::needs_current(input) {
        Some(
            get::<ContactProto>(api, MODEL, id, &["contacts", id])
                .await?
                .1,
        )
    } else {
        None
    };
    let body = body_with(&contact::update_body(input, current.as_ref()), extra)?;
    let answer: ContactProto = write(
        api,
        Method::PATCH,
        &["contacts", id],
        body,
        (MODEL, Some(id)),
        FIELDS,
    )
    .await?;
    contact::to_resource(&answer)
}

pub(crate) async fn delete(api: Api<'_>, id: &str) -> Result<(), ConnectorError> {
    api.request(Method::DELETE, &["contacts", id])
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.into_connector(MODEL, Some(id)))
}
