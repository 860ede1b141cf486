//! `/api/v2/users`: list with `state`/`email`/`company_admin`/`number` filters, get
//! (including `me`), create, patch and delete. Changes emit change-log events.
//!
//! A deleted user stays as a tombstone (`state: "deleted"`, see
//! [`User::tombstone`]): `GET` answers it, lists show it only with `state=deleted`,
//! and it can be neither patched nor deleted again (404, as an unknown user).

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::{
    DpJson, DpQuery, changelog, check_e164, check_email, company, company_mut, json_response,
    path_id, required,
};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids::{de_nullable, de_opt_i64, naive_iso};
use crate::page;
use crate::state::AppState;
use crate::world::{GroupDetails, User, VoicemailSettings, display_name};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/users", get(list).post(create))
        .route(
            "/api/v2/users/{id}",
            get(retrieve).patch(update).delete(remove),
        )
}

/// The spec's `state` filter values; `all` is the same as no filter.
const USER_STATES: &[&str] = &[
    "active",
    "all",
    "cancelled",
    "deleted",
    "pending",
    "suspended",
];

/// The spec's license types (`protos.user.CreateUserMessage.license`).
const LICENSES: &[&str] = &[
    "admins",
    "agents",
    "dpde_all",
    "dpde_one",
    "lite_lines",
    "lite_support_agents",
    "magenta_lines",
    "talk",
    "user",
];

fn check_license(license: Option<&str>) -> ApiResult<()> {
    match license {
        Some(l) if !LICENSES.contains(&l) => {
            Err(ApiError::bad_request(format!("invalid license {l:?}")))
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    /// Soft-deprecated by Dialpad; honoured as Dialpad documents (see `page::size_with_limit`).
    #[serde(default, deserialize_with = "de_opt_i64")]
    limit: Option<i64>,
    state: Option<String>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_bool")]
    company_admin: Option<bool>,
    email: Option<String>,
    number: Option<String>,
}

/// No `state` and `state=all` list every user but the deleted ones; deleted users
/// are listed only with `state=deleted`.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Response> {
    if let Some(s) = &q.state
        && !USER_STATES.contains(&s.as_str())
    {
        return Err(ApiError::bad_request(format!("invalid state {s:?}")));
    }
    let after = page::after::<i64>("users", q.cursor.as_deref())?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let page_size =
        page::size_with_limit(state.config.page_size, q.limit, &company.oversized_limits)?;
    let items = company
        .users
        .range((after, Bound::Unbounded))
        .map(|(_, u)| u)
        .filter(|u| match q.state.as_deref() {
            None | Some("all") => !u.is_deleted(),
            Some(s) => u.state == s,
        })
        // A company admin is a super admin; office admins are admins of their offices.
        .filter(|u| q.company_admin.is_none_or(|a| u.is_super_admin == a))
        .filter(|u| {
            q.email
                .as_deref()
                .is_none_or(|e| u.emails.iter().any(|m| m.eq_ignore_ascii_case(e)))
        })
        .filter(|u| {
            q.number
                .as_deref()
                .is_none_or(|n| u.phone_numbers.iter().any(|p| p == n))
        });
    json_response(&page::take(items, page_size, "users", |u: &&User| {
        u.id.to_string()
    }))
}

fn resolve_id(raw: &str, caller: &Caller) -> ApiResult<i64> {
    if raw == "me" {
        Ok(caller.user_id)
    } else {
        path_id(raw, "user")
    }
}

/// Answers deleted users too, as their tombstone: Dialpad keeps them (they are
/// listed with `state=deleted`), so one can be looked up by id.
async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = resolve_id(&id, &caller)?;
    let world = state.world.read();
    let user = company(&world, caller.company_id)?
        .users
        .get(&id)
        .ok_or_else(|| ApiError::not_found("user"))?;
    json_response(user)
}

