//! Event names: typed event types (`telephonyCall::created`, `connection::unauthorized`) and
//! the subscription patterns that select them (`genericContact::*`, `*`), each a plain
//! string on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::{ModelId, UnknownModel};

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
