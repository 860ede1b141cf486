//! `telephonyCallTranscript` on `/api/v2/transcripts/{call_id}`. Dialpad has no list of
//! transcripts, so a list names its calls: one `call`, or a `startedAfter`/`startedBefore`
//! window whose connected calls are looked up one by one (those without one are skipped).

use futures_util::stream::{self, StreamExt as _};
use patchbay_core::{ConnectorError, ListOptions, ModelId, Page, Resource};

use super::{Api, LOOKUPS, calls, get, not_found, with_raw};
use crate::mapping::{int64_id, transcript};
use crate::paging::{ProviderPage, fill};
use crate::types::ListQuery as _;
use crate::types::transcripts::TranscriptProto;

const MODEL: ModelId = ModelId::TelephonyCallTranscript;

/// Pages of calls one window list reads: each costs a transcript look-up per connected call.
const MAX_CALL_PAGES: usize = 2;

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let filters = &options.filters;
    let window = filters.started_after.is_some() || filters.started_before.is_some();
    let position = options.position(MODEL);
    let limit = options.limit_or_default();
    let include_raw = options.include_raw;
    let (data, next) = match (&filters.call, window) {
        (Some(_), true) => {
            return Err(ConnectorError::BadRequest {
                message: "list transcripts by `call` or by a `startedAfter`/`startedBefore` \
                          window, not both"
                    .into(),
            });
        }
        (None, false) => {
            return Err(ConnectorError::BadRequest {
                message: "Dialpad has no list of transcripts: filter by `call`, or by a \
                          `startedAfter`/`startedBefore` window whose calls are looked up"
                    .into(),
            });
        }
        (Some(call), false) => {
            let fetch = |_cursor: Option<String>| async move {
                let items = lookup(api, call, include_raw).await?.into_iter().collect();
                Ok(ProviderPage { items, next: None })
            };
            fill(position, limit, 1, fetch).await?
        }
        (None, true) => {
            let Some(query) = calls::query(filters)? else {
                return Ok(Page::default());
            };
            let fetch = |cursor: Option<String>| {
                let query = match &cursor {
                    Some(c) => query.with_cursor(c),
                    None => query.clone(),
                };
                async move {
                    let (items, next) = calls::page(api, &query, false).await?;
                    // Dialpad transcribes calls that were connected.
                    let ids: Vec<String> = items
                        .iter()
                        .filter(|(_, call)| call.date_connected.is_some())
                        .filter_map(|(_, call)| call.call_id.map(|id| id.to_string()))
                        .collect();
                    let found = stream::iter(ids)
                        .map(|id| async move { lookup(api, &id, include_raw).await })
                        .buffered(LOOKUPS)
                        .collect::<Vec<_>>()
                        .await;
                    let items = found
                        .into_iter()
                        .collect::<Result<Vec<Option<Resource>>, _>>()?
                        .into_iter()
                        .flatten()
                        .collect();
                    Ok(ProviderPage { items, next })
                }
            };
            fill(position, limit, MAX_CALL_PAGES, fetch).await?
        }
    };
    Ok(Page::new(data, next.as_ref()))
}

/// The transcript of call `id`, `None` when Dialpad has none.
async fn lookup(
    api: Api<'_>,
    id: &str,
    include_raw: bool,
) -> Result<Option<Resource>, ConnectorError> {
    if int64_id(id).is_none() {
        return Ok(None);
    }
    match get::<TranscriptProto>(api, MODEL, id, &["transcripts", id]).await {
        Ok((raw, proto)) => Ok(Some(with_raw(
            transcript::to_resource(&proto, id)?,
            raw,
            include_raw,
        ))),
        Err(ConnectorError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn retrieve(
    api: Api<'_>,
    id: &str,
    include_raw: bool,
) -> Result<Resource, ConnectorError> {
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let (raw, proto) = get::<TranscriptProto>(api, MODEL, id, &["transcripts", id]).await?;
    Ok(with_raw(
        transcript::to_resource(&proto, id)?,
        raw,
        include_raw,
    ))
}
