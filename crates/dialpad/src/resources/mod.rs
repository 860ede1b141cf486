//! The operations of each model against Dialpad's endpoints, one module per model: which
//! endpoint, which query parameters or client-side filters, which body, and how Dialpad's
//! failures read. `Api` is one call's view of the client and credential.

pub(crate) mod calls;
pub(crate) mod contacts;
pub(crate) mod transcripts;
pub(crate) mod users;
pub(crate) mod workspaces;

use patchbay_core::{ConnectorError, Credential, ModelId, ProviderValues, Resource};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, Request, read};
use crate::error::UpstreamError;
use crate::types::Collection;

/// Most Dialpad pages one list call reads: enough to fill a page of 100 from Dialpad's pages
/// of 25 (calls) or to skip past items a client-side filter drops, bounded so one call
/// never walks a whole account.
pub(crate) const MAX_FETCHES: usize = 5;

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
    ) -> Result<(Vec<(Value, T)>, Option<String>), UpstreamError> {
        let collection: Collection<Value> = self
            .request(Method::GET, segments)
            .query(query)?
            .send()
            .await?
            .parse()?;
        let next = collection.next_cursor().map(str::to_owned);
        let items = collection
            .items
            .into_iter()
            .map(|raw| read::<T>(&raw).map(|typed| (raw, typed)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, next))
    }
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

/// Maps a failed read of `model` (resource `id`, if one) to the unified error.
pub(crate) fn read_error(model: ModelId, id: Option<&str>) -> impl Fn(UpstreamError) -> ConnectorError + '_ {
    move |e| e.into_connector(model, id)
}

/// "Not found" for an id Dialpad could not hold (an int64 id that is not a number).
pub(crate) fn not_found(model: ModelId, id: &str) -> ConnectorError {
    ConnectorError::NotFound {
        model,
        id: id.to_owned(),
    }
}
