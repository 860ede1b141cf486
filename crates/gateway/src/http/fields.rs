//! `/v1/models/{model}/fields` (the unified fields, standard and custom, in Morph's
//! `UnifiedField` shape) and `/v1/models/{model}/custom-fields` (a tenant's declarations).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use patchbay_core::{ErrorCode, ModelId, SupportedFields, UnifiedField, ValidationCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ApiResult};
use super::extract::{Json, Tenant};
use super::resources::model;
use crate::app::AppState;
use crate::store::{ConnectionId, CustomField, CustomFieldDef, TenantId};
use crate::unified::custom::validate;
use crate::unified::field_error;
use crate::unified::target::{connection_not_found, connector};

/// A page of fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldPage {
    /// The fields: standard ones in table order, then custom ones.
    pub data: Vec<UnifiedField>,
    /// The next page's cursor, `null` on the last page.
    pub next: Option<String>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The connection named by the `x-connector-id`/`x-owner-id` headers, if both are given.
async fn connection_in_headers(
    state: &AppState,
    tenant: &Tenant,
    headers: &HeaderMap,
) -> ApiResult<Option<ConnectionId>> {
    let (Some(connector_id), Some(owner_id)) = (
        header(headers, "x-connector-id"),
        header(headers, "x-owner-id"),
    ) else {
        return Ok(None);
    };
    let connection = state
        .connections
        .get(&tenant.id, connector_id, owner_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| connection_not_found(connector_id, owner_id))?;
    Ok(Some(connection.id.clone()))
}

/// The fields of a model: through a connector when `x-connector-id` is given (what it can
/// write, require, filter and sort), with the custom fields in effect (a connection's own
/// too when `x-owner-id` is given).
#[utoipa::path(
    get,
    operation_id = "listModelFields",
    path = "/v1/models/{model}/fields",
    tag = "models",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("x-connector-id" = Option<String>, Header, description = "Describe the fields through this connector."),
        ("x-owner-id" = Option<String>, Header, description = "With `x-connector-id`: include that connection's custom fields."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 100)."),
        ("cursor" = Option<String>, Query, min_length = 1, description = "The `next` of the previous page."),
    ),
    responses(
        (status = 200, description = "The fields.", body = FieldPage),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::Json<FieldPage>> {
    let model = model(&name)?;
    let connection = connection_in_headers(&state, &tenant, &headers).await?;
    let connector_id = header(&headers, "x-connector-id");
    page(
        &state,
        &tenant.id,
        connector_id,
        connection.as_ref(),
        model,
        q.as_deref(),
    )
    .await
    .map(axum::Json)
}

/// A page of `model`'s fields for `tenant`: through `connector_id` when given, with the
/// custom fields in effect (`connection`'s own too). Shared with the session routes.
pub async fn page(
    state: &AppState,
    tenant: &TenantId,
    connector_id: Option<&str>,
    connection: Option<&ConnectionId>,
    model: ModelId,
    q: Option<&str>,
) -> ApiResult<FieldPage> {
    let (limit, offset) = paging(state, tenant, q)?;
    let mut fields = match connector_id {
        Some(id) => {
            let connector = connector(state, id)?;
            connector.descriptor().fields(model).unified()
        }
        None => SupportedFields::of_model(model).unified(),
    };
    let custom = state
        .custom_fields
        .get(tenant, model, connection)
        .await
        .map_err(ApiError::internal)?;
    fields.extend(custom.unified());
    let total = fields.len();
    let data: Vec<UnifiedField> = fields.into_iter().skip(offset).take(limit).collect();
    let end = offset + data.len();
    let next = (end < total).then(|| state.cursors.seal(&scope(tenant), &end.to_string()));
    Ok(FieldPage { data, next })
}

fn scope(tenant: &TenantId) -> String {
    format!("fields:{tenant}")
}

fn paging(state: &AppState, tenant: &TenantId, q: Option<&str>) -> ApiResult<(usize, usize)> {
    let mut limit = 100;
    let mut offset = 0;
    for (k, v) in url::form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| {
                        field_error(
                            "limit",
                            ValidationCode::InvalidValue,
                            "`limit` must be a whole number from 1 to 100",
                        )
                    })?;
            }
            "cursor" => {
                let inner = state.cursors.open(&scope(tenant), &v)?;
                offset = inner
                    .parse()
                    .map_err(|_| ApiError::code(ErrorCode::InvalidCursor))?;
            }
            other => {
                return Err(field_error(
                    other,
                    ValidationCode::UnknownField,
                    format!("`{other}` is not a parameter of this route"),
                ));
            }
        }
    }
    Ok((limit, offset))
}

