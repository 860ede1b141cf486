//! Call centers per office (`/api/v2/offices/{id}/callcenters`), one call center,
//! and its operators (list, add, remove).

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{DpJson, DpQuery, company, company_mut, path_id};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_opt_i64, ser_i64};
use crate::page::{self, Page};
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
) -> ApiResult<Json<Page<CallCenter>>> {
    let office_id = path_id(&office_id, "office")?;
    let after = match &q.cursor {
        Some(c) => Bound::Excluded(path_id(&page::decode("callcenters", c)?, "cursor")?),
        None => Bound::Unbounded,
    };
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    if !company.offices.contains_key(&office_id) {
        return Err(ApiError::not_found("office"));
    }
    let items = company
        .call_centers
        .range((after, Bound::Unbounded))
        .map(|(_, c)| c)
        .filter(|c| c.office_id == office_id)
        .cloned();
    Ok(Json(page::take(
        items,
        state.config.page_size,
        "callcenters",
        |c: &CallCenter| c.id.to_string(),
    )))
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CallCenter>> {
    let id = path_id(&id, "call center")?;
    let world = state.world.read();
    company(&world, caller.company_id)?
        .call_centers
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("call center"))
}

/// `protos.group.OperatorCollection`.
#[derive(Debug, Serialize)]
struct OperatorCollection {
    users: Vec<User>,
    rooms: Vec<serde_json::Value>,
}

async fn operators(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OperatorCollection>> {
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
        .filter_map(|u| company.users.get(u))
        .cloned()
        .collect();
    Ok(Json(OperatorCollection {
        users,
        rooms: Vec::new(),
    }))
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

#[derive(Debug, Deserialize)]
struct OperatorBody {
    #[serde(default, deserialize_with = "de_opt_i64")]
    user_id: Option<i64>,
    role: Option<String>,
}

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
    let role = match body.role.as_deref().unwrap_or("operator") {
        "operator" => "operator",
        "admin" => "admin",
        "supervisor" => "supervisor",
        _ => {
            return Err(ApiError::bad_request(
                "role must be operator, admin or supervisor",
            ));
        }
    };
    let mut world = state.world.write();
    let company = company_mut(&mut world, caller.company_id)?;
    if !company.users.contains_key(&user_id) {
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
    let user = company
        .users
        .get_mut(&user_id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    user.group_details.push(GroupDetails {
        do_not_disturb: false,
        group_id: id,
        group_type: "callcenter",
        role,
    });
    Ok(Json(UserOrRoom::from(&*user)))
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
    let user = company
        .users
        .get_mut(&user_id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    user.group_details
        .retain(|g| !(g.group_type == "callcenter" && g.group_id == id));
    Ok(Json(UserOrRoom::from(&*user)))
}