#[derive(Debug, Deserialize)]
struct CreateUser {
    email: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    office_id: Option<i64>,
    first_name: Option<String>,
    last_name: Option<String>,
    license: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    auto_assign: Option<bool>,
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<CreateUser>,
) -> ApiResult<Json<User>> {
    let email = required(body.email, "email")?;
    check_email(&email)?;
    check_license(body.license.as_deref())?;
    let office_id = body
        .office_id
        .ok_or_else(|| ApiError::bad_request("office_id is required"))?;
    let mut world = state.world.write();
    let user = {
        let id = world.next_id();
        let company = company_mut(&mut world, caller.company_id)?;
        let office = company
            .offices
            .get(&office_id)
            .ok_or_else(|| ApiError::bad_request("office_id names no office of this company"))?;
        if company.user_by_email(&email).is_some() {
            return Err(ApiError::conflict("a user with this email already exists"));
        }
        let first = body.first_name.unwrap_or_default();
        let last = body.last_name.unwrap_or_default();
        let user = User {
            id,
            company_id: company.id(),
            office_id,
            admin_office_ids: Vec::new(),
            country: office.country.clone(),
            date_active: None,
            date_added: naive_iso(Utc::now()),
            date_first_login: None,
            display_name: display_name(&first, &last),
            do_not_disturb: false,
            emails: vec![email],
            extension: None,
            first_name: first,
            forwarding_numbers: Vec::new(),
            group_details: vec![GroupDetails {
                do_not_disturb: false,
                group_id: office_id,
                group_type: "office",
                role: "operator",
            }],
            image_url: format!("https://sandbox.dialpad.invalid/avatar/user/{id}.png"),
            international_dialing_enabled: false,
            is_admin: false,
            is_available: false,
            is_on_duty: false,
            is_online: false,
            is_super_admin: false,
            job_title: None,
            language: "en".into(),
            last_name: last,
            license: body.license.unwrap_or_else(|| "talk".into()),
            muted: false,
            on_duty_status: Some("unavailable"),
            onboarding_completed: false,
            phone_numbers: Vec::new(),
            state: "pending".into(),
            status_message: String::new(),
            timezone: office.timezone.clone(),
            voicemail: VoicemailSettings {
                is_default_voicemail: true,
                name: "default".into(),
                voicemail_notifications_enabled: true,
            },
        };
        company.users.insert(id, user.clone());
        user
    };
    user_changelog(&world, &state, &caller, "added_user", &user, json!({}));
    Ok(Json(user))
}

#[derive(Debug, Deserialize)]
struct UpdateUser {
    first_name: Option<String>,
    last_name: Option<String>,
    /// `null` clears it (`protos.user.UpdateUserMessage` allows it), absent leaves it.
    #[serde(default, deserialize_with = "de_nullable")]
    job_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "de_nullable")]
    extension: Option<Option<String>>,
    emails: Option<Vec<String>>,
    phone_numbers: Option<Vec<String>>,
    forwarding_numbers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    office_id: Option<i64>,
    license: Option<String>,
    state: Option<String>,
    is_super_admin: Option<bool>,
    international_dialing_enabled: Option<bool>,
    admin_office_ids: Option<Vec<serde_json::Value>>,
}

