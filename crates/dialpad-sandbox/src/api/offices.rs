//! `/api/v2/offices` and `/api/v2/company`: list (with `active_only`), get, the
//! primary office, create, and patch of opening hours. Changes emit change-log
//! events.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{DpJson, DpQuery, company, company_mut, path_id, required};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, ChangeLogEntry, Event};
use crate::page::{self, Page};
use crate::state::AppState;
use crate::world::{CompanyProto, Office};

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
) -> ApiResult<Json<Page<Office>>> {
    let after = match &q.cursor {
        Some(c) => Bound::Excluded(path_id(&page::decode("offices", c)?, "cursor")?),
        None => Bound::Unbounded,
    };
    let world = state.world.read();
    let items = company(&world, caller.company_id)?
        .offices
        .range((after, Bound::Unbounded))
        .map(|(_, o)| o)
        .filter(|o| !q.active_only.unwrap_or(false) || o.state == "active")
        .cloned();
    Ok(Json(page::take(
        items,
        state.config.page_size,
        "offices",
        |o: &Office| o.id.to_string(),
    )))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Office>> {
    let id = path_id(&id, "office")?;
    let world = state.world.read();
    company(&world, caller.company_id)?
        .offices
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("office"))
}

async fn primary(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Office>> {
    let world = state.world.read();
    company(&world, caller.company_id)?
        .offices
        .values()
        .find(|o| o.is_primary_office)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("office"))
}

/// `protos.office.OfficeUpdateResponse`.
#[derive(Debug, Serialize)]
struct OfficeUpdateResponse {
    office: Office,
    plan: Value,
}

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
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<CreateOffice>,
) -> ApiResult<Json<OfficeUpdateResponse>> {
    let name = required(body.name, "name")?;
    let country = required(body.country, "country")?;
    let currency = required(body.currency, "currency")?;
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
    let office = {
        let mut world = state.world.write();
        let id = world.next_id();
        let company = company_mut(&mut world, caller.company_id)?;
        let office = Office {
            id,
            office_id: id,
            name,
            country: country.to_lowercase(),
            timezone: body.timezone.unwrap_or_else(|| "US/Pacific".into()),
            phone_numbers: Vec::new(),
            is_primary_office: false,
            state: "active".into(),
            availability_status: "open",
            first_action: "operators",
            no_operators_action: "voicemail",
            ring_seconds: 30,
            monday_hours: Vec::new(),
            tuesday_hours: Vec::new(),
            wednesday_hours: Vec::new(),
            thursday_hours: Vec::new(),
            friday_hours: Vec::new(),
            saturday_hours: Vec::new(),
            sunday_hours: Vec::new(),
            company_id: company.id(),
            hours_on: false,
        };
        company.offices.insert(id, office.clone());
        company.proto.office_count = company.offices.len() as i64;
        office
    };
    changelog(&state, &caller, "added_office", &office);
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
    let office = {
        let mut world = state.world.write();
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
    changelog(&state, &caller, "updated_office", &office);
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

fn changelog(state: &AppState, caller: &Caller, action: &str, office: &Office) {
    events::emit(
        state,
        caller.company_id,
        Event::ChangeLog(ChangeLogEntry {
            action: action.into(),
            note: format!("{} {}", action.replace('_', " "), office.name),
            target_type: "office",
            target_id: office.id,
            changed_by: caller.user_id,
            additional_data: json!({}),
        }),
    );
}
