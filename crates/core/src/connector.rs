//! The provider boundary: the async `Connector` trait a provider crate implements (list,
//! retrieve, create, update, delete of unified models), its static descriptor (operations,
//! OAuth scopes, settings, field support per model), and the `ConnectorError` the gateway
//! maps onto the error codes.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::{ConnectionContext, Credential};
use crate::cursor::{Cursor, CursorError};
use crate::error_code::{ErrorBody, ErrorCode};
use crate::model_id::ModelId;
use crate::oauth::OAuthClient;
use crate::operation::{Operation, OperationKind};
use crate::provider_values::ProviderValues;
use crate::query::{ListOptions, RetrieveOptions};
use crate::resource::Resource;
use crate::support::ModelSupport;
use crate::validate::{CreateInput, UpdateInput, ValidationErrors};

/// One configuration value a connector needs (an OAuth client id, a base URL...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSetting {
    /// The setting's key.
    pub key: &'static str,
    /// A short human name.
    pub name: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Whether the value is secret (shown as `***`, stored encrypted).
    pub is_secret: bool,
    /// Whether the connector cannot work without it.
    pub is_required: bool,
}

/// The OAuth scopes one operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationScopes {
    /// The operation.
    pub operation: Operation,
    /// Scopes needed on top of the connector's default scopes.
    pub scopes: &'static [&'static str],
}

/// What a connector is and can do; static data a provider crate declares once, and the one
/// source the gateway reads capabilities, scopes and field support from. Check it with
/// [`ConnectorDescriptor::problems`] in the connector's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectorDescriptor {
    /// Stable id used in routes and headers (`dialpad`).
    pub id: &'static str,
    /// Display name (`Dialpad`).
    pub name: &'static str,
    /// Configuration it needs.
    pub settings: &'static [ConnectorSetting],
    /// Supported operations; anything else answers `OPERATION_NOT_SUPPORTED`.
    pub operations: &'static [Operation],
    /// Scopes requested for every connection.
    pub default_scopes: &'static [&'static str],
    /// Extra scopes per operation (operations absent here need only the defaults).
    pub operation_scopes: &'static [OperationScopes],
    /// Per model, which fields it can write, which it requires, and which filters, sort
    /// keys and search it applies (see [`ConnectorDescriptor::fields`]). A model absent here
    /// is read-only and unfiltered through this connector.
    pub models: &'static [ModelSupport],
}

impl ConnectorDescriptor {
    /// Whether the connector implements `operation`.
    pub fn supports(&self, operation: Operation) -> bool {
        self.operations.contains(&operation)
    }

    /// The extra scopes `operation` needs (not including the defaults).
    pub fn scopes(&self, operation: Operation) -> &'static [&'static str] {
        self.operation_scopes
            .iter()
            .find(|s| s.operation == operation)
            .map_or(&[], |s| s.scopes)
    }

    /// Every scope to request for a connection granted `operations`: the defaults plus each
    /// operation's, sorted and without duplicates.
    pub fn scopes_for(&self, operations: impl IntoIterator<Item = Operation>) -> Vec<&'static str> {
        let mut scopes: Vec<&'static str> = self.default_scopes.to_vec();
        for op in operations {
            scopes.extend_from_slice(self.scopes(op));
        }
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }
}

/// One page of a list: `{"data": [...], "next": "<cursor>" | null}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// The resources of this page.
    pub data: Vec<Resource>,
    /// The cursor of the next page; `null` on the last page.
    #[schema(required = true)]
    pub next: Option<String>,
}

impl Page {
    /// A page whose `next` is `next` encoded (see the paging contract on [`ListOptions`]).
    pub fn new(data: Vec<Resource>, next: Option<&Cursor>) -> Self {
        Self {
            data,
            next: next.map(Cursor::encode),
        }
    }
}

/// Non-secret facts about the account a credential opens, as the provider reports them
/// when the credential is verified.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// The provider's id of the account (a Dialpad company id).
    pub account_id: Option<String>,
    /// The account's display name.
    pub account_name: Option<String>,
    /// The provider's id of the user the credential belongs to, when it is a user's.
    pub user_id: Option<String>,
}

