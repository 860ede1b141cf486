//! The Dialpad company (`GET /api/v2/company`): the account that owns every office, user and
//! contact the connector sees.

use serde::{Deserialize, Serialize};

use super::common::EnablementState;
use super::open_enum::open_enum;
use super::wire::Int64;

/// `protos.company.CompanyProto`: the company the token belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyProto {
    /// Company pricing tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// Email address of the company administrator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_email: Option<String>,
    /// Primary country of the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Domain name of user emails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The company's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The name of the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The number of offices belonging to this company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_count: Option<Int64>,
    /// Company-wide feature settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<CompanySettingsProto>,
    /// Enablement state of the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<EnablementState>,
}

/// `protos.company.CompanySettingsProto`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanySettingsProto {
    /// Whether or not the company has AI training enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_ai_training: Option<bool>,
    /// Whether or not the company has AI (CallAI) enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_callai: Option<bool>,
}

open_enum! {
    /// The company's pricing tier.
    pub enum AccountType {
        Enterprise => "enterprise",
        Free => "free",
        Pro => "pro",
        Standard => "standard",
    }
}
