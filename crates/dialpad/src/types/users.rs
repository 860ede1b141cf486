//! Dialpad users (`/api/v2/users`): the user object, its list page, and the create and update
//! bodies. User dates are naive UTC ISO strings; ids are int64 strings.

use serde::{Deserialize, Serialize};

use super::common::{Collection, EnablementState, GroupRole, License, TargetType};
use super::open_enum::open_enum;
use super::wire::{Int64, NaiveUtcDateTime, Nullable, null_as_empty};

/// `protos.user.UserCollection`: a page of users.
pub type UserCollection = Collection<UserProto>;

/// `protos.user.UserProto`: a user as Dialpad returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserProto {
    /// A list of office IDs for which this user has admin privileges.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_office_ids: Vec<Int64>,
    /// The id of the user's company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Int64>,
    /// The country in which the user resides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The date when the user activated their Dialpad account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_active: Option<NaiveUtcDateTime>,
    /// A timestamp indicating when this user was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_added: Option<NaiveUtcDateTime>,
    /// A timestamp indicating the first time that this user logged in to Dialpad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_first_login: Option<NaiveUtcDateTime>,
    /// The user's name, for display purposes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A boolean indicating whether the user is currently in "Do not disturb" mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_not_disturb: Option<bool>,
    /// A description of this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty_status_reason: Option<String>,
    /// The timestamp, in UTC, when the current on duty status changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duty_status_started: Option<NaiveUtcDateTime>,
    /// A list of email addresses belonging to this user.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// The extension that should be associated with this user in the company or office IVR
    /// directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The given name of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// A list of phone numbers that should be dialed in addition to the user's Dialpad number(s)
    /// upon receiving a call.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwarding_numbers: Vec<String>,
    /// Details regarding the groups that this user is a member of.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_details: Vec<GroupDetailsProto>,
    /// The user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The url of the user's profile image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Whether or not the user is enabled to dial internationally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub international_dialing_enabled: Option<bool>,
    /// A boolean indicating whether this user has administrator privileges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    /// A boolean indicating whether the user is not currently on a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_available: Option<bool>,
    /// A boolean indicating whether this user is currently acting as an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_on_duty: Option<bool>,
    /// A boolean indicating whether the user currently has an active Dialpad device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_online: Option<bool>,
    /// A boolean indicating whether this user has company-wide administrator privileges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_super_admin: Option<bool>,
    /// The user's job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// The preferred spoken language of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The family name of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The license type that has been allocated to this user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    /// The self-reported location of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// A boolean indicating whether the user has muted their microphone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    /// The ID of the user's office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
    /// The timestamp, in UTC, when this operator became available for contact center calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_duty_started: Option<NaiveUtcDateTime>,
    /// A description of operator's on duty status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_duty_status: Option<OnDutyStatus>,
    /// True if user has completed the onboarding process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onboarding_completed: Option<bool>,
    /// A list of phone numbers belonging to this user.
    #[serde(deserialize_with = "null_as_empty")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// The session type of operator's current occupied call or digital.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_type: Option<SessionType>,
    /// The current enablement state of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
    /// A message indicating the activity that the user is currently engaged in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// The timezone that this user abides by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Voicemail settings for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voicemail: Option<VoicemailSettings>,
}

/// `protos.user.CreateUserMessage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateUserMessage {
    /// If set to true, a number will be automatically assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_assign: Option<bool>,
    /// The user's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The user's last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The user's license type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    /// The user's office id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<Int64>,
}

