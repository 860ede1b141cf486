//! Operations: `"<model>::<op>"` strings (`genericContact::list`) naming what a connection
//! may do and what a connector supports. Parsed once into `Operation`; serialised back to
//! the same string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::{ModelId, UnknownModel};

string_enum! {
    /// The verb of an operation.
    pub enum OperationKind {
        /// `GET /v1/resources/{model}`.
        List = "list",
        /// `GET /v1/resources/{model}/{id}`.
        Retrieve = "retrieve",
        /// `POST /v1/resources/{model}`.
        Create = "create",
        /// `PATCH /v1/resources/{model}/{id}`.
        Update = "update",
        /// `DELETE /v1/resources/{model}/{id}`.
        Delete = "delete",
    }
}

impl_parse_enum!(OperationKind);

/// One operation on one model, `"<model>::<op>"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operation {
    /// The model operated on.
    pub model: ModelId,
    /// The verb.
    pub kind: OperationKind,
}

impl Operation {
    /// The operation `kind` on `model`.
    pub const fn new(model: ModelId, kind: OperationKind) -> Self {
        Self { model, kind }
    }

    /// Every operation on every model (model-major order).
    pub fn all() -> impl Iterator<Item = Operation> {
        ModelId::ALL.iter().flat_map(|m| {
            OperationKind::ALL
                .iter()
                .map(move |k| Operation::new(*m, *k))
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.model, self.kind)
    }
}

/// A string that is not `"<model>::<op>"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseOperationError {
    /// No `::` separator.
    #[error("`{0}` is not an operation; expected `<model>::<op>` such as `genericContact::list`")]
    Malformed(String),
    /// The model part is unknown.
    #[error(transparent)]
    UnknownModel(#[from] UnknownModel),
    /// The op part is not list, retrieve, create, update or delete.
    #[error("unknown operation `{0}`; expected one of: list, retrieve, create, update, delete")]
    UnknownKind(String),
}

impl FromStr for Operation {
    type Err = ParseOperationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (model, kind) = s
            .split_once("::")
            .ok_or_else(|| ParseOperationError::Malformed(s.to_owned()))?;
        let model: ModelId = model.parse()?;
        let kind = OperationKind::from_wire(kind)
            .ok_or_else(|| ParseOperationError::UnknownKind(kind.to_owned()))?;
        Ok(Self { model, kind })
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl PartialSchema for Operation {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An operation, `<model>::<op>`."))
            .enum_values(Some(Operation::all().map(|op| op.to_string())))
            .examples(["genericContact::list"])
            .into()
    }
}

impl ToSchema for Operation {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn operations_parse_display_and_serialise_as_their_string() {
        let op: Operation = "telephonyCall::retrieve".parse().unwrap();
        assert_eq!(
            op,
            Operation::new(ModelId::TelephonyCall, OperationKind::Retrieve)
        );
        assert_eq!(op.to_string(), "telephonyCall::retrieve");
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            "\"telephonyCall::retrieve\""
        );
        let ops: Vec<Operation> =
            serde_json::from_str(r#"["genericContact::list", "genericUser::delete"]"#).unwrap();
        assert_eq!(
            ops[1],
            Operation::new(ModelId::GenericUser, OperationKind::Delete)
        );
        assert_eq!(Operation::all().count(), 25);
        for op in Operation::all() {
            assert_eq!(op.to_string().parse::<Operation>().unwrap(), op);
        }
    }

    #[test]
    fn bad_operations_say_what_is_wrong() {
        assert!(matches!(
            "genericContact".parse::<Operation>(),
            Err(ParseOperationError::Malformed(_))
        ));
        assert!(matches!(
            "crmDeal::list".parse::<Operation>(),
            Err(ParseOperationError::UnknownModel(_))
        ));
        assert_eq!(
            "genericContact::upsert".parse::<Operation>(),
            Err(ParseOperationError::UnknownKind("upsert".into()))
        );
        assert!("genericContact::list::x".parse::<Operation>().is_err());
        let err = serde_json::from_str::<Operation>("\"genericContact:list\"").unwrap_err();
        assert!(
            err.to_string().contains("expected `<model>::<op>`"),
            "{err}"
        );
    }
}
