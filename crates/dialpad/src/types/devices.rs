//! Dialpad user devices (`protos.userdevice`): the phones, apps and integrations a user rings
//! on, as returned when a call is initiated from one. Device ids are opaque strings.

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::wire::{Int64, NaiveUtcDateTime};

/// `protos.userdevice.UserDeviceProto`: one of a user's devices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserDeviceProto {
    /// The device firmware version, or Dialpad app version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// The time at which this device was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<NaiveUtcDateTime>,
    /// The most recent time at which the device registered with the backend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_registered: Option<NaiveUtcDateTime>,
    /// The most recent time at which the device data was modified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<NaiveUtcDateTime>,
    /// The device's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The ID of the device (e.g. `+14155551001-user-2-client-native`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The phone number associated with this device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The device type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<UserDeviceType>,
    /// The ID of the user who owns the device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Int64>,
}

open_enum! {
    /// The kind of a user device.
    pub enum UserDeviceType {
        Android => "android",
        Ata => "ata",
        AudioCodes => "audiocodes",
        C2t => "c2t",
        CiscoMpp => "ciscompp",
        Dect => "dect",
        DpmRoom => "dpmroom",
        Grandstream => "grandstream",
        Harness => "harness",
        IframeCtiExtension => "iframe_cti_extension",
        IframeCtiV2 => "iframe_cti_v2",
        IframeFront => "iframe_front",
        IframeHubspot => "iframe_hubspot",
        IframeMsTeams => "iframe_ms_teams",
        IframeOpenCti => "iframe_open_cti",
        IframeSalesforce => "iframe_salesforce",
        IframeServiceTitan => "iframe_service_titan",
        IframeZendesk => "iframe_zendesk",
        IframeZoho => "iframe_zoho",
        Ipad => "ipad",
        Iphone => "iphone",
        Mini => "mini",
        Mitel => "mitel",
        MsTeams => "msteams",
        Native => "native",
        Obi => "obi",
        PackagedApp => "packaged_app",
        PolyAndroid => "polyandroid",
        Polycom => "polycom",
        Proxy => "proxy",
        PublicApi => "public_api",
        Salesforce => "salesforce",
        Sip => "sip",
        TickIot => "tickiot",
        Web => "web",
        Yealink => "yealink",
    }
}