/// A custom-field declaration as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomFieldInput {
    /// The key in `fields`: a letter, then letters, digits or `_`; not a standard key.
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9_]{0,63}$")]
    pub key: String,
    /// A display name.
    #[schema(pattern = "\\S")]
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// `text`, `number`, `datetime`, `boolean`, `select` or `list.select`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(text|number|datetime|boolean|select|list\\.select)$")]
    pub field_type: String,
    /// The choices of a select field.
    #[serde(default)]
    pub options: Vec<String>,
    /// JSON pointer into the provider's object to read (e.g. `/custom/crm_id`).
    pub read_pointer: String,
    /// JSON pointer into the provider's request body to write, when writable.
    pub write_pointer: Option<String>,
    /// Whether a create may set it.
    #[serde(default)]
    pub writable_on_create: bool,
    /// Whether an update may set it.
    #[serde(default)]
    pub writable_on_update: bool,
    /// Only for this connection (`{"connectorId", "ownerId"}`); every connection when absent.
    pub connection: Option<ConnectionScope>,
}

/// A connection a custom field is limited to.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionScope {
    /// The connector.
    pub connector_id: String,
    /// Your id for the end user.
    pub owner_id: String,
}

/// A custom field as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldView {
    /// Always `customField`.
    pub object: &'static str,
    /// `cf_…`.
    pub id: String,
    /// The model.
    pub model: patchbay_core::ModelId,
    /// The key in `fields`.
    pub key: String,
    /// A display name.
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub field_type: String,
    /// The choices of a select field.
    pub options: Vec<String>,
    /// JSON pointer read.
    pub read_pointer: String,
    /// JSON pointer written.
    pub write_pointer: Option<String>,
    /// Whether a create may set it.
    pub writable_on_create: bool,
    /// Whether an update may set it.
    pub writable_on_update: bool,
    /// Whether it is limited to one connection.
    pub connection_scoped: bool,
    /// When it was declared.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<CustomField> for CustomFieldView {
    fn from(f: CustomField) -> Self {
        Self {
            object: "customField",
            id: f.id,
            model: f.def.model,
            key: f.def.key,
            name: f.def.name,
            description: f.def.description,
            field_type: f.def.field_type,
            options: f.def.options,
            read_pointer: f.def.read_pointer,
            write_pointer: f.def.write_pointer,
            writable_on_create: f.def.writable_on_create,
            writable_on_update: f.def.writable_on_update,
            connection_scoped: f.def.connection_id.is_some(),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

async fn definition(
    state: &AppState,
    tenant: &Tenant,
    model: patchbay_core::ModelId,
    input: CustomFieldInput,
) -> ApiResult<CustomFieldDef> {
    let connection_id = match &input.connection {
        None => None,
        Some(scope) => Some(
            state
                .store
                .connection(&tenant.id, &scope.connector_id, &scope.owner_id)
                .await?
                .ok_or_else(|| connection_not_found(&scope.connector_id, &scope.owner_id))?
                .id,
        ),
    };
    let def = CustomFieldDef {
        model,
        connection_id,
        key: input.key,
        name: input.name,
        description: input.description,
        field_type: input.field_type,
        options: input.options,
        read_pointer: input.read_pointer,
        write_pointer: input.write_pointer,
        writable_on_create: input.writable_on_create,
        writable_on_update: input.writable_on_update,
    };
    validate(&def)?;
    Ok(def)
}

/// Declare a custom field.
#[utoipa::path(
    post,
    operation_id = "createCustomField",
    path = "/v1/models/{model}/custom-fields",
    tag = "models",
    params(("model" = patchbay_core::ModelId, Path, description = "The unified model.")),
    request_body = CustomFieldInput,
    responses(
        (status = 201, description = "Declared.", body = CustomFieldView),
        (status = 409, description = "The key is taken in that scope.", body = patchbay_core::ErrorBody),
        (status = 422, description = "Invalid declaration.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn create_custom(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(name): Path<String>,
    Json(input): Json<CustomFieldInput>,
) -> ApiResult<Response> {
    let model = model(&name)?;
    let def = definition(&state, &tenant, model, input).await?;
    let field = state.store.create_custom_field(&tenant.id, &def).await?;
    state.custom_fields.invalidate_all();
    Ok((
        StatusCode::CREATED,
        axum::Json(CustomFieldView::from(field)),
    )
        .into_response())
}

/// A page of custom-field declarations.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomFieldList {
    /// The declarations.
    pub data: Vec<CustomFieldView>,
}

/// The tenant-wide custom fields of a model, and a connection's own with the connection
/// headers.
#[utoipa::path(
    get,
    operation_id = "listCustomFields",
    path = "/v1/models/{model}/custom-fields",
    tag = "models",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("x-connector-id" = Option<String>, Header, description = "With `x-owner-id`: include that connection's own fields."),
        ("x-owner-id" = Option<String>, Header, description = "See `x-connector-id`."),
    ),
    responses((status = 200, description = "The declarations.", body = CustomFieldList)),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list_custom(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<axum::Json<CustomFieldList>> {
    let model = model(&name)?;
    let connection = connection_in_headers(&state, &tenant, &headers).await?;
    let fields = state
        .store
        .custom_fields(&tenant.id, model, connection.as_ref())
        .await?;
    Ok(axum::Json(CustomFieldList {
        data: fields.into_iter().map(CustomFieldView::from).collect(),
    }))
}

fn custom_not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no custom field `{id}`"),
    )
}