/// A boxed error from below the connector (HTTP client, JSON decoder), kept as a source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a connector call failed, in terms the gateway can answer with (see [`ConnectorError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The resource does not exist (provider 404).
    #[error("{model} `{id}` was not found")]
    NotFound {
        /// The model looked up.
        model: ModelId,
        /// The id looked up.
        id: String,
    },
    /// The provider refused the input, per field (e.g. a duplicate email).
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The provider rejected the credential (expired or revoked token, provider 401). The
    /// gateway refreshes once and retries; if it fails again the connection needs
    /// re-authorization.
    #[error("the provider rejected the connection's credential: {message}")]
    CredentialRejected {
        /// The provider's explanation.
        message: String,
    },
    /// The credential is valid but not allowed to do this (provider 403, missing scope).
    #[error("the provider refused the operation: {message}")]
    Forbidden {
        /// The provider's explanation.
        message: String,
    },
    /// The change conflicts with the provider's state (provider 409).
    #[error("the provider reported a conflict: {message}")]
    Conflict {
        /// The provider's explanation.
        message: String,
    },
    /// The provider rate-limited the connection (provider 429).
    #[error("the provider is rate limiting this connection")]
    RateLimited {
        /// How long to wait, from the provider's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// The cursor was not issued by this connector or has expired.
    #[error("the cursor is invalid or expired")]
    InvalidCursor,
    /// The request is valid for the unified API but not for this provider (e.g. a filter
    /// combination it cannot apply).
    #[error("{message}")]
    BadRequest {
        /// What the caller should change.
        message: String,
    },
    /// The connector does not implement this operation.
    #[error("`{operation}` is not supported by this connector")]
    Unsupported {
        /// The operation asked for.
        operation: Operation,
    },
    /// The provider did not answer in time.
    #[error("the provider did not answer in time")]
    Timeout,
    /// The provider could not be reached or answered 503.
    #[error("the provider is unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
        /// The transport error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The provider answered with an unexpected error status.
    #[error("the provider answered {status}: {message}")]
    Upstream {
        /// The provider's HTTP status.
        status: u16,
        /// The provider's explanation.
        message: String,
    },
    /// The provider's answer could not be read or mapped.
    #[error("the provider's answer could not be read: {message}")]
    InvalidResponse {
        /// What was wrong.
        message: String,
        /// The decoding error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
}

impl ConnectorError {
    /// The error code (and so HTTP status) the gateway answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ConnectorError::NotFound { .. } => ErrorCode::ResourceNotFound,
            ConnectorError::Validation(_) => ErrorCode::ValidationFailed,
            ConnectorError::CredentialRejected { .. } => ErrorCode::ConnectionUnauthorized,
            ConnectorError::Forbidden { .. } => ErrorCode::Forbidden,
            ConnectorError::Conflict { .. } => ErrorCode::Conflict,
            ConnectorError::RateLimited { .. } => ErrorCode::UpstreamRateLimited,
            ConnectorError::InvalidCursor => ErrorCode::InvalidCursor,
            ConnectorError::BadRequest { .. } => ErrorCode::BadRequest,
            ConnectorError::Unsupported { .. } => ErrorCode::OperationNotSupported,
            ConnectorError::Timeout => ErrorCode::UpstreamTimeout,
            ConnectorError::Unavailable { .. } => ErrorCode::UpstreamUnavailable,
            ConnectorError::Upstream { .. } | ConnectorError::InvalidResponse { .. } => {
                ErrorCode::UpstreamError
            }
        }
    }

    /// The provider's `Retry-After`, for rate-limit errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ConnectorError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Shorthand for [`ConnectorError::Unsupported`].
    pub fn unsupported(model: ModelId, kind: OperationKind) -> Self {
        ConnectorError::Unsupported {
            operation: Operation::new(model, kind),
        }
    }

    /// The wire error body: the code, a message, and the field errors of a validation
    /// failure. Upstream failures (502-504) answer the code's default message only: their
    /// text comes from the provider or a decoder and may hold payload fragments. That text
    /// stays on `Display` and `source()` for the gateway's logs. `OPERATION_NOT_SUPPORTED`
    /// (501) keeps its message, which is built from the typed operation alone.
    pub fn to_error_body(&self) -> ErrorBody {
        let code = self.code();
        match self {
            ConnectorError::Validation(errors) => {
                ErrorBody::new(code, self.to_string()).with_details(errors.as_slice().to_vec())
            }
            ConnectorError::Unsupported { .. } => ErrorBody::new(code, self.to_string()),
            _ if code.http_status() >= 500 => ErrorBody::from_code(code),
            _ => ErrorBody::new(code, self.to_string()),
        }
    }
}

