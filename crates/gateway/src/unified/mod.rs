//! The unified API's work, independent of HTTP: typed options from raw ones, the checked
//! connection ([`target`]), the connector call, `expand`, custom fields, projection and the
//! JSON a caller sees. Handlers in `http::resources` only extract and answer.

pub mod cursor;
pub mod custom;
mod expand;
pub mod query;
pub mod target;

use patchbay_core::{
    Cursor, ErrorCode, Expand, FieldError, FieldSelection, Filters, Limit, ListOptions, ModelId,
    Operation, OperationKind, Resource, RetrieveOptions, SearchQuery, Sort, ValidationCode,
    ValidationErrors, WriteError, WriteMode, parse_create, parse_update,
};
use serde::Serialize;
use serde_json::Value;

use self::custom::CustomFields;
use self::query::RawOptions;
use self::target::{Selector, Target, resolve};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::TenantId;

/// What to show of each resource: standard fields (all when `None`), custom fields, raw.
struct View {
    standard: Option<FieldSelection>,
    custom: Option<Vec<String>>,
    expand: Expand,
    raw: bool,
}

impl View {
    /// Parses `fields`, `expand` and `raw`; `fields` may name custom keys.
    fn parse(
        model: ModelId,
        raw: &RawOptions,
        custom: &CustomFields,
        errors: &mut Vec<FieldError>,
    ) -> Self {
        let (standard, custom_keys) = match &raw.fields {
            None => (None, None),
            Some(keys) => {
                let (c, s): (Vec<&String>, Vec<&String>) =
                    keys.iter().partition(|k| custom.contains(k));
                let standard = FieldSelection::parse(model, s.iter().map(|k| k.as_str()))
                    .map_err(|e| errors.extend(e))
                    .ok();
                (
                    standard,
                    Some(c.into_iter().cloned().collect::<Vec<String>>()),
                )
            }
        };
        let expand = Expand::parse(model, raw.expand.iter().map(String::as_str))
            .map_err(|e| errors.extend(e))
            .unwrap_or_default();
        Self {
            standard,
            custom: custom_keys,
            expand,
            raw: raw.raw,
        }
    }

    /// Whether the connector must attach its payload (asked for, or custom values to read).
    fn needs_raw(&self, custom: &CustomFields) -> bool {
        self.raw
            || match &self.custom {
                None => !custom.is_empty(),
                Some(keys) => !keys.is_empty(),
            }
    }

    fn retrieve_options(&self, custom: &CustomFields) -> RetrieveOptions {
        RetrieveOptions {
            fields: self.standard.clone(),
            expand: self.expand.clone(),
            include_raw: self.needs_raw(custom),
        }
    }

    /// `resource` as this view shows it. Without projection or custom fields it is
    /// serialised as the connector made it (the hot path builds no intermediate JSON).
    fn render(&self, mut resource: Resource, custom: &CustomFields) -> Rendered {
        if self.standard.is_none()
            && custom.is_empty()
            && (self.raw || resource.raw_resource.is_none())
        {
            return Rendered::Plain(resource);
        }
        let raw = resource.raw_resource.take();
        let mut value = serde_json::to_value(&resource).unwrap_or(Value::Null);
        if let Some(Value::Object(fields)) = value.get_mut("fields") {
            if let Some(selection) = &self.standard {
                selection.project(fields);
            }
            let selected = |key: &str| {
                self.custom
                    .as_ref()
                    .is_none_or(|keys| keys.iter().any(|k| k == key))
            };
            custom.read_into(raw.as_ref(), &selected, fields);
        }
        if self.raw
            && let (Some(raw), Value::Object(obj)) = (raw, &mut value)
        {
            obj.insert("rawResource".into(), raw);
        }
        Rendered::Shaped(value)
    }
}

/// A resource (or reference) as answered.
#[derive(Debug, Serialize)]
// Built once per item and serialised at once: boxing would add an allocation per item on
// the hot path.
#[allow(clippy::large_enum_variant)]
#[serde(untagged)]
pub enum Rendered {
    /// Serialised as the connector made it.
    Plain(Resource),
    /// Reshaped JSON.
    Shaped(Value),
}

/// A page as answered: `{"data": [...], "next": "<cursor>" | null}`.
#[derive(Debug, Serialize)]
pub struct RenderedPage {
    /// The resources.
    pub data: Vec<Rendered>,
    /// The next page's cursor.
    pub next: Option<String>,
}

fn finish(errors: Vec<FieldError>) -> ApiResult<()> {
    ValidationErrors::from_vec(errors).map_or(Ok(()), |e| Err(e.into()))
}

