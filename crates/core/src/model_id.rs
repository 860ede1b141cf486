//! The closed set of unified models (`genericContact`, `telephonyCall`...).
//! Model names enter as strings (paths, operation names, event types) and become a
//! `ModelId` at once; an unknown name is a typed error the gateway answers with 404.

use std::str::FromStr;

use crate::macros::string_enum;

string_enum! {
    /// A unified model, spelled on the wire in camelCase.
    pub enum ModelId {
        /// A person in an address book (`genericContact`).
        GenericContact = "genericContact",
        /// A member of the provider account (`genericUser`).
        GenericUser = "genericUser",
        /// An office, team or account grouping users (`genericWorkspace`).
        GenericWorkspace = "genericWorkspace",
        /// A phone call (`telephonyCall`).
        TelephonyCall = "telephonyCall",
        /// The transcript of a phone call (`telephonyCallTranscript`).
        TelephonyCallTranscript = "telephonyCallTranscript",
    }
}

/// A model name that is not one of [`ModelId::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model `{0}`; known models: {known}", known = ModelId::VALUES.join(", "))]
pub struct UnknownModel(pub String);

impl FromStr for ModelId {
    type Err = UnknownModel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_wire(s).ok_or_else(|| UnknownModel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_model_round_trips_through_its_wire_name() {
        for model in ModelId::ALL {
            let parsed: ModelId = model.as_str().parse().unwrap();
            assert_eq!(parsed, *model);
            let json = serde_json::to_string(model).unwrap();
            assert_eq!(json, format!("\"{}\"", model.as_str()));
        }
    }

    #[test]
    fn unknown_model_is_a_typed_error_naming_the_input() {
        let err = "crmDeal".parse::<ModelId>().unwrap_err();
        assert_eq!(err, UnknownModel("crmDeal".into()));
        assert!(err.to_string().contains("crmDeal"));
        assert!(err.to_string().contains("telephonyCallTranscript"));
        // Case matters on the wire.
        assert!("GenericContact".parse::<ModelId>().is_err());
    }
}
