//! `genericUser` on `/api/v2/users`. `status` and `email` are Dialpad's `state` and
//! `email` parameters; without `status` Dialpad lists every user but the deleted ones.
//! Deleting leaves Dialpad's tombstone (`status: deleted`), still readable by id.

use patchbay_core::{
    ConnectorError, ListOptions, ModelId, Page, ProviderValues, Resource, UserCreate, UserUpdate,
};
use reqwest::Method;

use super::{Api, body_with, get, not_found, with_raw, write};
use crate::mapping::{int64_id, user};
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
        email: options
            .filters
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned()),
        ..ListUsersQuery::default()
    };
    let (data, next) = super::list(api, MODEL, options, &["users"], &query, |u: &UserProto| {
        user::to_resource(u).map(Some)
    })
    .await?;
    Ok(Page::new(data, next.as_ref()))
}

pub(crate) async fn retrieve(
    api: Api<'_>,
    id: &str,
    include_raw: bool,
) -> Result<Resource, ConnectorError> {
    // Dialpad also answers `me`; unified ids are the users' own.
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let (raw, proto) = get::<UserProto>(api, MODEL, id, &["users", id]).await?;
    Ok(with_raw(user::to_resource(&proto)?, raw, include_raw))
}

pub(crate) async fn create(
    api: Api<'_>,
    input: &UserCreate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let body = body_with(&user::create_body(input)?, extra)?;
    let answer: UserProto =
        write(api, Method::POST, &["users"], body, (MODEL, None), FIELDS).await?;
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
    if input.is_empty() && extra.is_empty() {
        return retrieve(api, id, false).await;
    }
    let body = body_with(&user::update_body(input)?, extra)?;
    let answer: UserProto = write(
        api,
        Method::PATCH,
        &["users", id],
        body,
        (MODEL, Some(id)),
        FIELDS,
    )
    .await?;
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
        .map_err(|e| e.into_connector(MODEL, Some(id)))
}
