//! `/api/v2/contacts`: company shared contacts and users' local contacts. List,
//! get, create (shared, or local with `owner_id`), `PUT` upsert by `uid`, patch,
//! delete. Every change emits a contact event.

use std::ops::Bound;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::{
    DpJson, DpQuery, check_e164, check_email, company, company_mut, json_response, required,
};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Event};
use crate::ids::{de_nullable, de_opt_i64};
use crate::page;
use crate::seed::contact_id;
use crate::state::AppState;
use crate::world::{Contact, World};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/contacts", get(list).post(create).put(upsert))
        .route(
            "/api/v2/contacts/{id}",
            get(retrieve).patch(update).delete(remove),
        )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    cursor: Option<String>,
    /// Soft-deprecated by Dialpad; honoured as Dialpad documents (see `page::size_with_limit`).
    #[serde(default, deserialize_with = "de_opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "crate::ids::de_opt_bool")]
    include_local: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    owner_id: Option<i64>,
}

/// Shared contacts; with `include_local` every local contact too; with `owner_id`
/// that user's local contacts only (from the owner index, not a scan).
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    DpQuery(q): DpQuery<ListQuery>,
) -> ApiResult<Response> {
    let after = page::after::<String>("contacts", q.cursor.as_deref())?;
    let world = state.world.read();
    let company = company(&world, caller.company_id)?;
    let page_size =
        page::size_with_limit(state.config.page_size, q.limit, &company.oversized_limits)?;
    let key = |c: &&Contact| c.id.clone();
    let after = after.as_ref().map(String::as_str);
    let page = match q.owner_id {
        Some(owner) => {
            if company.live_user(owner).is_none() {
                return Err(ApiError::not_found("user"));
            }
            page::take(
                company.contacts_of_owner(owner, after),
                page_size,
                "contacts",
                key,
            )
        }
        None => {
            let include_local = q.include_local.unwrap_or(false);
            let items = company
                .contacts
                .range::<str, _>((after, Bound::Unbounded))
                .map(|(_, c)| c)
                .filter(|c| c.kind == "shared" || include_local);
            page::take(items, page_size, "contacts", key)
        }
    };
    json_response(&page)
}

async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let world = state.world.read();
    let contact = company(&world, caller.company_id)?
        .contacts
        .get(&id)
        .ok_or_else(|| ApiError::not_found("contact"))?;
    json_response(contact)
}

/// Fields every contact write may carry. The optional scalars tell `null` (clear it,
/// as `protos.contact.UpdateContactMessage` allows) from absent (leave it).
#[derive(Debug, Default, Deserialize)]
struct ContactFields {
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default, deserialize_with = "de_nullable")]
    company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "de_nullable")]
    job_title: Option<Option<String>>,
    emails: Option<Vec<String>>,
    phones: Option<Vec<String>>,
    urls: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_nullable")]
    extension: Option<Option<String>>,
    #[serde(default, deserialize_with = "de_nullable")]
    trunk_group: Option<Option<String>>,
}

impl ContactFields {
    fn check(&self) -> ApiResult<()> {
        for email in self.emails.iter().flatten() {
            check_email(email)?;
        }
        for phone in self.phones.iter().flatten() {
            check_e164(phone)?;
        }
        for name in [&self.first_name, &self.last_name].into_iter().flatten() {
            if name.chars().count() > 250 {
                return Err(ApiError::bad_request("names are at most 250 characters"));
            }
        }
        Ok(())
    }

    fn apply(self, contact: &mut Contact) {
        let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
        if let Some(v) = self.first_name {
            contact.first_name = v;
        }
        if let Some(v) = self.last_name {
            contact.last_name = v;
        }
        if let Some(v) = self.company_name {
            contact.company_name = non_empty(v);
        }
        if let Some(v) = self.job_title {
            contact.job_title = non_empty(v);
        }
        if let Some(v) = self.emails {
            contact.emails = v;
        }
        if let Some(v) = self.phones {
            contact.phones = v;
        }
        if let Some(v) = self.urls {
            contact.urls = v;
        }
        if let Some(v) = self.extension {
            contact.extension = non_empty(v);
        }
        if let Some(v) = self.trunk_group {
            contact.trunk_group = non_empty(v);
        }
        contact.refresh_derived();
    }
}

#[derive(Debug, Deserialize)]
struct CreateContact {
    #[serde(flatten)]
    fields: ContactFields,
    #[serde(default, deserialize_with = "de_opt_i64")]
    owner_id: Option<i64>,
    /// Only on `PUT`: the caller's own key for the contact.
    uid: Option<String>,
}

