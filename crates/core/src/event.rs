//! Unified events: typed event names (`telephonyCall::created`, `connection::unauthorized`),
//! the subscription patterns that select them (`genericContact::*`, `*`), and the envelope
//! delivered to subscribers.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::link::{Link, ResourceRef};
use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::{ModelId, UnknownModel};
use crate::operation::Operation;
use crate::resource::Resource;

/// The prefix of connection events.
const CONNECTION: &str = "connection";

string_enum! {
    /// What happened to a resource.
    pub enum ResourceAction {
        /// It appeared.
        Created = "created",
        /// It changed.
        Updated = "updated",
        /// It was removed.
        Deleted = "deleted",
    }
}

string_enum! {
    /// What happened to a connection.
    pub enum ConnectionAction {
        /// The end user authorized it (first time or again).
        Authorized = "authorized",
        /// Its credential stopped working; it must be authorized again.
        Unauthorized = "unauthorized",
        /// It was deleted.
        Deleted = "deleted",
    }
}

impl_parse_enum!(ResourceAction, ConnectionAction);

/// What an event is about: the part of its type before `::`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventSource {
    /// Resources of one model.
    Model(ModelId),
    /// Connections.
    Connection,
}

impl fmt::Display for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventSource::Model(m) => f.write_str(m.as_str()),
            EventSource::Connection => f.write_str(CONNECTION),
        }
    }
}

impl FromStr for EventSource {
    type Err = ParseEventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == CONNECTION {
            Ok(EventSource::Connection)
        } else {
            Ok(EventSource::Model(s.parse()?))
        }
    }
}

/// An event type, `"<model>::<created|updated|deleted>"` or
/// `"connection::<authorized|unauthorized|deleted>"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A resource changed.
    Resource {
        /// Its model.
        model: ModelId,
        /// What happened.
        action: ResourceAction,
    },
    /// A connection changed.
    Connection(ConnectionAction),
}

impl EventType {
    /// What the event is about.
    pub const fn source(self) -> EventSource {
        match self {
            EventType::Resource { model, .. } => EventSource::Model(model),
            EventType::Connection(_) => EventSource::Connection,
        }
    }

    /// Every event type (resource events model-major, then connection events).
    pub fn all() -> impl Iterator<Item = EventType> {
        let resource = ModelId::ALL.iter().flat_map(|m| {
            ResourceAction::ALL
                .iter()
                .map(move |a| EventType::Resource {
                    model: *m,
                    action: *a,
                })
        });
        resource.chain(
            ConnectionAction::ALL
                .iter()
                .map(|a| EventType::Connection(*a)),
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventType::Resource { model, action } => write!(f, "{model}::{action}"),
            EventType::Connection(action) => write!(f, "{CONNECTION}::{action}"),
        }
    }
}

/// A string that is not an event type or an event filter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseEventError {
    /// Not `<source>::<action>`.
    #[error("`{0}` is not an event type; expected `<model>::<action>` or `connection::<action>`")]
    Malformed(String),
    /// The part before `::` is neither a model nor `connection`.
    #[error(transparent)]
    UnknownModel(#[from] UnknownModel),
    /// The action is not valid for the source.
    #[error("unknown action `{action}` for {event_source}; expected one of: {allowed}")]
    UnknownAction {
        /// The source parsed before `::`.
        event_source: EventSource,
        /// The rejected action.
        action: String,
        /// The accepted actions, comma separated.
        allowed: String,
    },
}

impl FromStr for EventType {
    type Err = ParseEventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (source, action) = s
            .split_once("::")
            .ok_or_else(|| ParseEventError::Malformed(s.to_owned()))?;
        let source: EventSource = source.parse()?;
        let unknown = |allowed: &[&str]| ParseEventError::UnknownAction {
            event_source: source,
            action: action.to_owned(),
            allowed: allowed.join(", "),
        };
        match source {
            EventSource::Model(model) => ResourceAction::from_wire(action)
                .map(|action| EventType::Resource { model, action })
                .ok_or_else(|| unknown(ResourceAction::VALUES)),
            EventSource::Connection => ConnectionAction::from_wire(action)
                .map(EventType::Connection)
                .ok_or_else(|| unknown(ConnectionAction::VALUES)),
        }
    }
}

