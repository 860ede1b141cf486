//! Choosing what a unified call runs against: the tenant's connection, its connector, and
//! the checks every call passes first (the connector implements the operation, the
//! connection exists, was granted it, and is authorized). Calls then go through
//! [`Target::call`], which turns a rejected credential into an unauthorized connection.

use std::future::Future;
use std::sync::Arc;

use patchbay_core::{
    ConnectionContext, Connector, ConnectorError, ErrorCode, Operation, OperationKind,
};

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::{Connection, ConnectionStatus, TenantId};

/// A connection picked by the caller: `x-connector-id` and `x-owner-id`, or a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// `dialpad`.
    pub connector_id: String,
    /// The customer's id for its end user.
    pub owner_id: String,
}

/// A checked connection, ready for connector calls.
#[derive(Debug, Clone)]
pub struct Target {
    /// The connection's connector.
    pub connector: Arc<dyn Connector>,
    /// The connection as read (possibly from the cache).
    pub connection: Arc<Connection>,
    ctx: ConnectionContext,
}

/// The connector `id`, or `CONNECTOR_NOT_FOUND`.
pub fn connector(state: &AppState, id: &str) -> ApiResult<Arc<dyn Connector>> {
    state.connectors.get(id).cloned().ok_or_else(|| {
        ApiError::new(
            ErrorCode::ConnectorNotFound,
            format!("there is no connector `{id}`"),
        )
    })
}

/// `OPERATION_NOT_SUPPORTED` for `operation`, listing what the connector does support for
/// that model, so the caller knows what it can do instead.
pub fn unsupported(connector: &dyn Connector, operation: Operation) -> ApiError {
    let descriptor = connector.descriptor();
    let model = operation.model;
    let supported: Vec<String> = OperationKind::ALL
        .iter()
        .map(|kind| Operation::new(model, *kind))
        .filter(|op| descriptor.supports(*op))
        .map(|op| op.to_string())
        .collect();
    let list = if supported.is_empty() {
        "nothing".to_owned()
    } else {
        supported.join(", ")
    };
    ApiError::new(
        ErrorCode::OperationNotSupported,
        format!(
            "`{operation}` is not supported by the {} connector; it supports for {model}: {list}",
            descriptor.id
        ),
    )
}

/// Resolves `selector` for `tenant` and checks `operation` can run on it.
pub async fn resolve(
    state: &AppState,
    tenant: &TenantId,
    selector: &Selector,
    operation: Operation,
) -> ApiResult<Target> {
    let connector = connector(state, &selector.connector_id)?;
    if !connector.descriptor().supports(operation) {
        return Err(unsupported(connector.as_ref(), operation));
    }
    let connection = state
        .connections
        .get(tenant, &selector.connector_id, &selector.owner_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::ConnectionNotFound,
                format!(
                    "there is no `{}` connection for owner `{}`",
                    selector.connector_id, selector.owner_id
                ),
            )
        })?;
    check_granted(&connection, operation)?;
    let (ConnectionStatus::Authorized, Some(credentials)) =
        (&connection.status, &connection.credentials)
    else {
        return Err(ApiError::new(
            ErrorCode::ConnectionUnauthorized,
            format!(
                "the connection is {}; authorize it before calling it",
                connection.status.as_str()
            ),
        ));
    };
    let ctx = ConnectionContext::new(
        connection.connector_id.as_str(),
        connection.owner_id.as_str(),
        credentials.credential(),
    );
    Ok(Target {
        connector,
        connection,
        ctx,
    })
}

fn check_granted(connection: &Connection, operation: Operation) -> ApiResult<()> {
    if connection.operations.contains(&operation) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::OperationNotAllowed,
            format!("the connection was not granted `{operation}`"),
        ))
    }
}

impl Target {
    /// Checks the connection may also run `operation` (for example a `retrieve` to expand
    /// a reference), with the same errors as [`resolve`].
    pub fn check(&self, operation: Operation) -> ApiResult<()> {
        if !self.connector.descriptor().supports(operation) {
            return Err(unsupported(self.connector.as_ref(), operation));
        }
        check_granted(&self.connection, operation)
    }

    /// Runs one connector call. A credential the provider rejects marks the connection
    /// `unauthorized` (it needs the end user again) and answers `CONNECTION_UNAUTHORIZED`.
    pub async fn call<'a, T, F, Fut>(&'a self, state: &AppState, f: F) -> ApiResult<T>
    where
        F: FnOnce(&'a dyn Connector, &'a ConnectionContext) -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        match f(self.connector.as_ref(), &self.ctx).await {
            Ok(value) => Ok(value),
            Err(ConnectorError::CredentialRejected { .. }) => {
                let c = &self.connection;
                tracing::warn!(
                    connection = %c.id,
                    connector = %c.connector_id,
                    "the provider rejected the connection's credential; marking it unauthorized"
                );
                if let Err(err) = state
                    .store
                    .set_status(&c.id, ConnectionStatus::Unauthorized)
                    .await
                {
                    tracing::error!(connection = %c.id, error = %err, "cannot mark the connection unauthorized");
                }
                state
                    .connections
                    .invalidate(&c.tenant_id, &c.connector_id, &c.owner_id)
                    .await;
                Err(ApiError::new(
                    ErrorCode::ConnectionUnauthorized,
                    format!(
                        "{} rejected the connection's credential; authorize the connection again",
                        self.connector.descriptor().name
                    ),
                ))
            }
            Err(other) => Err(other.into()),
        }
    }
}