/// Replace a custom-field declaration.
#[utoipa::path(
    put,
    operation_id = "updateCustomField",
    path = "/v1/models/{model}/custom-fields/{id}",
    tag = "models",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The custom field's id."),
    ),
    request_body = CustomFieldInput,
    responses(
        (status = 200, description = "Replaced.", body = CustomFieldView),
        (status = "4XX", description = "A client error.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn update_custom(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((name, id)): Path<(String, String)>,
    Json(input): Json<CustomFieldInput>,
) -> ApiResult<axum::Json<CustomFieldView>> {
    let model = model(&name)?;
    let def = definition(&state, &tenant, model, input).await?;
    let existing = state
        .store
        .custom_field(&tenant.id, &id)
        .await?
        .filter(|f| f.def.model == model)
        .ok_or_else(|| custom_not_found(&id))?;
    let field = state
        .store
        .update_custom_field(&tenant.id, &existing.id, &def)
        .await?
        .ok_or_else(|| custom_not_found(&id))?;
    state.custom_fields.invalidate_all();
    Ok(axum::Json(CustomFieldView::from(field)))
}

/// Remove a custom-field declaration.
#[utoipa::path(
    delete,
    operation_id = "deleteCustomField",
    path = "/v1/models/{model}/custom-fields/{id}",
    tag = "models",
    params(
        ("model" = patchbay_core::ModelId, Path, description = "The unified model."),
        ("id" = String, Path, description = "The custom field's id."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "No such custom field.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn delete_custom(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let model = model(&name)?;
    let found = state
        .store
        .custom_field(&tenant.id, &id)
        .await?
        .filter(|f| f.def.model == model)
        .ok_or_else(|| custom_not_found(&id))?;
    if !state
        .store
        .delete_custom_field(&tenant.id, &found.id)
        .await?
    {
        return Err(custom_not_found(&id));
    }
    state.custom_fields.invalidate_all();
    Ok(StatusCode::NO_CONTENT)
}