/// A subscription pattern: `"*"` (everything), `"<model>::*"` or `"connection::*"` (all
/// events of one source), or an exact event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFilter {
    /// `*`.
    All,
    /// `<source>::*`.
    Source(EventSource),
    /// One event type.
    Exact(EventType),
}

impl EventFilter {
    /// Whether an event of type `event` is selected.
    pub fn matches(&self, event: &EventType) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Source(source) => event.source() == *source,
            EventFilter::Exact(exact) => exact == event,
        }
    }
}

impl fmt::Display for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventFilter::All => f.write_str("*"),
            EventFilter::Source(source) => write!(f, "{source}::*"),
            EventFilter::Exact(event) => event.fmt(f),
        }
    }
}

impl FromStr for EventFilter {
    type Err = ParseEventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "*" {
            return Ok(EventFilter::All);
        }
        match s.split_once("::") {
            Some((source, "*")) => Ok(EventFilter::Source(source.parse()?)),
            _ => Ok(EventFilter::Exact(s.parse()?)),
        }
    }
}

/// String serde and string schemas for the event name types.
macro_rules! string_serde {
    ($($ty:ty => $description:literal, $example:literal, $values:expr;)+) => {
        $(
            impl Serialize for $ty {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.collect_str(self)
                }
            }

            impl<'de> Deserialize<'de> for $ty {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                    s.parse().map_err(serde::de::Error::custom)
                }
            }

            impl PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    let values: Option<Vec<String>> = $values;
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some($description))
                        .enum_values(values)
                        .examples([$example])
                        .into()
                }
            }

            impl ToSchema for $ty {}
        )+
    };
}

string_serde! {
    EventType => "An event type, `<model>::<created|updated|deleted>` or `connection::<authorized|unauthorized|deleted>`.",
        "telephonyCall::created", Some(EventType::all().map(|e| e.to_string()).collect());
    EventFilter => "An event pattern: `*`, `<model>::*`, `connection::*`, or an exact event type.",
        "genericContact::*", None;
}

/// What an event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventData {
    /// The resource as it is now (created, updated).
    Resource(Box<Resource>),
    /// A pointer to the resource (deleted, or when it could not be fetched).
    Ref(ResourceRef),
    /// A connection event's details.
    Connection(ConnectionEventData),
}

impl From<Link> for EventData {
    fn from(link: Link) -> Self {
        match link {
            Link::Ref(r) => EventData::Ref(r),
            Link::Expanded(r) => EventData::Resource(r),
        }
    }
}

impl From<Resource> for EventData {
    fn from(resource: Resource) -> Self {
        EventData::Resource(Box::new(resource))
    }
}

/// The details of a connection event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionEventData {
    /// The operations the connection is granted (empty once deleted). Required when
    /// reading, so a malformed resource payload cannot pass for connection data.
    pub operations: Vec<Operation>,
    /// Why the connection became unauthorized, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The envelope of every delivered event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Unique per event; receivers de-duplicate on it.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened (or was observed), ISO 8601 UTC.
    pub timestamp: DateTime<Utc>,
    /// The connector of the connection concerned.
    pub connector_id: String,
    /// The owner of the connection concerned.
    pub owner_id: String,
    /// The resource, a reference to it, or connection details.
    pub data: EventData,
}

impl Event {
    /// A resource event; the type's model comes from `resource`, so they always agree.
    pub fn resource(
        id: impl Into<String>,
        timestamp: DateTime<Utc>,
        connector_id: impl Into<String>,
        owner_id: impl Into<String>,
        action: ResourceAction,
        resource: impl Into<Link>,
    ) -> Self {
        let link = resource.into();
        Self {
            id: id.into(),
            event_type: EventType::Resource {
                model: link.model(),
                action,
            },
            timestamp,
            connector_id: connector_id.into(),
            owner_id: owner_id.into(),
            data: link.into(),
        }
    }

    /// A connection event.
    pub fn connection(
        id: impl Into<String>,
        timestamp: DateTime<Utc>,
        connector_id: impl Into<String>,
        owner_id: impl Into<String>,
        action: ConnectionAction,
        data: ConnectionEventData,
    ) -> Self {
        Self {
            id: id.into(),
            event_type: EventType::Connection(action),
            timestamp,
            connector_id: connector_id.into(),
            owner_id: owner_id.into(),
            data: EventData::Connection(data),
        }
    }
}
