//! `genericContact` on `/api/v2/contacts`. Without filters the list holds shared and local
//! contacts (`include_local`); `owner` lists that user's local contacts (`owner_id`);
//! `visibility` picks shared (Dialpad's default list) or local ones (filtered here).

use patchbay_core::{
    ConnectorError, ContactCreate, ContactUpdate, ContactVisibility, ListOptions, ModelId, Page,
    ProviderValues, Resource,
};
use reqwest::Method;

use super::{Api, MAX_FETCHES, body_with, read_error, with_raw};
use crate::client::read;
use crate::mapping::{contact, int64_id};
use crate::paging::{ProviderPage, fill};
use crate::types::ListQuery as _;
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
    let include_raw = options.include_raw;
    let fetch = |cursor: Option<String>| {
        let query = match &cursor {
            Some(c) => query.with_cursor(c),
            None => query.clone(),
        };
        async move {
            let (items, next) = match api.page::<ContactProto>(&["contacts"], &query).await {
                Ok(page) => page,
                // Dialpad answers 404 for an owner it does not know: no contacts of theirs.
                Err(e) if e.status() == Some(404) && query.owner_id.is_some() => {
                    (Vec::new(), None)
                }
                Err(e) => return Err(e.into_connector(MODEL, None)),
            };
            let mut resources = Vec::with_capacity(items.len());
            for (raw, proto) in items {
                if local_only && proto.r#type != Some(ContactType::Local) {
                    continue;
                }
                resources.push(with_raw(contact::to_resource(&proto)?, raw, include_raw));
            }
            Ok(ProviderPage {
                items: resources,
                next,
            })
        }
    };
    let (data, next) = fill(
        options.position(MODEL),
        options.limit_or_default(),
        MAX_FETCHES,
        fetch,
    )
    .await?;
    Ok(Page::new(data, next.as_ref()))
}

pub(crate) async fn retrieve(api: Api<'_>, id: &str, include_raw: bool) -> Result<Resource, ConnectorError> {
    let (raw, proto) = fetch(api, id).await?;
    Ok(with_raw(contact::to_resource(&proto)?, raw, include_raw))
}

async fn fetch(api: Api<'_>, id: &str) -> Result<(serde_json::Value, ContactProto), ConnectorError> {
    let raw = api
        .get(&["contacts", id])
        .await
        .map_err(read_error(MODEL, Some(id)))?;
    let proto = read(&raw).map_err(read_error(MODEL, Some(id)))?;
    Ok((raw, proto))
}

pub(crate) async fn create(
    api: Api<'_>,
    input: &ContactCreate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let body = body_with(&contact::create_body(input), extra)?;
    let answer = api
        .request(Method::POST, &["contacts"])
        .body(body)
        .send()
        .await
        .and_then(|a| a.parse::<ContactProto>())
        .map_err(|e| e.into_write_error(MODEL, None, FIELDS))?;
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
        Some(fetch(api, id).await?.1)
    } else {
        None
    };
    let body = body_with(&contact::update_body(input, current.as_ref()), extra)?;
    let answer = api
        .request(Method::PATCH, &["contacts", id])
        .body(body)
        .send()
        .await
        .and_then(|a| a.parse::<ContactProto>())
        .map_err(|e| e.into_write_error(MODEL, Some(id), FIELDS))?;
    contact::to_resource(&answer)
}

pub(crate) async fn delete(api: Api<'_>, id: &str) -> Result<(), ConnectorError> {
    api.request(Method::DELETE, &["contacts", id])
        .send()
        .await
        .map(|_| ())
        .map_err(read_error(MODEL, Some(id)))
}
