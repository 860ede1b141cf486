//! `genericWorkspace` <- Dialpad office (read only: Dialpad's office API cannot write a
//! workspace's fields). `phoneNumbers` are `phone_numbers`, `status` is `state`, `isPrimary`
//! is `is_primary_office`; Dialpad keeps no creation or change date on offices.

use patchbay_core::{
    ConnectorError, ModelId, Resource, WarningCode, WorkspaceFields, WorkspaceStatus,
};

use super::{Warnings, phones, required_id, text};
use crate::types::common::EnablementState;
use crate::types::offices::OfficeProto;

const MODEL: ModelId = ModelId::GenericWorkspace;

/// The unified workspace for a Dialpad office.
pub(crate) fn to_resource(proto: &OfficeProto) -> Result<Resource, ConnectorError> {
    let id = required_id(proto.id.or(proto.office_id).map(|id| id.to_string()), MODEL)?;
    let mut warnings = Warnings::default();
    let name = text(proto.name.as_deref()).unwrap_or_else(|| {
        warnings.push(
            "name",
            WarningCode::Unavailable,
            "Dialpad sent this office without a name",
        );
        String::new()
    });
    let status = proto
        .state
        .as_ref()
        .and_then(|state| status(state, &mut warnings));
    let fields = WorkspaceFields {
        name,
        timezone: text(proto.timezone.as_deref()),
        country: text(proto.country.as_deref()).map(|c| c.to_ascii_uppercase()),
        phone_numbers: phones(
            proto.phone_numbers.iter().map(String::as_str),
            "phoneNumbers",
            &mut warnings,
        ),
        status,
        is_primary: proto.is_primary_office,
    };
    let mut resource = Resource::new(id, fields);
    resource.warnings = warnings.into_vec();
    Ok(resource)
}

/// The unified status of an office's enablement state.
pub(crate) fn status(state: &EnablementState, warnings: &mut Warnings) -> Option<WorkspaceStatus> {
    match state {
        EnablementState::Active => Some(WorkspaceStatus::Active),
        EnablementState::Cancelled => Some(WorkspaceStatus::Cancelled),
        EnablementState::Deleted => Some(WorkspaceStatus::Deleted),
        EnablementState::Pending => Some(WorkspaceStatus::Pending),
        EnablementState::Suspended => Some(WorkspaceStatus::Suspended),
        EnablementState::Other(other) => {
            warnings.push(
                "status",
                WarningCode::UnknownValue,
                format!("Dialpad's office state {other:?} has no unified status"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn an_office_maps_to_a_workspace() {
        let office: OfficeProto = serde_json::from_value(json!({
            "id": "124", "office_id": "124", "name": "HQ", "timezone": "US/Pacific",
            "country": "us", "phone_numbers": ["+14155551000", "bad"], "state": "active",
            "is_primary_office": true, "monday_hours": ["08:00", "18:00"]
        }))
        .unwrap();
        let resource = to_resource(&office).unwrap();
        assert_eq!(resource.id, "124");
        assert_eq!((resource.created_at, resource.updated_at), (None, None));
        assert_eq!(
            serde_json::to_value(&resource.fields).unwrap(),
            json!({"name": "HQ", "timezone": "US/Pacific", "country": "US",
                "phoneNumbers": ["+14155551000"], "status": "active", "isPrimary": true})
        );
        assert_eq!(resource.warnings[0].field, "phoneNumbers");
    }

    #[test]
    fn an_office_id_alone_names_it_and_odd_states_warn() {
        let office: OfficeProto =
            serde_json::from_value(json!({"office_id": "9", "state": "frozen"})).unwrap();
        let resource = to_resource(&office).unwrap();
        assert_eq!(resource.id, "9");
        let fields = resource.fields.as_workspace().unwrap();
        assert_eq!((fields.name.as_str(), fields.status), ("", None));
        let warned: Vec<&str> = resource.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(warned, ["name", "status"]);
    }
}
