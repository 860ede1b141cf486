//! `/v1/connectors`: what each served connector is and can do.

use axum::extract::{Path, State};
use patchbay_core::{Connector, ConnectorSetting, ModelId, Operation};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiResult;
use super::extract::Tenant;
use crate::app::AppState;
use crate::unified::target::connector;

/// A connector as the API shows it (Morph's `Connector`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorView {
    /// Always `connector`.
    #[schema(example = "connector")]
    pub object: &'static str,
    /// `dialpad`.
    pub id: &'static str,
    /// `Dialpad`.
    pub name: &'static str,
    /// The configuration it takes.
    pub settings: Vec<ConnectorSetting>,
    /// Every operation it implements.
    pub operations: Vec<Operation>,
    /// The models it serves.
    pub models: Vec<ModelId>,
    /// The OAuth scopes every connection asks for.
    pub default_scopes: Vec<&'static str>,
}

impl ConnectorView {
    /// The view of `connector`.
    pub fn of(connector: &dyn Connector) -> Self {
        let d = connector.descriptor();
        let mut models: Vec<ModelId> = d.operations.iter().map(|op| op.model).collect();
        models.sort_unstable();
        models.dedup();
        Self {
            object: "connector",
            id: d.id,
            name: d.name,
            settings: d.settings.to_vec(),
            operations: d.operations.to_vec(),
            models,
            default_scopes: d.default_scopes.to_vec(),
        }
    }
}

/// One connector.
#[utoipa::path(
    get,
    operation_id = "retrieveConnector",
    path = "/v1/connectors/{connectorId}",
    tag = "connectors",
    params(("connectorId" = String, Path, description = "The connector, e.g. `dialpad`.")),
    responses(
        (status = 200, description = "The connector.", body = ConnectorView),
        (status = 404, description = "No such connector.", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    _tenant: Tenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ConnectorView>> {
    let connector = connector(&state, &id)?;
    Ok(axum::Json(ConnectorView::of(connector.as_ref())))
}

/// Every connector.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorList {
    /// The connectors.
    pub data: Vec<ConnectorView>,
}

/// Every connector this gateway serves.
#[utoipa::path(
    get,
    operation_id = "listConnectors",
    path = "/v1/connectors",
    tag = "connectors",
    responses((status = 200, description = "The connectors.", body = ConnectorList)),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn list(State(state): State<AppState>, _tenant: Tenant) -> axum::Json<ConnectorList> {
    axum::Json(ConnectorList {
        data: state
            .connectors
            .iter()
            .map(|c| ConnectorView::of(c.as_ref()))
            .collect(),
    })
}