/// `protos.user.UpdateUserMessage`: the PATCH body. Scalars are [`Nullable`] (absent leaves a
/// field, `Null` clears it); lists are `Option`, so "leave as is" (`None`) and "empty it"
/// (`Some(vec![])`) stay distinct.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateUserMessage {
    /// The list of admin office IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_office_ids: Option<Vec<Int64>>,
    /// The user's emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    /// The user's new extension number.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub extension: Nullable<String>,
    /// The user's first name.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub first_name: Nullable<String>,
    /// A list of phone numbers that should be dialed in addition to the user's Dialpad number(s)
    /// upon receiving a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding_numbers: Option<Vec<String>>,
    /// Whether or not the user is enabled to dial internationally.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub international_dialing_enabled: Nullable<bool>,
    /// Whether or not the user is a super admin.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub is_super_admin: Nullable<bool>,
    /// The user's job title.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub job_title: Nullable<String>,
    /// Whether or not to keep phone numbers when switching to a support license.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub keep_paid_numbers: Nullable<bool>,
    /// The user's last name.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub last_name: Nullable<String>,
    /// The user's license type.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub license: Nullable<License>,
    /// The user's office id.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub office_id: Nullable<Int64>,
    /// A list of the phone number(s) assigned to this user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// The presence status shown on hover; `Null` (or an empty status) clears it.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub presence_status: Nullable<PresenceStatus>,
    /// The user's state.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub state: Nullable<EnablementState>,
}

/// `protos.user.VoicemailSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoicemailSettings {
    /// Whether the user is using the default voicemail or a custom one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default_voicemail: Option<bool>,
    /// The display name for the voicemail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether voicemail notifications are active or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voicemail_notifications_enabled: Option<bool>,
}

/// `protos.user.GroupDetailsProto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupDetailsProto {
    /// Whether the user is currently in do-not-disturb mode for this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_not_disturb: Option<bool>,
    /// The ID of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Int64>,
    /// The group type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_type: Option<TargetType>,
    /// The user's role in the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<GroupRole>,
}

/// `protos.user.PresenceStatus`: part of the user update body, hence [`Nullable`] fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PresenceStatus {
    /// The presence status message to be updated.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub message: Nullable<String>,
    /// The provider requesting the presence status update.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub provider: Nullable<String>,
    /// Predefined templates will be only used for the supported types.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub r#type: Nullable<PresenceStatusType>,
}

open_enum! {
    /// An operator's on-duty status.
    pub enum OnDutyStatus {
        Available => "available",
        Busy => "busy",
        Occupied => "occupied",
        OccupiedEnd => "occupied-end",
        Unavailable => "unavailable",
        Wrapup => "wrapup",
        WrapupEnd => "wrapup-end",
    }
}

open_enum! {
    /// What an occupied operator is busy with.
    pub enum SessionType {
        Call => "call",
        Digital => "digital",
    }
}

open_enum! {
    /// The template of a presence status.
    pub enum PresenceStatusType {
        Conference => "conference",
        Default => "default",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn update_tells_clearing_a_list_from_leaving_it() {
        let update = UpdateUserMessage {
            forwarding_numbers: Some(Vec::new()),
            office_id: Nullable::Value(Int64(6422934115149452)),
            state: Nullable::Value(EnablementState::Suspended),
            ..UpdateUserMessage::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"forwarding_numbers": [], "office_id": "6422934115149452", "state": "suspended"})
        );
    }

    #[test]
    fn update_can_clear_scalars_and_the_presence_status() {
        let update = UpdateUserMessage {
            extension: Nullable::Null,
            job_title: Nullable::Null,
            presence_status: Nullable::Null,
            first_name: Nullable::Value("Ada".to_owned()),
            ..UpdateUserMessage::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"extension": null, "first_name": "Ada", "job_title": null, "presence_status": null})
        );
        let read: UpdateUserMessage =
            serde_json::from_value(json!({"job_title": null, "license": "agents"})).unwrap();
        assert!(read.job_title.is_null());
        assert_eq!(read.license.value(), Some(&License::Agents));
        assert!(read.extension.is_absent());
        assert_eq!(read.forwarding_numbers, None);
    }

    #[test]
    fn create_accepts_numeric_office_ids_from_older_clients() {
        let create: CreateUserMessage = serde_json::from_value(json!({
            "email": "mocky@fuzz-ball.com", "office_id": 6422934115149452_i64, "license": "talk"
        }))
        .unwrap();
        assert_eq!(create.office_id, Some(Int64(6422934115149452)));
        assert_eq!(create.license, Some(License::Talk));
    }
}
