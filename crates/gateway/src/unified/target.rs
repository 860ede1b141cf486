//! Choosing what a unified call runs against: the tenant's connection, its connector, and
//! the checks every call passes first (the connector implements the operation, the
//! connection exists, was granted it, and is authorized), and the credential to present
//! (`tokens`). Calls then go through [`Target::call`], which refreshes a rejected OAuth
//! token once and turns a credential still rejected into an unauthorized connection.

use std::future::Future;
use std::sync::Arc;

use patchbay_core::{
    ConnectionContext, Connector, ConnectorError, ErrorCode, Operation, OperationKind,
};
use tokio::sync::OnceCell;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::{Connection, ConnectionId, ConnectionStatus, TenantId};
use crate::tokens::Held;

/// A connection picked by the caller: `x-connector-id` and `x-owner-id`, or a route's path,
/// or a session token (which also limits what the call may do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// `dialpad`.
    pub connector_id: String,
    /// The customer's id for its end user.
    pub owner_id: String,
    /// Set when a session token chose the connection: the call reaches only that very
    /// connection, and only the operations the session grants.
    pub session: Option<Arc<SessionScope>>,
}

impl Selector {
    /// The tenant's connection (`connector_id`, `owner_id`), unrestricted.
    pub fn new(connector_id: impl Into<String>, owner_id: impl Into<String>) -> Self {
        Self {
            connector_id: connector_id.into(),
            owner_id: owner_id.into(),
            session: None,
        }
    }
}

/// What a session token limits a call to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionScope {
    /// The one connection (a connection deleted and made again is another one).
    pub connection_id: ConnectionId,
    /// The operations granted (already within the connection's when issued).
    pub operations: Vec<Operation>,
}

/// A checked connection, ready for connector calls.
#[derive(Debug, Clone)]
pub struct Target {
    /// The connection's connector.
    pub connector: Arc<dyn Connector>,
    /// The connection as read (possibly from the cache).
    pub connection: Arc<Connection>,
    session: Option<Arc<SessionScope>>,
    held: Arc<Held>,
    ctx: ConnectionContext,
    /// The context after one refresh, shared by the calls of this request.
    renewed: OnceCell<ConnectionContext>,
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
    let span = tracing::Span::current();
    span.record("model", tracing::field::display(&operation.model));
    span.record("operation", tracing::field::display(&operation.kind));
    let connector = connector(state, &selector.connector_id)?;
    if !connector.descriptor().supports(operation) {
        return Err(unsupported(connector.as_ref(), operation));
    }
    let connection = state
        .connections
        .get(tenant, &selector.connector_id, &selector.owner_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| connection_not_found(&selector.connector_id, &selector.owner_id))?;
    if let Some(scope) = &selector.session
        && scope.connection_id != connection.id
    {
        return Err(ApiError::new(
            ErrorCode::ConnectionNotFound,
            "the session's connection no longer exists; create a new session",
        ));
    }
    span.record("connection", tracing::field::display(&connection.id));
    check_granted(&connection, selector.session.as_deref(), operation)?;
    if connection.status != ConnectionStatus::Authorized || connection.credentials.is_none() {
        return Err(ApiError::new(
            ErrorCode::ConnectionUnauthorized,
            format!(
                "the connection is {}; authorize it before calling it",
                connection.status.as_str()
            ),
        ));
    }
    let held = state.tokens.current(&connection).await?;
    let ctx = context(&connection, &held);
    Ok(Target {
        connector,
        connection,
        session: selector.session.clone(),
        held,
        ctx,
        renewed: OnceCell::new(),
    })
}

fn context(connection: &Connection, held: &Held) -> ConnectionContext {
    ConnectionContext::new(
        connection.connector_id.as_str(),
        connection.owner_id.as_str(),
        held.credential(),
    )
}

fn check_granted(
    connection: &Connection,
    session: Option<&SessionScope>,
    operation: Operation,
) -> ApiResult<()> {
    if !connection.operations.contains(&operation) {
        return Err(ApiError::new(
            ErrorCode::OperationNotAllowed,
            format!("the connection was not granted `{operation}`"),
        ));
    }
    if session.is_some_and(|s| !s.operations.contains(&operation)) {
        return Err(ApiError::new(
            ErrorCode::OperationNotAllowed,
            format!("the session was not granted `{operation}`"),
        ));
    }
    Ok(())
}

impl Target {
    /// Checks the connection may also run `operation` (for example a `retrieve` to expand
    /// a reference), with the same errors as [`resolve`].
    pub fn check(&self, operation: Operation) -> ApiResult<()> {
        if !self.connector.descriptor().supports(operation) {
            return Err(unsupported(self.connector.as_ref(), operation));
        }
        check_granted(&self.connection, self.session.as_deref(), operation)
    }

