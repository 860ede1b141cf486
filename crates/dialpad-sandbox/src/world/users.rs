//! Users as Dialpad shows them (`protos.user.UserProto`), which users' credentials no
//! longer work, and the tombstone a deleted user leaves.

use serde::Serialize;

use super::display_name;
use crate::ids::{ser_i64, ser_vec_i64};

#[derive(Debug, Clone, Serialize)]
pub struct VoicemailSettings {
    pub is_default_voicemail: bool,
    pub name: String,
    pub voicemail_notifications_enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupDetails {
    pub do_not_disturb: bool,
    #[serde(serialize_with = "ser_i64")]
    pub group_id: i64,
    pub group_type: &'static str,
    pub role: &'static str,
}

/// `protos.user.UserProto`. Empty lists and absent dates are left out, as Dialpad's
/// proto3 JSON leaves them out (its example of a deleted user has no `emails`).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    #[serde(serialize_with = "ser_i64")]
    pub id: i64,
    #[serde(serialize_with = "ser_i64")]
    pub company_id: i64,
    #[serde(serialize_with = "ser_i64")]
    pub office_id: i64,
    #[serde(serialize_with = "ser_vec_i64", skip_serializing_if = "Vec::is_empty")]
    pub admin_office_ids: Vec<i64>,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_active: Option<String>,
    pub date_added: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_first_login: Option<String>,
    pub display_name: String,
    pub do_not_disturb: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub first_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwarding_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_details: Vec<GroupDetails>,
    pub image_url: String,
    pub international_dialing_enabled: bool,
    pub is_admin: bool,
    pub is_available: bool,
    pub is_on_duty: bool,
    pub is_online: bool,
    pub is_super_admin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    pub language: String,
    pub last_name: String,
    pub license: String,
    pub muted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_duty_status: Option<&'static str>,
    pub onboarding_completed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    pub state: String,
    pub status_message: String,
    pub timezone: String,
    pub voicemail: VoicemailSettings,
}

/// User states whose credentials (API keys and OAuth tokens) no longer work.
pub const DISABLED_USER_STATES: &[&str] = &["cancelled", "deleted", "suspended"];

impl User {
    pub fn primary_phone(&self) -> Option<&str> {
        self.phone_numbers.first().map(String::as_str)
    }

    pub fn primary_email(&self) -> Option<&str> {
        self.emails.first().map(String::as_str)
    }

    pub fn is_deleted(&self) -> bool {
        self.state == "deleted"
    }

    /// Whether API keys and tokens acting for this user still work.
    pub fn can_authenticate(&self) -> bool {
        !DISABLED_USER_STATES.contains(&self.state.as_str())
    }

    /// Turns the user into what Dialpad keeps of a deleted user, shaped as the
    /// `DELETE /api/v2/users/{id}` example of the spec: `(deactivated)` after the
    /// name; no emails, numbers, groups, admin rights or activity; do-not-disturb on
    /// and voicemail notifications off. Office, license, language and date added stay.
    pub fn tombstone(&mut self) {
        self.display_name = format!(
            "{} (deactivated)",
            display_name(&self.first_name, &self.last_name)
        );
        self.state = "deleted".into();
        self.admin_office_ids.clear();
        self.emails.clear();
        self.phone_numbers.clear();
        self.forwarding_numbers.clear();
        self.group_details.clear();
        self.date_active = None;
        self.date_first_login = None;
        self.extension = None;
        self.job_title = None;
        self.on_duty_status = None;
        self.status_message.clear();
        self.do_not_disturb = true;
        self.is_admin = false;
        self.is_super_admin = false;
        self.is_available = false;
        self.is_on_duty = false;
        self.is_online = false;
        self.voicemail.voicemail_notifications_enabled = false;
    }
}