fn new_contact(id: String, owner_id: Option<i64>, fields: ContactFields) -> ApiResult<Contact> {
    let mut fields = fields;
    let first = required(fields.first_name.take(), "first_name")?;
    let last = required(fields.last_name.take(), "last_name")?;
    let mut contact = Contact {
        id,
        kind: if owner_id.is_some() {
            "local"
        } else {
            "shared"
        },
        first_name: first,
        last_name: last,
        display_name: String::new(),
        company_name: None,
        job_title: None,
        emails: Vec::new(),
        primary_email: None,
        phones: Vec::new(),
        primary_phone: None,
        urls: Vec::new(),
        extension: None,
        trunk_group: None,
        owner_id,
    };
    fields.apply(&mut contact);
    Ok(contact)
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<CreateContact>,
) -> ApiResult<Json<Contact>> {
    body.fields.check()?;
    let mut world = state.world.write();
    let contact = {
        let id = contact_id(world.next_id());
        let company = company_mut(&mut world, caller.company_id)?;
        if let Some(owner) = body.owner_id
            && company.live_user(owner).is_none()
        {
            return Err(ApiError::bad_request(
                "owner_id names no user of this company",
            ));
        }
        let contact = new_contact(id, body.owner_id, body.fields)?;
        company.insert_contact(contact.clone());
        contact
    };
    emit(&world, &state, &caller, "created", &contact);
    Ok(Json(contact))
}

/// `PUT /api/v2/contacts`: creates the shared contact with this `uid`, or replaces
/// the fields of the one that has it. Dialpad includes the uid in the contact's
/// generated id, so the id is a function of the company and the uid: the same uid
/// names the same contact, even after it was deleted.
async fn upsert(
    State(state): State<AppState>,
    caller: Caller,
    DpJson(body): DpJson<CreateContact>,
) -> ApiResult<Json<Contact>> {
    let uid = required(body.uid, "uid")?;
    if uid.chars().count() > 256 {
        return Err(ApiError::bad_request("uid is at most 256 characters"));
    }
    body.fields.check()?;
    let mut world = state.world.write();
    let (contact, event) = {
        let company = company_mut(&mut world, caller.company_id)?;
        let id = uid_contact_id(company.id(), &uid);
        let contact = new_contact(id, None, body.fields)?;
        let event = match company.insert_contact(contact.clone()) {
            Some(_) => "updated",
            None => "created",
        };
        (contact, event)
    };
    emit(&world, &state, &caller, event, &contact);
    Ok(Json(contact))
}

/// The id of the shared contact a `PUT` with `uid` makes: a datastore-like key that
/// carries the uid (longer than any seeded or `POST`ed contact's id, so never one).
fn uid_contact_id(company_id: i64, uid: &str) -> String {
    let mut raw = b"Contact".to_vec();
    raw.extend_from_slice(&company_id.to_be_bytes());
    raw.extend_from_slice(uid.as_bytes());
    format!("ag5z{}", URL_SAFE_NO_PAD.encode(raw))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    DpJson(fields): DpJson<ContactFields>,
) -> ApiResult<Json<Contact>> {
    fields.check()?;
    for (value, name) in [
        (&fields.first_name, "first_name"),
        (&fields.last_name, "last_name"),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ApiError::bad_request(format!("{name} must not be empty")));
        }
    }
    let mut world = state.world.write();
    let contact = {
        let company = company_mut(&mut world, caller.company_id)?;
        // Out and back in, so the phone index follows changed numbers.
        let mut contact = company
            .remove_contact(&id)
            .ok_or_else(|| ApiError::not_found("contact"))?;
        fields.apply(&mut contact);
        company.insert_contact(contact.clone());
        contact
    };
    emit(&world, &state, &caller, "updated", &contact);
    Ok(Json(contact))
}

async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Contact>> {
    let mut world = state.world.write();
    let contact = company_mut(&mut world, caller.company_id)?
        .remove_contact(&id)
        .ok_or_else(|| ApiError::not_found("contact"))?;
    emit(&world, &state, &caller, "deleted", &contact);
    Ok(Json(contact))
}

/// Queues the contact event under the write guard of the change (see
/// [`super::changelog`]).
fn emit(world: &World, state: &AppState, caller: &Caller, event: &'static str, contact: &Contact) {
    events::emit_locked(
        world,
        state,
        caller.company_id,
        Event::Contact {
            event,
            contact: contact.clone(),
        },
    );
}