    /// Runs one connector call. When the provider rejects an OAuth token (401), the token
    /// is refreshed (once, shared with concurrent calls) and the call made again; a
    /// credential still rejected after that, or one that cannot be refreshed, marks the
    /// connection `unauthorized` (it needs the end user again) and answers
    /// `CONNECTION_UNAUTHORIZED`. A 403 is the provider's answer, not a reason to refresh.
    pub async fn call<'a, T, F, Fut>(&'a self, state: &AppState, f: F) -> ApiResult<T>
    where
        F: Fn(&'a dyn Connector, &'a ConnectionContext) -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        self.call_limited(state, None, f).await
    }

    /// [`Target::call`] for a call with its own rate limit at the provider (`operation`, a
    /// template and limit from `patchbay_dialpad::limits::operation_limit`), charged beside
    /// the company's.
    pub async fn call_limited<'a, T, F, Fut>(
        &'a self,
        state: &AppState,
        operation: Option<(&'static str, patchbay_dialpad::limits::Limit)>,
        f: F,
    ) -> ApiResult<T>
    where
        F: Fn(&'a dyn Connector, &'a ConnectionContext) -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        self.charge(state, operation).await?;
        match f(self.connector.as_ref(), &self.ctx).await {
            Ok(value) => return Ok(value),
            Err(ConnectorError::CredentialRejected { .. }) => {}
            Err(other) => return Err(other.into()),
        }
        if self.held.refreshable() {
            match self.renewed(state).await {
                Ok(Some(ctx)) => {
                    self.charge(state, operation).await?;
                    match f(self.connector.as_ref(), ctx).await {
                        Ok(value) => return Ok(value),
                        Err(ConnectorError::CredentialRejected { .. }) => {}
                        Err(other) => return Err(other.into()),
                    }
                }
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
        Err(self.reject(state).await)
    }

    /// The context after refreshing the rejected token; `None` when nothing newer came.
    async fn renewed(&self, state: &AppState) -> ApiResult<Option<&ConnectionContext>> {
        let renewed = self
            .renewed
            .get_or_try_init(|| async {
                let held = state
                    .tokens
                    .refresh(&self.connection, self.held.version)
                    .await
                    .map_err(|e| Some(ApiError::from(e)))?;
                if held.version == self.held.version {
                    return Err(None);
                }
                Ok(context(&self.connection, &held))
            })
            .await;
        match renewed {
            Ok(ctx) => Ok(Some(ctx)),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }

    /// One slot of the connection's rate limiter (shared with the raw proxy): one per
    /// connector call, whatever number of Dialpad requests it makes.
    async fn charge(
        &self,
        state: &AppState,
        operation: Option<(&'static str, patchbay_dialpad::limits::Limit)>,
    ) -> ApiResult<()> {
        state
            .proxy
            .limiter
            .acquire_for(&self.connection, operation)
            .await
            .map_err(rate_limited)
    }

    /// Marks the connection unauthorized after the provider rejected its credential.
    async fn reject(&self, state: &AppState) -> ApiError {
        mark_unauthorized(state, self.connector.descriptor().name, &self.connection).await
    }
}

/// `RATE_LIMITED` with `Retry-After`, for a call the limiter would have queued too long.
pub fn rate_limited(refused: crate::proxy::limiter::Refused) -> ApiError {
    ApiError::new(
        ErrorCode::RateLimited,
        "the connection is at Dialpad's rate limit; retry after the time in Retry-After",
    )
    .with_retry_after(Some(refused.retry_after))
}

/// Marks `c` unauthorized after the provider (`name`) rejected its credential, as every
/// route does: status and event, caches dropped; answers `CONNECTION_UNAUTHORIZED`.
pub async fn mark_unauthorized(state: &AppState, name: &str, c: &Connection) -> ApiError {
    tracing::warn!(
        connection = %c.id,
        connector = %c.connector_id,
        "the provider rejected the connection's credential; marking it unauthorized"
    );
    let reason = format!("{name} rejected the connection's credential");
    if let Err(err) = state
        .store
        .set_status_with_event(&c.id, ConnectionStatus::Unauthorized, Some(&reason))
        .await
    {
        tracing::error!(connection = %c.id, error = %err, "cannot mark the connection unauthorized");
    }
    state
        .connections
        .invalidate(&c.tenant_id, &c.connector_id, &c.owner_id)
        .await;
    state.tokens.forget(&c.id).await;
    ApiError::new(
        ErrorCode::ConnectionUnauthorized,
        format!("{reason}; authorize the connection again"),
    )
}

/// `CONNECTION_NOT_FOUND` for the tenant's (`connector_id`, `owner_id`): also what another
/// tenant's connection answers, so its existence never shows.
pub fn connection_not_found(connector_id: &str, owner_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ConnectionNotFound,
        format!("there is no `{connector_id}` connection for owner `{owner_id}`"),
    )
}
