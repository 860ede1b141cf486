//! `telephonyCall` on `/api/v2/call`. Lists are Dialpad's concluded calls, newest first,
//! filtered by start time and by one target (`user` or `workspace`); placing a call rings a
//! user's devices and reads it back (`planned` until Dialpad reports it); an update hangs
//! up (`status: completed`) and sets labels. `transcript` is linked when one exists.

use futures_util::stream::{self, StreamExt as _};
use patchbay_core::{
    CallCreate, CallStatus, CallUpdate, ConnectorError, Expand, FieldSelection, Filters,
    ListOptions, ModelId, Page, ProviderValues, Resource, ResourceWarning, RetrieveOptions,
    ValidationCode, WarningCode,
};
use reqwest::Method;

use super::{Api, LOOKUPS, body_with, get, not_found, with_raw, write};
use crate::client::read;
use crate::mapping::{call, int64_id, invalid};
use crate::types::call_actions::{AddCallLabelsMessage, RingCallProto};
use crate::types::calls::CallProto;
use crate::types::common::TargetType;
use crate::types::queries::ListCallsQuery;
use crate::types::{EpochMillis, Int64};

const MODEL: ModelId = ModelId::TelephonyCall;

/// Dialpad's field names in error messages, and the unified fields they are.
const FIELDS: &[(&str, &str)] = &[
    ("phone_number", "externalNumber"),
    ("user_id", "users"),
    ("user", "users"),
    ("outbound_caller_id", "internalNumber"),
    ("labels", "labels"),
    ("label", "labels"),
];

/// The `GET /api/v2/call` query for `filters`; `None` when nothing can match (an id that
/// cannot be Dialpad's). Dialpad filters by one target, so `user` and `workspace` together
/// are refused rather than half applied.
pub(crate) fn query(filters: &Filters) -> Result<Option<ListCallsQuery>, ConnectorError> {
    let target = match (&filters.user, &filters.workspace) {
        (Some(_), Some(_)) => {
            return Err(ConnectorError::BadRequest {
                message: "Dialpad filters calls by one target: use `user` or `workspace`, not both"
                    .into(),
            });
        }
        (Some(user), None) => Some((TargetType::User, user)),
        (None, Some(office)) => Some((TargetType::Office, office)),
        (None, None) => None,
    };
    let mut query = ListCallsQuery {
        // Dialpad's bound is exclusive ("started more recently than"); `startedAfter` is not.
        started_after: filters
            .started_after
            .map(|at| EpochMillis(EpochMillis::from_datetime(at).millis().saturating_sub(1))),
        started_before: filters.started_before.map(EpochMillis::from_datetime),
        ..ListCallsQuery::default()
    };
    if let Some((kind, id)) = target {
        let Some(id) = int64_id(id) else {
            return Ok(None);
        };
        query.target_type = Some(kind);
        query.target_id = Some(Int64(id));
    }
    Ok(Some(query))
}

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let Some(query) = query(&options.filters)? else {
        return Ok(Page::default());
    };
    let (data, next) = super::list(api, MODEL, options, &["call"], &query, |c: &CallProto| {
        call::to_resource(c, false).map(Some)
    })
    .await?;
    let data = if wants_transcript(options.fields.as_ref(), &options.expand) {
        link_transcripts(api, data).await?
    } else {
        data
    };
    Ok(Page::new(data, next.as_ref()))
}

/// One page of `GET /api/v2/call`.
pub(crate) async fn page(
    api: Api<'_>,
    query: &ListCallsQuery,
    include_raw: bool,
) -> Result<(Vec<(serde_json::Value, CallProto)>, Option<String>), ConnectorError> {
    api.page::<CallProto>(&["call"], query, include_raw)
        .await
        .map_err(|e| e.into_connector(MODEL, None))
}

/// One call; `options.fields` without `transcript` skips the transcript look-up.
pub(crate) async fn retrieve(
    api: Api<'_>,
    id: &str,
    options: &RetrieveOptions,
) -> Result<Resource, ConnectorError> {
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let (raw, proto) = get::<CallProto>(api, MODEL, id, &["call", id]).await?;
    let resource = with_raw(call::to_resource(&proto, false)?, raw, options.include_raw);
    if wants_transcript(options.fields.as_ref(), &options.expand) {
        link_transcript(api, resource).await
    } else {
        Ok(resource)
    }
}

/// Whether the caller reads `transcript` (all fields, or it is selected or expanded).
fn wants_transcript(fields: Option<&FieldSelection>, expand: &Expand) -> bool {
    fields.is_none_or(|f| f.contains("transcript")) || expand.contains("transcript")
}

