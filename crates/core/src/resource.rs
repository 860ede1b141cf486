//! The resource envelope every read returns (`{"object": "resource", "model", "id",
//! "fields", "createdAt", "updatedAt", ...}`), its warnings, and `ResourceFields`, the
//! fields of any model, serialised as the bare fields object. Its OpenAPI schema (one
//! envelope per model, discriminated by `model`) is built in `schema`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::link::{Link, ResourceRef};
use crate::macros::string_enum;
use crate::model_id::ModelId;
use crate::models::{CallFields, ContactFields, TranscriptFields, UserFields, WorkspaceFields};

/// Always `resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) enum ResourceTag {
    #[serde(rename = "resource")]
    Resource,
}

string_enum! {
    /// Why a connector could not map part of a provider record faithfully.
    pub enum WarningCode {
        /// The provider's value failed to parse (bad email, non-E.164 phone) and was left out.
        InvalidValue = "invalid_value",
        /// The provider's value has no unified equivalent (an unknown status) and was left out.
        UnknownValue = "unknown_value",
        /// The value could not be fetched (not ready yet, not permitted).
        Unavailable = "unavailable",
        /// The value was cut short (a list longer than the provider returns at once).
        Truncated = "truncated",
    }
}

/// A note on one field of a resource the connector could not map faithfully.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceWarning {
    /// The field key concerned.
    pub field: String,
    /// The stable code.
    pub code: WarningCode,
    /// A human explanation.
    pub message: String,
}

impl ResourceWarning {
    /// A warning on `field`.
    pub fn new(field: impl Into<String>, code: WarningCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// The fields of a resource of any model, serialised as the bare fields object. It has no
/// schema of its own: the published `Resource` schema picks the model's fields schema by
/// `model` (see `ContactResource`...), which an untagged union of all-optional objects
/// could not do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
// Resources are built one by one and moved into a Vec: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum ResourceFields {
    /// `genericContact` fields.
    Contact(ContactFields),
    /// `genericUser` fields.
    User(UserFields),
    /// `genericWorkspace` fields.
    Workspace(WorkspaceFields),
    /// `telephonyCall` fields.
    Call(CallFields),
    /// `telephonyCallTranscript` fields.
    Transcript(TranscriptFields),
}

impl ResourceFields {
    /// The model these fields belong to.
    pub const fn model(&self) -> ModelId {
        match self {
            ResourceFields::Contact(_) => ModelId::GenericContact,
            ResourceFields::User(_) => ModelId::GenericUser,
            ResourceFields::Workspace(_) => ModelId::GenericWorkspace,
            ResourceFields::Call(_) => ModelId::TelephonyCall,
            ResourceFields::Transcript(_) => ModelId::TelephonyCallTranscript,
        }
    }

    /// Reads a fields object of `model` (the model is not in the object itself).
    pub fn from_json(model: ModelId, value: Value) -> Result<Self, serde_json::Error> {
        Ok(match model {
            ModelId::GenericContact => ResourceFields::Contact(serde_json::from_value(value)?),
            ModelId::GenericUser => ResourceFields::User(serde_json::from_value(value)?),
            ModelId::GenericWorkspace => ResourceFields::Workspace(serde_json::from_value(value)?),
            ModelId::TelephonyCall => ResourceFields::Call(serde_json::from_value(value)?),
            ModelId::TelephonyCallTranscript => {
                ResourceFields::Transcript(serde_json::from_value(value)?)
            }
        })
    }
}

impl ResourceFields {
    /// The links held by reference field `key` (empty when `key` is not a reference field
    /// of this model or holds none), so the gateway can expand references of any model.
    pub fn links_mut(&mut self, key: &str) -> Vec<&mut Link> {
        match (self, key) {
            (ResourceFields::Contact(f), "owner") => f.owner.iter_mut().collect(),
            (ResourceFields::User(f), "workspace") => f.workspace.iter_mut().collect(),
            (ResourceFields::Call(f), "users") => f.users.iter_mut().collect(),
            (ResourceFields::Call(f), "contacts") => f.contacts.iter_mut().collect(),
            (ResourceFields::Call(f), "transcript") => f.transcript.iter_mut().collect(),
            (ResourceFields::Transcript(f), "call") => f.call.iter_mut().collect(),
            _ => Vec::new(),
        }
    }
}

macro_rules! fields_conversions {
    ($($variant:ident($ty:ty) => $as_fn:ident),+ $(,)?) => {
        $(
            impl From<$ty> for ResourceFields {
                fn from(fields: $ty) -> Self {
                    ResourceFields::$variant(fields)
                }
            }
        )+

        impl ResourceFields {
            $(
                #[doc = concat!("The fields as `", stringify!($ty), "`, if they are of that model.")]
                pub fn $as_fn(&self) -> Option<&$ty> {
                    match self {
                        ResourceFields::$variant(f) => Some(f),
                        _ => None,
                    }
                }
            )+
        }
    };
}

fields_conversions! {
    Contact(ContactFields) => as_contact,
    User(UserFields) => as_user,
    Workspace(WorkspaceFields) => as_workspace,
    Call(CallFields) => as_call,
    Transcript(TranscriptFields) => as_transcript,
}

/// A resource of any model, as every read returns it.
///
/// The model is not stored: it is the model of `fields`, so the two cannot disagree.
/// `created_at`/`updated_at` are `None` when the provider does not say, and then serialise
/// as `null` (never omitted, never invented).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The provider's id.
    pub id: String,
    /// The unified fields.
    pub fields: ResourceFields,
    /// When the provider created it, if known.
    pub created_at: Option<DateTime<Utc>>,
    /// When the provider last changed it, if known.
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's own JSON, only when the caller asked for it.
    pub raw_resource: Option<Value>,
    /// Fields the connector could not map faithfully.
    pub warnings: Vec<ResourceWarning>,
}

