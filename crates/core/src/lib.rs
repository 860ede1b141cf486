//! Patchbay core: the unified models, the resource envelope, field tables, connector field
//! support and write validation, typed list options and cursors, operations, events, the
//! shared error-code table and the connector trait. It knows no HTTP and no database;
//! `patchbay-dialpad` implements [`Connector`] and `patchbay-gateway` serves it.

mod macros;

pub mod connector;
pub mod context;
pub mod cursor;
pub mod error_code;
pub mod event;
pub mod fields;
pub mod filter;
mod formats;
pub mod link;
pub mod model_id;
pub mod models;
pub mod oauth;
pub mod operation;
mod patch;
pub mod provider_values;
pub mod query;
mod reader;
pub mod resource;
mod schema;
pub mod sort;
pub mod support;
pub mod validate;
pub mod values;

pub use connector::{
    AccountInfo, BoxError, Connector, ConnectorDescriptor, ConnectorError, ConnectorSetting,
    OperationScopes, Page,
};
pub use context::{ConnectionContext, Credential, CredentialKind, Secret};
pub use cursor::{Cursor, CursorError, Fingerprint};
pub use error_code::{ErrorBody, ErrorCode};
pub use event::{
    ConnectionAction, ConnectionEventData, Event, EventData, EventFilter, EventMismatch,
    EventSource, EventType, ParseEventError, ResourceAction,
};
pub use fields::{
    Access, FieldFormat, FieldOption, FieldSpec, FieldType, UnifiedField, field_spec, field_specs,
};
pub use filter::{Filters, filter_keys};
pub use link::{Link, ResourceRef};
pub use macros::ParseEnumError;
pub use model_id::{ModelId, UnknownModel};
pub use models::*;
pub use oauth::{AuthorizationStart, OAuthClient, OAuthError, TokenSet};
pub use operation::{Operation, OperationKind, ParseOperationError};
pub use provider_values::{ProviderValueError, ProviderValues, is_writable_pointer};
pub use query::{Expand, FieldSelection, Limit, ListOptions, RetrieveOptions, split_csv};
pub use resource::{Resource, ResourceFields, ResourceWarning, WarningCode};
pub use sort::{OptionError, SearchQuery, Sort, SortDirection};
pub use support::{FieldSupport, ModelSupport, SupportedFields, unified_fields};
pub use validate::{
    AddressPatch, CreateInput, FieldError, Patch, UpdateInput, ValidationCode, ValidationErrors,
    WriteError, WriteMode, parse_create, parse_update,
};
pub use values::{Email, EmailError, Name, NameError, PhoneNumber, PhoneNumberError};
