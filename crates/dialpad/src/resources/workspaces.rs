//! `genericWorkspace` on `/api/v2/offices` (read only). `status` is Dialpad's
//! `active_only` for `active`, and a filter on `state` here for the other states.

use patchbay_core::{ConnectorError, ListOptions, ModelId, Page, Resource, WorkspaceStatus};

use super::{Api, get, not_found, with_raw};
use crate::mapping::{int64_id, workspace};
use crate::types::offices::OfficeProto;
use crate::types::queries::ListOfficesQuery;

const MODEL: ModelId = ModelId::GenericWorkspace;

pub(crate) async fn list(api: Api<'_>, options: &ListOptions) -> Result<Page, ConnectorError> {
    let wanted = options.filters.workspace_status;
    let query = ListOfficesQuery {
        active_only: (wanted == Some(WorkspaceStatus::Active)).then_some(true),
        ..ListOfficesQuery::default()
    };
    let (data, next) = super::list(
        api,
        MODEL,
        options,
        &["offices"],
        &query,
        |o: &OfficeProto| {
            let resource = workspace::to_resource(o)?;
            let status = resource.fields.as_workspace().and_then(|w| w.status);
            Ok(wanted.is_none_or(|w| status == Some(w)).then_some(resource))
        },
    )
    .await?;
    Ok(Page::new(data, next.as_ref()))
}

pub(crate) async fn retrieve(
    api: Api<'_>,
    id: &str,
    include_raw: bool,
) -> Result<Resource, ConnectorError> {
    // Dialpad also answers `primary`; unified ids are the offices' own.
    if int64_id(id).is_none() {
        return Err(not_found(MODEL, id));
    }
    let (raw, proto) = get::<OfficeProto>(api, MODEL, id, &["offices", id]).await?;
    Ok(with_raw(workspace::to_resource(&proto)?, raw, include_raw))
}