impl Resource {
    /// A resource with unknown timestamps, no raw payload and no warnings.
    pub fn new(id: impl Into<String>, fields: impl Into<ResourceFields>) -> Self {
        Self {
            id: id.into(),
            fields: fields.into(),
            created_at: None,
            updated_at: None,
            raw_resource: None,
            warnings: Vec::new(),
        }
    }

    /// The model, from the fields.
    pub fn model(&self) -> ModelId {
        self.fields.model()
    }

    /// Sets both timestamps (each `None` when the provider does not know it).
    #[must_use]
    pub fn with_timestamps(
        mut self,
        created_at: Option<DateTime<Utc>>,
        updated_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.created_at = created_at;
        self.updated_at = updated_at;
        self
    }

    /// Attaches the provider's payload.
    #[must_use]
    pub fn with_raw_resource(mut self, raw: Value) -> Self {
        self.raw_resource = Some(raw);
        self
    }

    /// Adds a warning.
    #[must_use]
    pub fn with_warning(mut self, warning: ResourceWarning) -> Self {
        self.warnings.push(warning);
        self
    }

    /// A reference to this resource.
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef::new(self.model(), self.id.as_str())
    }
}

/// The borrowed serialisation shape of [`Resource`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceOut<'a> {
    object: ResourceTag,
    model: ModelId,
    id: &'a str,
    fields: &'a ResourceFields,
    created_at: Option<&'a DateTime<Utc>>,
    updated_at: Option<&'a DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_resource: Option<&'a Value>,
    warnings: &'a [ResourceWarning],
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ResourceOut {
            object: ResourceTag::Resource,
            model: self.model(),
            id: &self.id,
            fields: &self.fields,
            created_at: self.created_at.as_ref(),
            updated_at: self.updated_at.as_ref(),
            raw_resource: self.raw_resource.as_ref(),
            warnings: &self.warnings,
        }
        .serialize(serializer)
    }
}

/// The deserialisation shape of `Resource`: the fields are read once the model is known.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceWire {
    object: ResourceTag,
    model: ModelId,
    id: String,
    fields: Value,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    raw_resource: Option<Value>,
    #[serde(default)]
    warnings: Vec<ResourceWarning>,
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ResourceWire::deserialize(deserializer)?;
        let fields =
            ResourceFields::from_json(wire.model, wire.fields).map_err(serde::de::Error::custom)?;
        let _ = wire.object;
        Ok(Self {
            id: wire.id,
            fields,
            created_at: wire.created_at,
            updated_at: wire.updated_at,
            raw_resource: wire.raw_resource,
            warnings: wire.warnings,
        })
    }
}

impl PartialSchema for Resource {
    fn schema() -> RefOr<Schema> {
        crate::schema::any_resource()
    }
}

impl ToSchema for Resource {
    fn name() -> std::borrow::Cow<'static, str> {
        "Resource".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        crate::schema::model_resources(schemas);
    }
}
