//! `genericWorkspace` on `/api/v2/offices` (read only). `status` is Dialpad's
//! `active_only` for `active`, and a filter on `state` here for the other states.

use patchbay_core::{ConnectorError, ListOptions, ModelId, Page, Resource, WorkspaceStatus};

use super::{Api, MAX_FETCHES, not_found, read_error, with_raw};
use crate::client::read;
use crate::mapping::{int64_id, workspace};
use crate::paging::{ProviderPage, fill};
use crate::types::ListQuery as _;
use crate::types::offices::OfficeProto;
use crate::types::queries::ListOfficesQuery;

const MODEL: ModelId = ModelId::GenericWorkspace;

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let wanted = options.filters.workspace_status;
    let query = ListOfficesQuery {
        active_only: (wanted == Some(WorkspaceStatus::Active)).then_some(true),
        ..ListOfficesQuery::default()
    };
    let include_raw = options.include_raw;
    let fetch = |cursor: Option<String>| {
        let query = match &cursor {
            Some(c) => query.with_cursor(c),
            None => query.clone(),
        };
        async move {
            let (items, next) = api
                .page::<OfficeProto>(&["offices"], &query)
                .await
                .map_err(read_error(MODEL, None))?;
            let mut resources = Vec::with_capacity(items.len());
            for (raw, proto) in items {
                let resource = workspace::to_resource(&proto)?;
                let status = resource.fields.as_workspace().and_then(|w| w.status);
                if wanted.is_none_or(|w| status == Some(w)) {
                    resources.push(with_raw(resource, raw, include_raw));
                }
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
    // Dialpad also answers `primary`; unified ids are the offices' own.
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let raw = api
        .get(&["offices", id])
        .await
        .map_err(read_error(MODEL, Some(id)))?;
    let proto: OfficeProto = read(&raw).map_err(read_error(MODEL, Some(id)))?;
    Ok(with_raw(workspace::to_resource(&proto)?, raw, include_raw))
}
