//! Dialpad billing plans (`protos.plan`): an office's plan with its line allocations, and the
//! billing address and contact a new office is created with. Line counts are int64 strings;
//! `balance` is a decimal string in USD.

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::wire::Int64;

/// `protos.plan.PlanProto`: an office's billing plan (`GET /api/v2/offices/{id}/plan`, and
/// `plan` in the answer to creating or updating an office).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanProto {
    /// Additional-number lines (one per direct number after a target's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_number_lines: Option<Int64>,
    /// The remaining balance, a string-encoded decimal in USD (e.g. `"10.0000"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// Contact-center lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_center_lines: Option<Int64>,
    /// Fax lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax_lines: Option<Int64>,
    /// The UTC timestamp of the start of the next billing cycle (the spec gives no unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_billing_date: Option<Int64>,
    /// The "Place of Primary Use" address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppu_address: Option<BillingContactProto>,
    /// Room lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_lines: Option<Int64>,
    /// Sell lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sell_lines: Option<Int64>,
    /// Talk lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk_lines: Option<Int64>,
    /// Toll-free additional-number lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tollfree_additional_number_lines: Option<Int64>,
    /// Toll-free room lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tollfree_room_lines: Option<Int64>,
    /// Toll-free UberConference lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tollfree_uberconference_lines: Option<Int64>,
    /// UberConference lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uberconference_lines: Option<Int64>,
}

/// `protos.plan.BillingContactProto`: a billing address as Dialpad returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillingContactProto {
    /// The first line of the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_1: Option<String>,
    /// The second line of the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    /// The city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The region (state, province).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `protos.plan.BillingContactMessage`: the billing address of a new office. Dialpad requires
/// `address_line_1`, `city`, `country`, `postal_code` and `region`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillingContactMessage {
    /// The first line of the billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_1: Option<String>,
    /// The second line of the billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    /// The billing address city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The billing address country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The billing address postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The billing address region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `protos.plan.BillingPointOfContactMessage`: who is billed for a new office. Dialpad
/// requires `email` and `name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillingPointOfContactMessage {
    /// The contact email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The contact name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The contact phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

open_enum! {
    /// An office's billing currency.
    pub enum Currency {
        Aud => "AUD",
        Cad => "CAD",
        Eur => "EUR",
        Gbp => "GBP",
        Jpy => "JPY",
        Nzd => "NZD",
        Usd => "USD",
    }
}

open_enum! {
    /// How often the company is billed.
    pub enum PlanPeriod {
        Monthly => "monthly",
        Yearly => "yearly",
    }
}
