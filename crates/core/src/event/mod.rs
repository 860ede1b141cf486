//! Unified events: the envelope delivered to subscribers, whose `type` and `data` always
//! agree (its fields are private; constructors and `Deserialize` check them together), and
//! the event names and subscription patterns (in `name`).

mod name;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub use name::{
    ConnectionAction, EventFilter, EventSource, EventType, ParseEventError, ResourceAction,
};

use crate::link::{Link, ResourceRef};
use crate::model_id::ModelId;
use crate::operation::Operation;
use crate::resource::Resource;

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

impl EventData {
    /// The model of the resource carried, for resource data.
    pub fn model(&self) -> Option<ModelId> {
        match self {
            EventData::Resource(r) => Some(r.model()),
            EventData::Ref(r) => Some(r.model),
            EventData::Connection(_) => None,
        }
    }
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
    #[schema(nullable = false)]
    pub reason: Option<String>,
}

/// An event whose `type` and `data` disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a `{event_type}` event cannot carry {found}")]
pub struct EventMismatch {
    /// The event type.
    pub event_type: EventType,
    /// What the data was.
    pub found: String,
}

/// The envelope of every delivered event.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Unique per event; receivers de-duplicate on it.
    id: String,
    /// What happened.
    #[serde(rename = "type")]
    event_type: EventType,
    /// When it happened (or was observed), ISO 8601 UTC.
    timestamp: DateTime<Utc>,
    /// The connector of the connection concerned.
    connector_id: String,
    /// The owner of the connection concerned.
    owner_id: String,
    /// The resource (or a reference to it) of the type's model, or connection details.
    data: EventData,
}

impl Event {
    /// An event of any type; fails when `data` does not fit `event_type` (connection
    /// details on a resource event, or a resource of another model).
    pub fn new(
        id: impl Into<String>,
        timestamp: DateTime<Utc>,
        connector_id: impl Into<String>,
        owner_id: impl Into<String>,
        event_type: EventType,
        data: EventData,
    ) -> Result<Self, EventMismatch> {
        let fits = match event_type {
            EventType::Resource { model, .. } => data.model() == Some(model),
            EventType::Connection(_) => matches!(data, EventData::Connection(_)),
        };
        if !fits {
            let found = match data.model() {
                Some(model) => format!("a {model} resource"),
                None => "connection details".to_owned(),
            };
            return Err(EventMismatch { event_type, found });
        }
        Ok(Self {
            id: id.into(),
            event_type,
            timestamp,
            connector_id: connector_id.into(),
            owner_id: owner_id.into(),
            data,
        })
    }

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

    /// Unique per event.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What happened.
    pub const fn event_type(&self) -> EventType {
        self.event_type
    }

    /// When it happened.
    pub const fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    /// The connector of the connection concerned.
    pub fn connector_id(&self) -> &str {
        &self.connector_id
    }

    /// The owner of the connection concerned.
    pub fn owner_id(&self) -> &str {
        &self.owner_id
    }

    /// What the event carries.
    pub const fn data(&self) -> &EventData {
        &self.data
    }

    /// The carried data, by value.
    pub fn into_data(self) -> EventData {
        self.data
    }
}

/// The reading shape of `Event`: `data` is read as what `type` says it is.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventWire {
    id: String,
    #[serde(rename = "type")]
    event_type: EventType,
    timestamp: DateTime<Utc>,
    connector_id: String,
    owner_id: String,
    data: Value,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let wire = EventWire::deserialize(deserializer)?;
        let data = match wire.event_type {
            EventType::Resource { .. } => EventData::from(
                serde_json::from_value::<Link>(wire.data).map_err(D::Error::custom)?,
            ),
            EventType::Connection(_) => {
                EventData::Connection(serde_json::from_value(wire.data).map_err(D::Error::custom)?)
            }
        };
        Event::new(
            wire.id,
            wire.timestamp,
            wire.connector_id,
            wire.owner_id,
            wire.event_type,
            data,
        )
        .map_err(D::Error::custom)
    }
}
