//! The operations of each model against Dialpad's endpoints, one module per model: which
//! endpoint, which query parameters or client-side filters, which body, and how Dialpad's
//! failures read. `Api` is one call's view of the client and credential.

pub(crate) mod calls;
pub(crate) mod contacts;
pub(crate) mod transcripts;
pub(crate) mod users;
pub(crate) mod workspaces;

use patchbay_core::{
    ConnectorError, Credential, Cursor, ListOptions, ModelId, ProviderValues, Resource,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, Request, read};
use crate::error::UpstreamError;
use crate::paging::{ProviderPage, fill};
use crate::types::{Collection, ListQuery};

/// Most Dialpad pages one list call reads: enough to fill a page of 100 from Dialpad's pages
/// of 25 (calls) or to skip past items a client-side filter drops, bounded so one call
/// never walks a whole account.
pub(crate) const MAX_FETCHES: usize = 5;

/// How many look-ups of one list (transcripts of its calls) run at once: Dialpad allows
/// 20 requests a second per company.
pub(crate) const LOOKUPS: usize = 4;

/// The client and the credential of one connector call.
#[derive(Clone, Copy)]
pub(crate) struct Api<'a> {
    pub(crate) client: &'a Client,
    pub(crate) credential: &'a Credential,
}

impl<'a> Api<'a> {
    pub(crate) fn new(client: &'a Client, credential: &'a Credential) -> Self {
        Self { client, credential }
    }

    /// A request to `/api/v2/<segments>`.
    pub(crate) fn request(&self, method: Method, segments: &[&str]) -> Request<'a> {
        let mut path = vec!["api", "v2"];
        path.extend_from_slice(segments);
        self.client.request(method, &path, self.credential)
    }

    /// `GET /api/v2/<segments>` as JSON.
    pub(crate) async fn get(&self, segments: &[&str]) -> Result<Value, UpstreamError> {
        self.request(Method::GET, segments).send().await?.value()
    }

    /// One page of a list endpoint: each item's raw JSON with its typed reading, and
    /// Dialpad's cursor of the next page.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &impl Serialize,
        include_raw: bool,
    ) -> Result<(Vec<(Value, T)>, Option<String>), UpstreamError> {
        let answer = self
            .request(Method::GET, segments)
            .query(query)?
            .send()
            .await?;
        if !include_raw {
            // The hot path: read the typed items straight from the bytes, with no
            // intermediate JSON tree (`Value::Null` stands for the unwanted payload).
            let collection: Collection<T> = answer.parse()?;
            let next = collection.next_cursor().map(str::to_owned);
            let items = collection
                .items
                .into_iter()
                .map(|typed| (Value::Null, typed))
                .collect();
            return Ok((items, next));
        }
        let collection: Collection<Value> = answer.parse()?;
        let next = collection.next_cursor().map(str::to_owned);
        let items = collection
            .items
            .into_iter()
            .map(|raw| read::<T>(&raw).map(|typed| (raw, typed)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, next))
    }
}

/// A Dialpad list as unified resources: the pages of `segments` fetched with `query` (then
/// its cursors), each item mapped by `map` (`None` drops it: a filter Dialpad cannot apply),
/// cut to the caller's `limit`. Answers the resources and where the next page starts.
pub(crate) async fn list<Q, T, M>(
    api: Api<'_>,
    model: ModelId,
    options: &ListOptions,
    segments: &[&str],
    query: &Q,
    map: M,
) -> Result<(Vec<Resource>, Option<Cursor>), ConnectorError>
where
    Q: ListQuery,
    T: DeserializeOwned,
    M: Fn(&T) -> Result<Option<Resource>, ConnectorError>,
{
    let include_raw = options.include_raw;
    let map = &map;
    let fetch = |cursor: Option<String>| {
        let query = match &cursor {
            Some(c) => query.with_cursor(c),
            None => query.clone(),
        };
        async move {
            let (items, next) = api
                .page::<T>(segments, &query, include_raw)
                .await
                .map_err(|e| e.into_connector(model, None))?;
            let mut resources = Vec::with_capacity(items.len());
            for (raw, typed) in items {
                if let Some(resource) = map(&typed)? {
                    resources.push(with_raw(resource, raw, include_raw));
                }
            }
            Ok(ProviderPage {
                items: resources,
                next,
            })
        }
    };
    fill(
        options.position(model),
        options.limit_or_default(),
        MAX_FETCHES,
        fetch,
    )
    .await
}

/// One Dialpad object of `model` (resource `id`, at `segments`): its JSON and its typed
/// reading. A 404 is `NotFound`.
pub(crate) async fn get<T: DeserializeOwned>(
    api: Api<'_>,
    model: ModelId,
    id: &str,
    segments: &[&str],
) -> Result<(Value, T), ConnectorError> {
    let fail = |e: UpstreamError| e.into_connector(model, Some(id));
    let raw = api.get(segments).await.map_err(fail)?;
    let typed = read(&raw).map_err(fail)?;
    Ok((raw, typed))
}

/// A write whose answer is read as `T`. Dialpad's refusals naming one of `fields`
/// (`(dialpad_name, unified_key)`) are validation errors on that field.
pub(crate) async fn write<T: DeserializeOwned>(
    api: Api<'_>,
    method: Method,
    segments: &[&str],
    body: Value,
    (model, id): (ModelId, Option<&str>),
    fields: &[(&str, &str)],
) -> Result<T, ConnectorError> {
    api.request(method, segments)
        .body(body)
        .send()
        .await
        .and_then(|answer| answer.parse::<T>())
        .map_err(|e| e.into_write_error(model, id, fields))
}

/// The body of a write: the typed Dialpad body, then the tenant's custom-field values
/// written at their JSON pointers.
pub(crate) fn body_with(
    body: &impl Serialize,
    extra: &ProviderValues,
) -> Result<Value, ConnectorError> {
    let mut value = serde_json::to_value(body).map_err(|e| ConnectorError::InvalidResponse {
        message: "the Dialpad request body could not be written".into(),
        source: Some(Box::new(e)),
    })?;
    extra
        .apply_to(&mut value)
        .map_err(|e| ConnectorError::BadRequest {
            message: format!("a custom field cannot be written to Dialpad: {e}"),
        })?;
    Ok(value)
}

/// Attaches Dialpad's object as `rawResource` when asked for.
pub(crate) fn with_raw(resource: Resource, raw: Value, include_raw: bool) -> Resource {
    if include_raw {
        resource.with_raw_resource(raw)
    } else {
        resource
    }
}

/// "Not found" for an id Dialpad could not hold (an int64 id that is not a number).
pub(crate) fn not_found(model: ModelId, id: &str) -> ConnectorError {
    ConnectorError::NotFound {
        model,
        id: id.to_owned(),
    }
}
