//! References between resources: the `ResourceRef` (`{"object": "resourceRef", "model",
//! "id"}`) and the `Link` a reference field holds, which is either a ref or, when the caller
//! asked to `expand` it, the full `Resource`; the two are told apart by `object`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::model_id::ModelId;
use crate::resource::Resource;

/// Always `resourceRef`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
enum ResourceRefTag {
    #[serde(rename = "resourceRef")]
    ResourceRef,
}

/// A pointer to a resource: `{"object": "resourceRef", "model", "id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    /// The model of the resource pointed at.
    pub model: ModelId,
    /// The provider's id of the resource.
    pub id: String,
}

impl ResourceRef {
    /// A reference to `id` of `model`.
    pub fn new(model: ModelId, id: impl Into<String>) -> Self {
        Self {
            model,
            id: id.into(),
        }
    }
}

// The wire shape of `ResourceRef`; its doc comment is the published schema description.
/// A pointer to a resource, held by fields referencing it (`expand` swaps in the resource).
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(as = ResourceRef)]
struct ResourceRefWire<'a> {
    #[schema(inline)]
    object: ResourceRefTag,
    model: ModelId,
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
}

impl Serialize for ResourceRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ResourceRefWire {
            object: ResourceRefTag::ResourceRef,
            model: self.model,
            id: self.id.as_str().into(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ResourceRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ResourceRefWire::deserialize(deserializer)?;
        Ok(Self {
            model: wire.model,
            id: wire.id.into_owned(),
        })
    }
}

impl PartialSchema for ResourceRef {
    fn schema() -> RefOr<Schema> {
        ResourceRefWire::schema()
    }
}

impl ToSchema for ResourceRef {
    fn name() -> std::borrow::Cow<'static, str> {
        ResourceRefWire::name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        ResourceRefWire::schemas(schemas);
    }
}

/// What a field pointing at another resource holds: a [`ResourceRef`], or the full
/// [`Resource`] when the caller asked to `expand` it. Told apart by `object`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
// The expanded resource contains fields that contain links: stop schema collection here.
#[schema(no_recursion)]
pub enum Link {
    /// `{"object": "resourceRef", ...}`.
    Ref(ResourceRef),
    /// `{"object": "resource", ...}`.
    Expanded(Box<Resource>),
}

impl Link {
    /// A reference to `id` of `model`.
    pub fn to(model: ModelId, id: impl Into<String>) -> Self {
        Link::Ref(ResourceRef::new(model, id))
    }

    /// The model pointed at.
    pub fn model(&self) -> ModelId {
        match self {
            Link::Ref(r) => r.model,
            Link::Expanded(r) => r.model(),
        }
    }

    /// The id pointed at.
    pub fn id(&self) -> &str {
        match self {
            Link::Ref(r) => &r.id,
            Link::Expanded(r) => &r.id,
        }
    }

    /// The link as a plain reference, dropping any expansion.
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef::new(self.model(), self.id())
    }
}

impl From<ResourceRef> for Link {
    fn from(r: ResourceRef) -> Self {
        Link::Ref(r)
    }
}

impl From<Resource> for Link {
    fn from(r: Resource) -> Self {
        Link::Expanded(Box::new(r))
    }
}