impl From<CursorError> for ConnectorError {
    fn from(_: CursorError) -> Self {
        ConnectorError::InvalidCursor
    }
}

/// A provider behind the unified API. The gateway holds `Arc<dyn Connector>` values and
/// knows nothing else about providers, so adding one touches no gateway code.
///
/// Before calling, the gateway has already: checked the operation is in
/// [`ConnectorDescriptor::operations`] and granted to the connection, parsed the body into a
/// [`CreateInput`]/[`UpdateInput`] against `descriptor().fields(model)` (so every field set
/// is one the connector declared it can write), and parsed list options against the same
/// view (filters, `sort` and `q` it cannot apply were refused; the cursor was decoded and
/// matched to the options). After a list or retrieve, it projects `fields` and expands
/// what is still a reference.
#[async_trait]
pub trait Connector: Send + Sync + fmt::Debug {
    /// The static description: id, name, operations, scopes, settings, field support. The
    /// one source of capabilities and scopes ([`ConnectorDescriptor::scopes`]).
    fn descriptor(&self) -> &ConnectorDescriptor;

    /// Checks that `credential` works against the provider (before a connection holding it
    /// is marked authorized) and says which account it opens. A rejected credential is
    /// [`ConnectorError::CredentialRejected`].
    async fn verify(&self, credential: &Credential) -> Result<AccountInfo, ConnectorError>;

    /// Revokes `credential` at the provider where it can be revoked (OAuth tokens), when a
    /// connection is deleted. Credentials the provider cannot revoke are left alone.
    async fn revoke(&self, credential: &Credential) -> Result<(), ConnectorError> {
        let _ = credential;
        Ok(())
    }

    /// The provider's OAuth client, when this connector was configured with an OAuth app
    /// (client id, secret, callback URL); `None` when connections can only bring their own
    /// credentials.
    fn oauth(&self) -> Option<&dyn OAuthClient> {
        None
    }

    /// One page of `model` resources: at most `options.limit` of them, and a `next` made
    /// with [`Cursor`] (see the paging contract on [`ListOptions`]).
    async fn list(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        options: &ListOptions,
    ) -> Result<Page, ConnectorError>;

    /// One resource by id.
    async fn retrieve(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        id: &str,
        options: &RetrieveOptions,
    ) -> Result<Resource, ConnectorError>;

    /// Creates a resource of `input.model()`; returns it as created. `extra` holds the
    /// tenant's custom-field values, to be written into the provider's request body with
    /// [`ProviderValues::apply_to`].
    async fn create(
        &self,
        ctx: &ConnectionContext,
        input: CreateInput,
        extra: &ProviderValues,
    ) -> Result<Resource, ConnectorError> {
        let _ = (ctx, extra);
        Err(ConnectorError::unsupported(
            input.model(),
            OperationKind::Create,
        ))
    }

    /// Applies `input` to resource `id` of `input.model()`; returns it as updated. `extra`
    /// as in [`Connector::create`].
    async fn update(
        &self,
        ctx: &ConnectionContext,
        id: &str,
        input: UpdateInput,
        extra: &ProviderValues,
    ) -> Result<Resource, ConnectorError> {
        let _ = (ctx, id, extra);
        Err(ConnectorError::unsupported(
            input.model(),
            OperationKind::Update,
        ))
    }

    /// Deletes resource `id` of `model`.
    async fn delete(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        id: &str,
    ) -> Result<(), ConnectorError> {
        let _ = (ctx, id);
        Err(ConnectorError::unsupported(model, OperationKind::Delete))
    }
}
