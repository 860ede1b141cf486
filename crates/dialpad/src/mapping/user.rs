//! `genericUser` <-> Dialpad user. `email` is the first of `emails`, `phones` are
//! `phone_numbers`, `status` is `state`, `isAdmin` is `is_admin` or `is_super_admin`,
//! `workspace` is `office_id` (writing it moves the user), `createdAt` is `date_added`.

use patchbay_core::{
    ConnectorError, Link, ModelId, Resource, UserCreate, UserFields, UserStatus, UserUpdate,
    WarningCode,
};

use super::contact::nullable;
use super::{Warnings, emails, phones, reference_id, required_id, text};
use crate::types::common::EnablementState;
use crate::types::users::{CreateUserMessage, UpdateUserMessage, UserProto};
use crate::types::wire::Nullable;

const MODEL: ModelId = ModelId::GenericUser;

/// The unified user for a Dialpad user.
pub(crate) fn to_resource(proto: &UserProto) -> Result<Resource, ConnectorError> {
    let id = required_id(proto.id.map(|id| id.to_string()), MODEL)?;
    let mut warnings = Warnings::default();
    let emails = emails(
        proto.emails.iter().map(String::as_str),
        "emails",
        &mut warnings,
    );
    let phones = phones(
        proto.phone_numbers.iter().map(String::as_str),
        "phones",
        &mut warnings,
    );
    let status = proto
        .state
        .as_ref()
        .and_then(|state| status(state, &mut warnings));
    let is_admin = match (proto.is_admin, proto.is_super_admin) {
        (None, None) => None,
        (admin, super_admin) => Some(admin.unwrap_or(false) || super_admin.unwrap_or(false)),
    };
    let fields = UserFields {
        first_name: text(proto.first_name.as_deref()),
        last_name: text(proto.last_name.as_deref()),
        email: emails.first().cloned(),
        emails,
        phones,
        job_title: text(proto.job_title.as_deref()),
        status,
        is_admin,
        timezone: text(proto.timezone.as_deref()),
        language: text(proto.language.as_deref()),
        extension: text(proto.extension.as_deref()),
        workspace: proto
            .office_id
            .map(|office| Link::to(ModelId::GenericWorkspace, office.to_string())),
    };
    let mut resource =
        Resource::new(id, fields).with_timestamps(proto.date_added.map(|d| d.to_utc()), None);
    resource.warnings = warnings.into_vec();
    Ok(resource)
}

/// The unified status of a Dialpad enablement state.
pub(crate) fn status(state: &EnablementState, warnings: &mut Warnings) -> Option<UserStatus> {
    match state {
        EnablementState::Active => Some(UserStatus::Active),
        EnablementState::Cancelled => Some(UserStatus::Cancelled),
        EnablementState::Deleted => Some(UserStatus::Deleted),
        EnablementState::Pending => Some(UserStatus::Pending),
        EnablementState::Suspended => Some(UserStatus::Suspended),
        EnablementState::Other(other) => {
            warnings.push(
                "status",
                WarningCode::UnknownValue,
                format!("Dialpad's user state {other:?} has no unified status"),
            );
            None
        }
    }
}

/// The Dialpad state filter of a unified status.
pub(crate) fn state_filter(status: UserStatus) -> crate::types::queries::UserStateFilter {
    use crate::types::queries::UserStateFilter;
    match status {
        UserStatus::Active => UserStateFilter::Active,
        UserStatus::Suspended => UserStateFilter::Suspended,
        UserStatus::Pending => UserStateFilter::Pending,
        UserStatus::Deleted => UserStateFilter::Deleted,
        UserStatus::Cancelled => UserStateFilter::Cancelled,
    }
}

/// The `POST /api/v2/users` body. The descriptor requires `workspace`: Dialpad needs the
/// office a user joins.
pub(crate) fn create_body(input: &UserCreate) -> Result<CreateUserMessage, ConnectorError> {
    let office_id = match &input.workspace {
        Some(id) => Some(reference_id(id, "workspace", ModelId::GenericWorkspace)?),
        None => None,
    };
    refuse_unwritable(
        input.job_title.is_some()
            || input.is_admin.is_some()
            || input.timezone.is_some()
            || input.language.is_some()
            || input.extension.is_some(),
    )?;
    Ok(CreateUserMessage {
        email: Some(input.email.as_str().to_owned()),
        first_name: input.first_name.as_ref().map(|n| n.as_str().to_owned()),
        last_name: input.last_name.as_ref().map(|n| n.as_str().to_owned()),
        office_id,
        auto_assign: None,
        license: None,
    })
}

