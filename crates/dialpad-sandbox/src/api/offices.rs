//! `/api/v2/offices` and `/api/v2/company`: list (with `active_only`), get, the
//! primary office, create (validated as `protos.office.CreateOfficeMessage`
//! describes it), and patch of opening hours. Changes emit change-log events.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    DpJson, DpQuery, changelog, check_e164, company, company_mut, json_response, path_id, required,
};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::page;
use crate::state::AppState;
use crate::world::{CompanyProto, E911Address, Office, World};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/company", get(company_info))
        .route("/api/v2/offices", get(list).post(create))
        .route("/api/v2/offices/primary", get(primary))
        .route("/api/v2/offices/{id}", get(retrieve).patch(update))
}

async fn company_info(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<CompanyProto>> {
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let mut proto = company.proto.clone();
    proto.office_count = company.offices.len() as i64;
    Ok(Json(proto))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_bool")]
    active_only: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Response> {
    let after = page::after::<i64>("offices", q.cursor.as_deref())?;
    let world = state.world.read();
    let items = company(&world, caller.company_id)?
        .offices
        .range((after, Bound::Unbounded))
        .map(|(_, o)| o)
        .filter(|o| !q.active_only.unwrap_or(false) || o.state == "active");
    json_response(&page::take(
        items,
        state.config.page_size,
        "offices",
        |o: &&Office| o.id.to_string(),
    ))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id, "office")?;
    let world = state.world.read();
    let office = company(&world, caller.company_id)?
        .offices
        .get(&id)
        .ok_or_else(|| ApiError::not_found("office"))?;
    json_response(office)
}

async fn primary(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let world = state.world.read();
    let office = company(&world, caller.company_id)?
        .offices
        .values()
        .find(|o| o.is_primary_office)
        .ok_or_else(|| ApiError::not_found("office"))?;
    json_response(office)
}

/// `protos.office.OfficeUpdateResponse`.
#[derive(Debug, Serialize)]
struct OfficeUpdateResponse {
    office: Office,
    plan: Value,
}

/// `protos.office.CreateOfficeMessage`'s `country` values.
const COUNTRIES: &[&str] = &[
    "AR", "AT", "AU", "BD", "BE", "BG", "BH", "BR", "CA", "CH", "CI", "CL", "CN", "CO", "CR", "CY",
    "CZ", "DE", "DK", "DO", "DP", "EC", "EE", "EG", "ES", "FI", "FR", "GB", "GH", "GR", "GT", "HK",
    "HR", "HU", "ID", "IE", "IL", "IN", "IS", "IT", "JP", "KE", "KH", "KR", "KZ", "LK", "LT", "LU",
    "LV", "MA", "MD", "MM", "MT", "MX", "MY", "NG", "NL", "NO", "NZ", "PA", "PE", "PH", "PK", "PL",
    "PR", "PT", "PY", "RO", "RU", "SA", "SE", "SG", "SI", "SK", "SV", "TH", "TR", "TW", "UA", "US",
    "UY", "VE", "VN", "ZA",
];
const CURRENCIES: &[&str] = &["AUD", "CAD", "EUR", "GBP", "JPY", "NZD", "USD"];
/// "Required for country codes of US, CA, AU, FR, GB, NZ" (`e911_address`).
const E911_COUNTRIES: &[&str] = &["US", "CA", "AU", "FR", "GB", "NZ"];
const FIRST_ACTIONS: &[&str] = &["menu", "operators"];
const NO_OPERATORS_ACTIONS: &[&str] = &[
    "ai_agent",
    "bridge_target",
    "call_service_target",
    "company_directory",
    "department",
    "directory",
    "disabled",
    "extension",
    "google_dialogflow",
    "last_name_company_directory",
    "last_name_directory",
    "menu",
    "message",
    "operator",
    "person",
    "scripted_ivr",
    "voicemail",
];
/// "Choose from 10 seconds to 45 seconds."
const RING_SECONDS: std::ops::RangeInclusive<i64> = 10..=45;

#[derive(Debug, Deserialize)]
struct CreateOffice {
    name: Option<String>,
    country: Option<String>,
    timezone: Option<String>,
    currency: Option<String>,
    plan_period: Option<String>,
    billing_address: Option<Value>,
    annual_commit_monthly_billing: Option<bool>,
    invoiced: Option<bool>,
    unified_billing: Option<bool>,
    e911_address: Option<E911Body>,
    use_same_address: Option<bool>,
    first_action: Option<String>,
    no_operators_action: Option<String>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_i64")]
    ring_seconds: Option<i64>,
    hours_on: Option<bool>,
    group_description: Option<String>,
    mainline_number: Option<String>,
    monday_hours: Option<Vec<String>>,
    tuesday_hours: Option<Vec<String>>,
    wednesday_hours: Option<Vec<String>>,
    thursday_hours: Option<Vec<String>>,
    friday_hours: Option<Vec<String>>,
    saturday_hours: Option<Vec<String>>,
    sunday_hours: Option<Vec<String>>,
}

/// `protos.office.E911Message`: `address`, `city`, `country`, `state` and `zip` are
/// required.
#[derive(Debug, Deserialize)]
struct E911Body {
    address: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    country: Option<String>,
    state: Option<String>,
    zip: Option<String>,
}

impl E911Body {
    fn parse(self) -> ApiResult<E911Address> {
        let field = |v: Option<String>, name: &str| required(v, &format!("e911_address.{name}"));
        Ok(E911Address {
            address: field(self.address, "address")?,
            address2: self.address2.filter(|a| !a.trim().is_empty()),
            city: field(self.city, "city")?,
            country: field(self.country, "country")?.to_lowercase(),
            state: field(self.state, "state")?,
            zip: field(self.zip, "zip")?,
        })
    }
}

/// A value of a spec enum, as the `&'static str` the world stores.
fn one_of(
    value: Option<String>,
    allowed: &[&'static str],
    field: &str,
    default: &'static str,
) -> ApiResult<&'static str> {
    match value {
        None => Ok(default),
        Some(v) => allowed
            .iter()
            .find(|a| **a == v)
            .copied()
            .ok_or_else(|| ApiError::bad_request(format!("invalid {field} {v:?}"))),
    }
}

/// The opening hours of a day: as given (checked), or the spec's default.
fn day_hours(given: Option<Vec<String>>, weekday: bool) -> ApiResult<Vec<String>> {
    match given {
        Some(hours) => {
            check_hours(&hours)?;
            Ok(hours)
        }
        None if weekday => Ok(vec!["08:00".to_owned(), "18:00".to_owned()]),
        None => Ok(Vec::new()),
    }
}

/// The office a valid `CreateOfficeMessage` makes (its id filled in later), and the
/// currency its plan is billed in.
fn new_office(body: CreateOffice) -> ApiResult<(Office, String)> {
    let name = required(body.name, "name")?;
    if name.contains(['\n', '\r']) {
        return Err(ApiError::bad_request("name must be a single line"));
    }
    let country = required(body.country, "country")?;
    if !COUNTRIES.contains(&country.as_str()) {
        return Err(ApiError::bad_request(format!(
            "invalid country {country:?}"
        )));
    }
    let currency = required(body.currency, "currency")?;
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(ApiError::bad_request(format!(
            "invalid currency {currency:?}"
        )));
    }
    let plan_period = required(body.plan_period, "plan_period")?;
    if !["monthly", "yearly"].contains(&plan_period.as_str()) {
        return Err(ApiError::bad_request(
            "plan_period must be monthly or yearly",
        ));
    }
    if body.billing_address.is_none()
        || body.annual_commit_monthly_billing.is_none()
        || body.invoiced.is_none()
        || body.unified_billing.is_none()
    {
        return Err(ApiError::bad_request(
            "billing_address, annual_commit_monthly_billing, invoiced and unified_billing are required",
        ));
    }
    let e911_address = body.e911_address.map(E911Body::parse).transpose()?;
    // `use_same_address` makes the billing address the emergency address too.
    if e911_address.is_none()
        && !body.use_same_address.unwrap_or(false)
        && E911_COUNTRIES.contains(&country.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "e911_address is required for offices in {country}"
        )));
    }
    let ring_seconds = body.ring_seconds.unwrap_or(30);
    if !RING_SECONDS.contains(&ring_seconds) {
        return Err(ApiError::bad_request(
            "ring_seconds must be between 10 and 45",
        ));
    }
    if body
        .group_description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 256)
    {
        return Err(ApiError::bad_request(
            "group_description is at most 256 characters",
        ));
    }
    let phone_numbers = match body.mainline_number {
        Some(number) => {
            check_e164(&number)?;
            vec![number]
        }
        None => Vec::new(),
    };
    let office = Office {
        id: 0,
        office_id: 0,
        name,
        country: country.to_lowercase(),
        timezone: body.timezone.unwrap_or_else(|| "US/Pacific".into()),
        phone_numbers,
        is_primary_office: false,
        state: "active".into(),
        availability_status: "open",
        first_action: one_of(
            body.first_action,
            FIRST_ACTIONS,
            "first_action",
            "operators",
        )?,
        no_operators_action: one_of(
            body.no_operators_action,
            NO_OPERATORS_ACTIONS,
            "no_operators_action",
            "voicemail",
        )?,
        ring_seconds,
        monday_hours: day_hours(body.monday_hours, true)?,
        tuesday_hours: day_hours(body.tuesday_hours, true)?,
        wednesday_hours: day_hours(body.wednesday_hours, true)?,
        thursday_hours: day_hours(body.thursday_hours, true)?,
        friday_hours: day_hours(body.friday_hours, true)?,
        saturday_hours: day_hours(body.saturday_hours, false)?,
        sunday_hours: day_hours(body.sunday_hours, false)?,
        e911_address,
        company_id: 0,
        // "Default value is false, which means the office will always take calls."
        hours_on: body.hours_on.unwrap_or(false),
    };
    Ok((office, currency))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<CreateOffice>,
) -> ApiResult<Json<OfficeUpdateResponse>> {
    let (mut office, currency) = new_office(body)?;
    let mut world = state.world.write();
    let id = world.next_id();
    let company = company_mut(&mut world, caller.company_id)?;
    office.id = id;
    office.office_id = id;
    office.company_id = company.id();
    company.offices.insert(id, office.clone());
    company.proto.office_count = company.offices.len() as i64;
    office_changelog(&world, &state, &caller, "added_office", &office);
    Ok(Json(OfficeUpdateResponse {
        office,
        plan: new_office_plan(&currency),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateOffice {
    hours_on: Option<bool>,
    monday_hours: Option<Vec<String>>,
    tuesday_hours: Option<Vec<String>>,
    wednesday_hours: Option<Vec<String>>,
    thursday_hours: Option<Vec<String>>,
    friday_hours: Option<Vec<String>>,
    saturday_hours: Option<Vec<String>>,
    sunday_hours: Option<Vec<String>>,
}

/// Opening hours are `HH:MM` times in pairs (open, close, open, close, ...), each
/// later than the one before.
fn check_hours(hours: &[String]) -> ApiResult<()> {
    let times: Option<Vec<chrono::NaiveTime>> = hours
        .iter()
        .map(|h| {
            let strict = h.len() == 5 && h.as_bytes().get(2) == Some(&b':');
            strict
                .then(|| chrono::NaiveTime::parse_from_str(h, "%H:%M").ok())
                .flatten()
        })
        .collect();
    let valid = hours.len().is_multiple_of(2)
        && times.is_some_and(|t| t.windows(2).all(|pair| pair[0] < pair[1]));
    if valid {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "hours are pairs of ascending HH:MM times (open, close, ...)",
        ))
    }
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<UpdateOffice>,
) -> ApiResult<Json<OfficeUpdateResponse>> {
    let id = path_id(&id, "office")?;
    let days = [
        &body.monday_hours,
        &body.tuesday_hours,
        &body.wednesday_hours,
        &body.thursday_hours,
        &body.friday_hours,
        &body.saturday_hours,
        &body.sunday_hours,
    ];
    for hours in days.into_iter().flatten() {
        check_hours(hours)?;
    }
    let mut world = state.world.write();
    let office = {
        let company = company_mut(&mut world, caller.company_id)?;
        let office = company
            .offices
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("office"))?;
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = body.$field {
                    office.$field = v;
                }
            )*};
        }
        set!(
            hours_on,
            monday_hours,
            tuesday_hours,
            wednesday_hours,
            thursday_hours,
            friday_hours,
            saturday_hours,
            sunday_hours
        );
        office.clone()
    };
    office_changelog(&world, &state, &caller, "updated_office", &office);
    Ok(Json(OfficeUpdateResponse {
        office,
        plan: json!({}),
    }))
}

/// `protos.plan.PlanProto` of a fresh office: no lines yet, nothing owed, billed
/// monthly from the next month (int64 fields as strings, as Dialpad sends them).
fn new_office_plan(currency: &str) -> Value {
    let next_billing = (chrono::Utc::now() + chrono::Duration::days(30)).timestamp_millis();
    let balance = match currency {
        "JPY" => "0",
        _ => "0.00",
    };
    json!({
        "balance": balance,
        "next_billing_date": next_billing.to_string(),
        "talk_lines": "0",
        "contact_center_lines": "0",
        "room_lines": "0",
        "fax_lines": "0",
        "sell_lines": "0",
        "additional_number_lines": "0",
        "uberconference_lines": "0",
    })
}

fn office_changelog(
    world: &World,
    state: &AppState,
    caller: &Caller,
    action: &str,
    office: &Office,
) {
    changelog(
        world,
        state,
        caller,
        action,
        ("office", office.id),
        &office.name,
        json!({}),
    );
}