/// `GET /v1/resources/{model}`: `{"data": [...], "next": ...}`.
pub async fn list(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    model: ModelId,
    raw: RawOptions,
) -> ApiResult<RenderedPage> {
    let target = resolve(
        state,
        tenant,
        selector,
        Operation::new(model, OperationKind::List),
    )
    .await?;
    let custom = custom_fields(state, tenant, model, &target).await?;
    let supported = target.connector.descriptor().fields(model);
    let mut errors = Vec::new();
    let limit = raw
        .limit
        .as_deref()
        .map(Limit::parse)
        .transpose()
        .map_err(|e| errors.extend(e))
        .ok()
        .flatten();
    let filters = Filters::parse(
        supported,
        raw.filters.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
    .map_err(|e| errors.extend(e))
    .unwrap_or_default();
    let view = View::parse(model, &raw, &custom, &mut errors);
    finish(errors)?;
    let sort = raw
        .sort
        .as_deref()
        .map(|s| Sort::parse(supported, s))
        .transpose()?;
    let q = match raw.q.as_deref() {
        Some(q) => SearchQuery::parse(supported, q)?,
        None => None,
    };
    let mut options = ListOptions {
        limit,
        cursor: None,
        filters,
        sort,
        q,
        fields: view.standard.clone(),
        expand: view.expand.clone(),
        include_raw: view.needs_raw(&custom),
    };
    let scope = target.connection.id.to_string();
    if let Some(sealed) = raw.cursor.as_deref() {
        let inner = state.cursors.open(&scope, sealed)?;
        options.cursor = Some(Cursor::decode(inner, options.fingerprint(model))?);
    }
    let page = target
        .call(state, |c, ctx| c.list(ctx, model, &options))
        .await?;
    let mut data = page.data;
    expand::expand(state, &target, &mut data, view.expand.keys()).await?;
    let data: Vec<Rendered> = data.into_iter().map(|r| view.render(r, &custom)).collect();
    let next = page.next.map(|n| state.cursors.seal(&scope, &n));
    Ok(RenderedPage { data, next })
}

/// `GET /v1/resources/{model}/{id}`: the resource.
pub async fn retrieve(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    model: ModelId,
    id: &str,
    raw: RawOptions,
) -> ApiResult<Rendered> {
    let target = resolve(
        state,
        tenant,
        selector,
        Operation::new(model, OperationKind::Retrieve),
    )
    .await?;
    let custom = custom_fields(state, tenant, model, &target).await?;
    let mut errors = Vec::new();
    let view = View::parse(model, &raw, &custom, &mut errors);
    finish(errors)?;
    fetch(state, &target, &view, &custom, model, id).await
}

async fn fetch(
    state: &AppState,
    target: &Target,
    view: &View,
    custom: &CustomFields,
    model: ModelId,
    id: &str,
) -> ApiResult<Rendered> {
    let options = view.retrieve_options(custom);
    let resource = target
        .call(state, |c, ctx| c.retrieve(ctx, model, id, &options))
        .await?;
    let mut one = [resource];
    expand::expand(state, target, &mut one, view.expand.keys()).await?;
    let [resource] = one;
    Ok(view.render(resource, custom))
}

/// What a write answers: a `ResourceRef`, or the resource with `returnResource=true`.
pub async fn write(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    model: ModelId,
    id: Option<&str>,
    raw: RawOptions,
    body: Value,
) -> ApiResult<Rendered> {
    let mode = if id.is_some() {
        WriteMode::Update
    } else {
        WriteMode::Create
    };
    let target = resolve(state, tenant, selector, Operation::new(model, mode.kind())).await?;
    let custom = custom_fields(state, tenant, model, &target).await?;
    let mut errors = Vec::new();
    let view = View::parse(model, &raw, &custom, &mut errors);
    let Value::Object(mut map) = body else {
        return Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!("the body must be a JSON object of {model} fields"),
        ));
    };
    let (extra, custom_errors) = custom.take_writes(&mut map, mode);
    errors.extend(custom_errors);
    let fields = target.connector.descriptor().fields(model);
    let body = Value::Object(map);
    let parsed = match mode {
        WriteMode::Create => parse_create(fields, &body).map(Input::Create),
        WriteMode::Update => parse_update(fields, &body).map(Input::Update),
    };
    let input = match parsed {
        Ok(input) => Some(input),
        Err(WriteError::Invalid(e)) => {
            errors.extend(e);
            None
        }
        Err(unsupported) => return Err(unsupported.into()),
    };
    finish(errors)?;
    let Some(input) = input else {
        return Err(ApiError::code(ErrorCode::ValidationFailed));
    };
    let written = match (input, id) {
        (Input::Create(input), _) => {
            target
                .call(state, |c, ctx| c.create(ctx, input.clone(), &extra))
                .await?
        }
        (Input::Update(input), Some(id)) => {
            target
                .call(state, |c, ctx| c.update(ctx, id, input.clone(), &extra))
                .await?
        }
        (Input::Update(_), None) => return Err(ApiError::internal("update without an id")),
    };
    if !raw.return_resource {
        return Ok(Rendered::Shaped(
            serde_json::to_value(written.to_ref()).unwrap_or(Value::Null),
        ));
    }
    // The written resource may lack what the view asks for (raw payload, custom values):
    // read it back then.
    if view.needs_raw(&custom) && written.raw_resource.is_none() {
        return fetch(state, &target, &view, &custom, model, &written.id).await;
    }
    let mut one = [written];
    expand::expand(state, &target, &mut one, view.expand.keys()).await?;
    let [resource] = one;
    Ok(view.render(resource, &custom))
}

enum Input {
    Create(patchbay_core::CreateInput),
    Update(patchbay_core::UpdateInput),
}

/// `DELETE /v1/resources/{model}/{id}`.
pub async fn delete(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    model: ModelId,
    id: &str,
) -> ApiResult<()> {
    let target = resolve(
        state,
        tenant,
        selector,
        Operation::new(model, OperationKind::Delete),
    )
    .await?;
    target.call(state, |c, ctx| c.delete(ctx, model, id)).await
}

async fn custom_fields(
    state: &AppState,
    tenant: &TenantId,
    model: ModelId,
    target: &Target,
) -> ApiResult<std::sync::Arc<CustomFields>> {
    state
        .custom_fields
        .get(tenant, model, Some(&target.connection.id))
        .await
        .map_err(ApiError::internal)
}

/// A validation error on a single field.
pub fn field_error(field: &str, code: ValidationCode, message: impl Into<String>) -> ApiError {
    ValidationErrors::single(FieldError::new(field, code, message)).into()
}
