//! `genericUser` on `/api/v2/users`. `status` and `email` are Dialpad's `state` and
//! `email` parameters; without `status` Dialpad lists every user but the deleted ones.
//! Deleting leaves Dialpad's tombstone (`status: deleted`), still readable by id.

use patchbay_core::{
    ConnectorError, ListOptions, ModelId, Page, ProviderValues, Resource, UserCreate, UserUpdate,
};
use reqwest::Method;

use super::{Api, MAX_FETCHES, body_with, not_found, read_error, with_raw};
use crate::client::read;
use crate::mapping::{int64_id, user};
use crate::paging::{ProviderPage, fill};
use crate::types::ListQuery as _;
use crate::types::queries::ListUsersQuery;
use crate::types::users::UserProto;

const MODEL: ModelId = ModelId::GenericUser;

/// Dialpad's field names in error messages, and the unified fields they are.
const FIELDS: &[(&str, &str)] = &[
    ("email", "email"),
    ("emails", "email"),
    ("office_id", "workspace"),
    ("office", "workspace"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("job_title", "jobTitle"),
    ("extension", "extension"),
    ("is_super_admin", "isAdmin"),
];

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let query = ListUsersQuery {
        state: options.filters.status.map(user::state_filter),
        email: options.filters.email.as_ref().map(|e| e.as_str().to_owned()),
        ..ListUsersQuery::default()
    };
    let include_raw = options.include_raw;
    let fetch = |cursor: Option<String>| {
        let query = match &cursor {
            Some(c) => query.with_cursor(c),
            None => query.clone(),
        };
        async move {
            let (items, next) = api
                .page::<UserProto>(&["users"], &query)
                .await
                .map_err(read_error(MODEL, None))?;
            let items = items
                .into_iter()
                .map(|(raw, proto)| Ok(with_raw(user::to_resource(&proto)?, raw, include_raw)))
                .collect::<Result<Vec<_>, ConnectorError>>()?;
            Ok(ProviderPage { items, next })
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
    // Dialpad also answers `me`; unified ids are the users' own.
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let raw = api
        .get(&["users", id])
        .await
        .map_err(read_error(MODEL, Some(id)))?;
    let proto: UserProto = read(&raw).map_err(read_error(MODEL, Some(id)))?;
    Ok(with_raw(user::to_resource(&proto)?, raw, include_raw))
}

pub(crate) async fn create(
    api: Api<'_>,
    input: &UserCreate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let body = body_with(&user::create_body(input)?, extra)?;
    let answer = api
        .request(Method::POST, &["users"])
        .body(body)
        .send()
        .await
        .and_then(|a| a.parse::<UserProto>())
        .map_err(|e| e.into_write_error(MODEL, None, FIELDS))?;
    user::to_resource(&answer)
}

pub(crate) async fn update(
    api: Api<'_>,
    id: &str,
    input: &UserUpdate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    if user::is_noop(input) && extra.is_empty() {
        return retrieve(api, id, false).await;
    }
    let body = body_with(&user::update_body(input)?, extra)?;
    let answer = api
        .request(Method::PATCH, &["users", id])
        .body(body)
        .send()
        .await
        .and_then(|a| a.parse::<UserProto>())
        .map_err(|e| e.into_write_error(MODEL, Some(id), FIELDS))?;
    user::to_resource(&answer)
}

pub(crate) async fn delete(api: Api<'_>, id: &str) -> Result<(), ConnectorError> {
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    api.request(Method::DELETE, &["users", id])
        .send()
        .await
        .map(|_| ())
        .map_err(read_error(MODEL, Some(id)))
}
