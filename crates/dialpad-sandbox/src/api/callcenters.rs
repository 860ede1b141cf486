//! Call centers per office (`/api/v2/offices/{id}/callcenters`), one call center,
//! and its operators (list, add, remove; adding and removing emit the change-log
//! events `operator_added` and `operator_removed`, targeting the call center).

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{DpJson, DpQuery, changelog, company, company_mut, json_response, path_id};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, ser_i64};
use crate::page;
use crate::state::AppState;
use crate::world::{CallCenter, GroupDetails, User};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/offices/{id}/callcenters", get(list))
        .route("/api/v2/callcenters/{id}", get(retrieve))
        .route(
            "/api/v2/callcenters/{id}/operators",
            get(operators).post(add_operator).delete(remove_operator),
        )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(office_id): Path<String>,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Response> {
    let office_id = path_id(&office_id, "office")?;
    let after = page::after::<i64>("callcenters", q.cursor.as_deref())?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    if !company.offices.contains_key(&office_id) {
        return Err(ApiError::not_found("office"));
    }
    let items = company
        .call_centers
        .range((after, Bound::Unbounded))
        .map(|(_, c)| c)
        .filter(|c| c.office_id == office_id);
    json_response(&page::take(
        items,
        state.config.page_size,
        "callcenters",
        |c: &&CallCenter| c.id.to_string(),
    ))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id, "call center")?;
    let world = state.world.read();
    let center = company(&world, caller.company_id)?
        .call_centers
        .get(&id)
        .ok_or_else(|| ApiError::not_found("call center"))?;
    json_response(center)
}

/// `protos.group.OperatorCollection`.
#[derive(Debug, Serialize)]
struct OperatorCollection<'a> {
    users: Vec<&'a User>,
    rooms: Vec<serde_json::Value>,
}

async fn operators(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id, "call center")?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let center = company
        .call_centers
        .get(&id)
        .ok_or_else(|| ApiError::not_found("call center"))?;
    let users = center
        .operators
        .iter()
        .filter_map(|u| company.live_user(*u))
        .collect();
    json_response(&OperatorCollection {
        users,
        rooms: Vec::new(),
    })
}

/// `protos.group.UserOrRoomProto`.
#[derive(Debug, Serialize)]
struct UserOrRoom {
    #[serde(serialize_with = "ser_i64")]
    id: i64,
    #[serde(serialize_with = "ser_i64")]
    company_id: i64,
    #[serde(serialize_with = "ser_i64")]
    office_id: i64,
    name: String,
    country: String,
    image_url: String,
    is_on_duty: bool,
    phone_numbers: Vec<String>,
    state: String,
}

impl From<&User> for UserOrRoom {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            company_id: u.company_id,
            office_id: u.office_id,
            name: u.display_name.clone(),
            country: u.country.clone(),
            image_url: u.image_url.clone(),
            is_on_duty: u.is_on_duty,
            phone_numbers: u.phone_numbers.clone(),
            state: u.state.clone(),
        }
    }
}

/// `protos.group.AddCallCenterOperatorMessage` (and the remove message, which has
/// `user_id` only).
#[derive(Debug, Deserialize)]
struct OperatorBody {
    #[serde(default, deserialize_with = "de_opt_i64")]
    user_id: Option<i64>,
    role: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    skill_level: Option<i64>,
    license_type: Option<String>,
    #[allow(dead_code)]
    keep_paid_numbers: Option<bool>,
}

const ROLES: &[&str] = &["admin", "operator", "supervisor"];
/// The licenses an operator may be given "if a license is required".
const LICENSE_TYPES: &[&str] = &["agents", "lite_support_agents"];

/// Adds a user as an operator with a role (default `operator`). `skill_level` (1 to
/// 100, default 100) and `license_type` are checked as the spec states them; the
/// sandbox models neither skills nor license consumption.
async fn add_operator(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<OperatorBody>,
) -> ApiResult<Json<UserOrRoom>> {
    let id = path_id(&id, "call center")?;
    let user_id = body
        .user_id
        .ok_or_else(|| ApiError::bad_request("user_id is required"))?;
    let role = match body.role.as_deref() {
        None => "operator",
        Some(r) => ROLES
            .iter()
            .find(|known| **known == r)
            .copied()
            .ok_or_else(|| ApiError::bad_request("role must be operator, admin or supervisor"))?,
    };
    if body.skill_level.is_some_and(|l| !(1..=100).contains(&l)) {
        return Err(ApiError::bad_request(
            "skill_level must be between 1 and 100",
        ));
    }
    if let Some(license) = &body.license_type
        && !LICENSE_TYPES.contains(&license.as_str())
    {
        return Err(ApiError::bad_request(
            "license_type must be agents or lite_support_agents",
        ));
    }
    let mut world = state.world.write();
    let (operator, center_name) = {
        let company = company_mut(&mut world, caller.company_id)?;
        if company.live_user(user_id).is_none() {
            return Err(ApiError::not_found("user"));
        }
        let center = company
            .call_centers
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("call center"))?;
        if center.operators.contains(&user_id) {
            return Err(ApiError::conflict(
                "the user is already an operator of this call center",
            ));
        }
        center.operators.push(user_id);
        let center_name = center.name.clone();
        let user = company
            .live_user_mut(user_id)
            .ok_or_else(|| ApiError::not_found("user"))?;
        user.group_details.push(GroupDetails {
            do_not_disturb: false,
            group_id: id,
            group_type: "callcenter",
            role,
        });
        (UserOrRoom::from(&*user), center_name)
    };
    changelog(
        &world,
        &state,
        &caller,
        "operator_added",
        ("callcenter", id),
        &center_name,
        json!({"user_id": user_id.to_string(), "role": role}),
    );
    Ok(Json(operator))
}

async fn remove_operator(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<OperatorBody>,
) -> ApiResult<Json<UserOrRoom>> {
    let id = path_id(&id, "call center")?;
    let user_id = body
        .user_id
        .ok_or_else(|| ApiError::bad_request("user_id is required"))?;
    let mut world = state.world.write();
    let (operator, center_name) = {
        let company = company_mut(&mut world, caller.company_id)?;
        let center = company
            .call_centers
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("call center"))?;
        let before = center.operators.len();
        center.operators.retain(|u| *u != user_id);
        if center.operators.len() == before {
            return Err(ApiError::not_found("operator"));
        }
        let center_name = center.name.clone();
        let user = company
            .users
            .get_mut(&user_id)
            .ok_or_else(|| ApiError::not_found("user"))?;
        user.group_details
            .retain(|g| !(g.group_type == "callcenter" && g.group_id == id));
        (UserOrRoom::from(&*user), center_name)
    };
    changelog(
        &world,
        &state,
        &caller,
        "operator_removed",
        ("callcenter", id),
        &center_name,
        json!({"user_id": user_id.to_string()}),
    );
    Ok(Json(operator))
}