/// Int64 ids given as JSON numbers or strings.
fn parse_ids(values: &[serde_json::Value], field: &str) -> ApiResult<Vec<i64>> {
    values
        .iter()
        .map(|v| match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| ApiError::bad_request(format!("{field} must be a list of ids")))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(body): DpJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    let id = resolve_id(&id, &caller)?;
    if let Some(s) = &body.state
        && !["active", "suspended"].contains(&s.as_str())
    {
        return Err(ApiError::bad_request("state must be active or suspended"));
    }
    if body.emails.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::bad_request("a user needs at least one email"));
    }
    for email in body.emails.iter().flatten() {
        check_email(email)?;
    }
    check_license(body.license.as_deref())?;
    let admin_office_ids = body
        .admin_office_ids
        .as_deref()
        .map(|ids| parse_ids(ids, "admin_office_ids"))
        .transpose()?;
    for number in body
        .phone_numbers
        .iter()
        .flatten()
        .chain(body.forwarding_numbers.iter().flatten())
    {
        check_e164(number)?;
    }
    let mut world = state.world.write();
    let (user, changed) = {
        let company = company_mut(&mut world, caller.company_id)?;
        if let Some(office_id) = body.office_id
            && !company.offices.contains_key(&office_id)
        {
            return Err(ApiError::bad_request(
                "office_id names no office of this company",
            ));
        }
        if let Some(office) = admin_office_ids
            .iter()
            .flatten()
            .find(|o| !company.offices.contains_key(o))
        {
            return Err(ApiError::bad_request(format!(
                "admin_office_ids: {office} names no office of this company"
            )));
        }
        if let Some(emails) = &body.emails
            && emails
                .iter()
                .any(|e| company.user_by_email(e).is_some_and(|other| other.id != id))
        {
            return Err(ApiError::conflict("another user has this email"));
        }
        let user = company
            .live_user_mut(id)
            .ok_or_else(|| ApiError::not_found("user"))?;
        // Numbers are only re-ordered or removed here; assigning one is another API.
        if let Some(number) = body
            .phone_numbers
            .iter()
            .flatten()
            .find(|n| !user.phone_numbers.contains(n))
        {
            return Err(ApiError::bad_request(format!(
                "{number} is not assigned to this user: use the assign number API"
            )));
        }
        if let Some(office_id) = body.office_id {
            for group in &mut user.group_details {
                if group.group_type == "office" && group.group_id == user.office_id {
                    group.group_id = office_id;
                }
            }
        }
        let mut changed = Vec::new();
        macro_rules! set {
            ($field:ident) => {
                if let Some(v) = body.$field {
                    user.$field = v;
                    changed.push(stringify!($field));
                }
            };
        }
        set!(first_name);
        set!(last_name);
        set!(emails);
        set!(phone_numbers);
        set!(forwarding_numbers);
        set!(office_id);
        set!(license);
        set!(state);
        set!(is_super_admin);
        set!(international_dialing_enabled);
        if let Some(v) = admin_office_ids {
            user.admin_office_ids = v;
            changed.push("admin_office_ids");
        }
        // Admin privileges follow from being a super admin or an office admin.
        user.is_admin = user.is_super_admin || !user.admin_office_ids.is_empty();
        if let Some(v) = body.job_title {
            user.job_title = v.filter(|s| !s.is_empty());
            changed.push("job_title");
        }
        if let Some(v) = body.extension {
            user.extension = v.filter(|s| !s.is_empty());
            changed.push("extension");
        }
        user.display_name = display_name(&user.first_name, &user.last_name);
        (user.clone(), changed)
    };
    if !changed.is_empty() {
        user_changelog(
            &world,
            &state,
            &caller,
            "updated_user",
            &user,
            json!({ "fields": changed }),
        );
    }
    Ok(Json(user))
}

/// Leaves a tombstone in the user's place, takes the user off every call center,
/// and answers the tombstone (as Dialpad's example does).
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    let id = resolve_id(&id, &caller)?;
    let mut world = state.world.write();
    let user = {
        let company = company_mut(&mut world, caller.company_id)?;
        let user = company
            .live_user_mut(id)
            .ok_or_else(|| ApiError::not_found("user"))?;
        user.tombstone();
        let user = user.clone();
        for center in company.call_centers.values_mut() {
            center.operators.retain(|u| *u != id);
        }
        user
    };
    user_changelog(&world, &state, &caller, "deleted_user", &user, json!({}));
    Ok(Json(user))
}

fn user_changelog(
    world: &crate::world::World,
    state: &AppState,
    caller: &Caller,
    action: &str,
    user: &User,
    data: serde_json::Value,
) {
    // The name as it was (a tombstone's display name says "(deactivated)").
    let name = display_name(&user.first_name, &user.last_name);
    changelog(world, state, caller, action, ("user", user.id), &name, data);
}