/// [`link_transcripts`] of one call.
async fn link_transcript(api: Api<'_>, resource: Resource) -> Result<Resource, ConnectorError> {
    let id = resource.id.clone();
    link_transcripts(api, vec![resource])
        .await?
        .pop()
        .ok_or_else(|| not_found(MODEL, &id))
}

/// Sets `transcript` on the calls Dialpad holds a transcript of. Only calls that ended
/// after being connected are looked up; a look-up that fails leaves a warning, except a
/// rejected credential, which fails the call.
async fn link_transcripts(
    api: Api<'_>,
    resources: Vec<Resource>,
) -> Result<Vec<Resource>, ConnectorError> {
    let checked = stream::iter(resources)
        .map(|mut resource| async move {
            if !call::may_have_transcript(&resource) {
                return Ok(resource);
            }
            let found = api.get(&["transcripts", &resource.id, "url"]).await;
            match found {
                Ok(_) => {
                    if let patchbay_core::ResourceFields::Call(fields) = &mut resource.fields {
                        fields.transcript = Some(patchbay_core::Link::to(
                            ModelId::TelephonyCallTranscript,
                            resource.id.as_str(),
                        ));
                    }
                }
                Err(e) if e.status() == Some(404) => {}
                Err(e) if e.status() == Some(401) => {
                    return Err(e.into_connector(ModelId::TelephonyCallTranscript, None));
                }
                Err(e) => {
                    resource.warnings.push(ResourceWarning::new(
                        "transcript",
                        WarningCode::Unavailable,
                        format!("whether Dialpad holds a transcript could not be checked: {e}"),
                    ));
                }
            }
            Ok(resource)
        })
        .buffered(LOOKUPS)
        .collect::<Vec<Result<Resource, ConnectorError>>>()
        .await;
    checked.into_iter().collect()
}

pub(crate) async fn create(
    api: Api<'_>,
    input: &CallCreate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let body = body_with(&call::ring_body(input)?, extra)?;
    let rung = api
        .request(Method::POST, &["call"])
        .body(body)
        .send()
        .await
        .and_then(|a| a.parse::<RingCallProto>());
    let rung = match rung {
        Ok(rung) => rung,
        Err(e) if e.status() == Some(404) => {
            return Err(invalid(
                "users",
                ValidationCode::InvalidReference,
                format!("`users`: Dialpad has no such user ({e})"),
            ));
        }
        Err(e) => return Err(e.into_write_error(MODEL, None, FIELDS)),
    };
    let Some(call_id) = rung.call_id.map(|id| id.to_string()) else {
        return Err(ConnectorError::InvalidResponse {
            message: "Dialpad placed the call but sent no call id".into(),
            source: None,
        });
    };
    // The call exists at Dialpad whatever happens next: never fail the create from here.
    match api
        .get(&["call", &call_id])
        .await
        .and_then(|raw| read::<CallProto>(&raw))
    {
        Ok(proto) => {
            call::to_resource(&proto, false).or_else(|_| Ok(call::planned(&call_id, input)))
        }
        Err(e) if e.status() == Some(404) => Ok(call::planned(&call_id, input)),
        Err(e) => Ok(
            call::planned(&call_id, input).with_warning(ResourceWarning::new(
                "status",
                WarningCode::Unavailable,
                format!("the call was placed but could not be read back: {e}"),
            )),
        ),
    }
}

pub(crate) async fn update(
    api: Api<'_>,
    id: &str,
    input: &CallUpdate,
    extra: &ProviderValues,
) -> Result<Resource, ConnectorError> {
    let hang_up = match input.status {
        None => false,
        Some(CallStatus::Completed) => true,
        Some(other) => {
            return Err(invalid(
                "status",
                ValidationCode::InvalidEnum,
                format!(
                    "`status`: Dialpad can only end a call (`completed`), not move it to `{other}`"
                ),
            ));
        }
    };
    if !extra.is_empty() && input.labels.is_none() {
        return Err(ConnectorError::BadRequest {
            message: "custom fields of a call can only be written with `labels`: Dialpad's call \
                      updates carry nothing else"
                .into(),
        });
    }
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    if hang_up {
        api.request(Method::PUT, &["call", id, "actions", "hangup"])
            .send()
            .await
            .map_err(|e| e.into_write_error(MODEL, Some(id), FIELDS))?;
    }
    let Some(labels) = &input.labels else {
        return retrieve(api, id, &RetrieveOptions::default()).await;
    };
    let body = AddCallLabelsMessage {
        labels: labels.iter().map(|l| l.as_str().to_owned()).collect(),
    };
    let body = body_with(&body, extra)?;
    let labels = ["call", id, "labels"];
    let answer: CallProto =
        write(api, Method::PUT, &labels, body, (MODEL, Some(id)), FIELDS).await?;
    link_transcript(api, call::to_resource(&answer, false)?).await
}