/// The `PATCH /api/v2/users/{id}` body. `isAdmin: false` also drops office admin rights,
/// so the user reads back as not an admin; `workspace` moves the user to that office.
pub(crate) fn update_body(input: &UserUpdate) -> Result<UpdateUserMessage, ConnectorError> {
    refuse_unwritable(!input.timezone.is_unchanged() || !input.language.is_unchanged())?;
    let office_id = match &input.workspace {
        Some(id) => Nullable::Value(reference_id(id, "workspace", ModelId::GenericWorkspace)?),
        None => Nullable::Absent,
    };
    Ok(UpdateUserMessage {
        first_name: nullable(&input.first_name),
        last_name: nullable(&input.last_name),
        job_title: nullable(&input.job_title),
        extension: nullable(&input.extension),
        is_super_admin: input.is_admin.map_or(Nullable::Absent, Nullable::Value),
        admin_office_ids: (input.is_admin == Some(false)).then(Vec::new),
        office_id,
        ..UpdateUserMessage::default()
    })
}

/// Validation already refused fields the descriptor does not declare; this keeps a caller
/// that skipped it from having them silently dropped.
fn refuse_unwritable(any: bool) -> Result<(), ConnectorError> {
    if any {
        Err(ConnectorError::BadRequest {
            message: "Dialpad cannot write a user's time zone or language, nor set a job \
                      title, extension or admin rights when creating one"
                .into(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use patchbay_core::{CreateInput, SupportedFields, UpdateInput, parse_create, parse_update};
    use serde_json::{Value, json};

    use super::*;

    fn proto(value: Value) -> UserProto {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_user_maps_every_rule() {
        let resource = to_resource(&proto(json!({
            "id": "5835806903417907", "first_name": "Ada", "last_name": "Lovelace",
            "emails": ["ada@fuzz-ball.com", "ada2@fuzz-ball.com"],
            "phone_numbers": ["+14155551001"], "job_title": "CTO", "state": "suspended",
            "is_admin": false, "is_super_admin": true, "timezone": "US/Pacific",
            "language": "en", "extension": "101", "office_id": "124",
            "date_added": "2021-06-20T19:18:00"
        })))
        .unwrap();
        assert_eq!(resource.id, "5835806903417907");
        assert_eq!(
            resource.created_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-06-20T19:18:00+00:00")
        );
        assert_eq!(resource.updated_at, None);
        assert_eq!(
            serde_json::to_value(&resource.fields).unwrap(),
            json!({
                "firstName": "Ada", "lastName": "Lovelace", "email": "ada@fuzz-ball.com",
                "emails": ["ada@fuzz-ball.com", "ada2@fuzz-ball.com"],
                "phones": ["+14155551001"], "jobTitle": "CTO", "status": "suspended",
                "isAdmin": true, "timezone": "US/Pacific", "language": "en",
                "extension": "101",
                "workspace": {"object": "resourceRef", "model": "genericWorkspace", "id": "124"}
            })
        );
    }

    #[test]
    fn admin_flags_and_unknown_states() {
        let plain = to_resource(&proto(json!({"id": "1", "is_admin": false}))).unwrap();
        assert_eq!(plain.fields.as_user().unwrap().is_admin, Some(false));
        let office_admin = to_resource(&proto(json!({"id": "1", "is_admin": true}))).unwrap();
        assert_eq!(office_admin.fields.as_user().unwrap().is_admin, Some(true));
        let unknown = to_resource(&proto(json!({"id": "1", "state": "archived"}))).unwrap();
        let user = unknown.fields.as_user().unwrap();
        assert_eq!((user.status, user.is_admin), (None, None));
        assert_eq!(unknown.warnings[0].field, "status");
        assert_eq!(unknown.created_at, None);
    }

    #[test]
    fn create_and_update_bodies() {
        let Ok(CreateInput::User(create)) = parse_create(
            SupportedFields::of_model(MODEL),
            &json!({"email": "ada@x.io", "firstName": "Ada", "workspace": "124"}),
        ) else {
            panic!()
        };
        assert_eq!(
            serde_json::to_value(create_body(&create).unwrap()).unwrap(),
            json!({"email": "ada@x.io", "first_name": "Ada", "office_id": "124"})
        );
        let Ok(CreateInput::User(bad)) = parse_create(
            SupportedFields::of_model(MODEL),
            &json!({"email": "ada@x.io", "workspace": "hq"}),
        ) else {
            panic!()
        };
        let err = create_body(&bad).unwrap_err();
        assert!(
            matches!(err, ConnectorError::Validation(ref e) if e.as_slice()[0].field == "workspace")
        );

        let Ok(UpdateInput::User(update)) = parse_update(
            SupportedFields::of_model(MODEL),
            &json!({"lastName": "L", "jobTitle": null, "isAdmin": false, "workspace": "125"}),
        ) else {
            panic!()
        };
        assert_eq!(
            serde_json::to_value(update_body(&update).unwrap()).unwrap(),
            json!({"last_name": "L", "job_title": null, "is_super_admin": false,
                "admin_office_ids": [], "office_id": "125"})
        );
    }
}
