//! `GET /oauth2/authorize` and the consent page's `POST /oauth2/authorize/decision`:
//! validate the request, decide who authorizes, and answer with a code (or an error)
//! on the client's redirect URI, or with a page when no redirect is safe.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use url::{Host, Url};

use crate::auth::OAuthApp;
use crate::state::AppState;
use crate::world::World;

use super::html::{self, Consent};
use super::pkce::{self, Method};
use super::store::{self, Approval};
use super::{Params, parse_scopes};

pub(super) async fn authorize(State(state): State<AppState>, uri: Uri) -> Response {
    let params = Params::from_form(uri.query().unwrap_or_default().as_bytes());
    let (app, redirect_uri, redirect) = match client_and_redirect(&state, &params) {
        Ok(found) => found,
        Err(message) => return html::error_page(&message),
    };
    let client_state = params.get("state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        error_redirect(
            &redirect,
            error,
            description,
            client_state.as_deref(),
            StatusCode::FOUND,
        )
    };
    if let Some(name) = params.repeated.first() {
        return fail("invalid_request", &format!("parameter {name} is repeated"));
    }
    match params.get("response_type") {
        None | Some("code") => {}
        Some(_) => return fail("unsupported_response_type", "response_type must be code"),
    }
    let scopes = match parse_scopes(params.get("scope")) {
        Ok(scopes) => scopes,
        Err(message) => return fail("invalid_scope", &message),
    };
    let challenge = match challenge(&params) {
        Ok(challenge) => challenge,
        Err(message) => return fail("invalid_request", message),
    };
    let prompt: Vec<&str> = params
        .get("prompt")
        .map(|p| p.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if prompt.contains(&"none") && prompt.len() > 1 {
        return fail(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        );
    }
    let who = {
        let world = state.world.read();
        resolve_user(
            &world,
            params.get("sandbox_user_id"),
            params.get("sandbox_company_id"),
        )
    };
    let who = match who {
        Ok(who) => who,
        Err((error, message)) => return fail(error, &message),
    };
    let needs_consent = app.consent || prompt.contains(&"consent");
    if needs_consent && prompt.contains(&"none") {
        return fail("consent_required", "this app needs the user's consent");
    }
    let approval = Approval {
        client_id: app.client_id.clone(),
        company_id: who.company_id,
        user_id: who.user_id,
        redirect_uri,
        redirect,
        scopes: Arc::from(scopes),
        challenge,
        state: client_state.clone(),
    };
    let now = Instant::now();
    if !needs_consent {
        let code = {
            let mut auth = state.auth.write();
            store::sweep(&mut auth, now);
            store::issue_code(&mut auth, &approval, now)
        };
        return code_redirect(&approval, &code, StatusCode::FOUND);
    }
    let request_id = {
        let mut auth = state.auth.write();
        store::sweep(&mut auth, now);
        auth.oauth.hold(approval.clone(), now)
    };
    html::consent_page(Consent {
        request_id: &request_id,
        app_name: &app.name,
        user_name: &who.user_name,
        user_email: &who.user_email,
        company_name: &who.company_name,
        scopes: &approval.scopes,
    })
}

/// The consent page's Allow or Deny.
pub(super) async fn decision(State(state): State<AppState>, body: Bytes) -> Response {
    let params = Params::from_form(&body);
    let allow = match params.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return html::error_page("the decision must be allow or deny"),
    };
    let Some(request_id) = params.get("request_id") else {
        return html::error_page("the authorization request id is missing");
    };
    let now = Instant::now();
    let mut auth = state.auth.write();
    let Some(approval) = auth.oauth.take_pending(request_id, now) else {
        return html::error_page("this authorization request has expired or was already answered");
    };
    if !allow {
        drop(auth);
        return error_redirect(
            &approval.redirect,
            "access_denied",
            "the user denied the request",
            approval.state.as_deref(),
            StatusCode::SEE_OTHER,
        );
    }
    let code = store::issue_code(&mut auth, &approval, now);
    drop(auth);
    code_redirect(&approval, &code, StatusCode::SEE_OTHER)
}

/// The app and its redirect URI, or why no redirect may be sent.
fn client_and_redirect(
    state: &AppState,
    params: &Params,
) -> Result<(OAuthApp, String, Url), String> {
    if params.is_repeated("client_id") || params.is_repeated("redirect_uri") {
        return Err("client_id and redirect_uri must be given once".into());
    }
    let client_id = params.get("client_id").ok_or("client_id is required")?;
    let app = state
        .auth
        .read()
        .apps
        .get(client_id)
        .cloned()
        .ok_or("unknown client_id")?;
    let raw = params
        .get("redirect_uri")
        .ok_or("redirect_uri is required")?;
    let parsed = Url::parse(raw).ok().filter(|u| u.fragment().is_none());
    let accepted = if app.redirect_uris.is_empty() {
        parsed.as_ref().is_some_and(is_loopback)
    } else {
        app.redirect_uris.iter().any(|r| r == raw)
    };
    match parsed {
        Some(url) if accepted => Ok((app, raw.to_owned(), url)),
        _ => Err("redirect_uri is not registered for this app".into()),
    }
}

/// RFC 8252 loopback redirect: plain http to a loopback host, any port.
fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http"
        && url.username().is_empty()
        && url.password().is_none()
        && match url.host() {
            Some(Host::Domain(d)) => d == "localhost",
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip) == IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
            None => false,
        }
}

fn challenge(params: &Params) -> Result<Option<(String, Method)>, &'static str> {
    let method = params.get("code_challenge_method");
    let Some(challenge) = params.get("code_challenge") else {
        return match method {
            Some(_) => Err("code_challenge_method given without code_challenge"),
            None => Ok(None),
        };
    };
    let method = Method::parse(method).ok_or("code_challenge_method must be S256 or plain")?;
    if !pkce::well_formed(challenge) {
        return Err("code_challenge must be 43-128 characters of [A-Za-z0-9-._~]");
    }
    Ok(Some((challenge.to_owned(), method)))
}

/// The user who authorizes, as the page shows them.
#[derive(Debug)]
struct Who {
    company_id: i64,
    user_id: i64,
    user_name: String,
    user_email: String,
    company_name: String,
}

fn resolve_user(
    world: &World,
    user_id: Option<&str>,
    company_id: Option<&str>,
) -> Result<Who, (&'static str, String)> {
    let bad = |message: String| ("invalid_request", message);
    let company_id = company_id
        .map(|raw| {
            crate::ids::parse_id(raw)
                .ok_or_else(|| bad(format!("invalid sandbox_company_id {raw:?}")))
        })
        .transpose()?;
    let (company, user) = if let Some(raw) = user_id {
        let id = crate::ids::parse_id(raw)
            .ok_or_else(|| bad(format!("invalid sandbox_user_id {raw:?}")))?;
        let found = world
            .companies
            .values()
            .find_map(|c| c.users.get(&id).map(|u| (c, u)))
            .ok_or_else(|| bad(format!("no user {id}")))?;
        if company_id.is_some_and(|c| c != found.0.id()) {
            return Err(bad(format!(
                "user {id} is not in company sandbox_company_id"
            )));
        }
        found
    } else {
        let company = match company_id {
            Some(id) => world
                .company(id)
                .ok_or_else(|| bad(format!("no company {id}")))?,
            None => world
                .companies
                .values()
                .next()
                .ok_or_else(|| bad("the sandbox has no company".into()))?,
        };
        let admin = company
            .admin()
            .ok_or_else(|| bad(format!("company {} has no active admin", company.id())))?;
        (company, admin)
    };
    if user.state != "active" {
        return Err((
            "access_denied",
            format!("user {} is {}", user.id, user.state),
        ));
    }
    Ok(Who {
        company_id: company.id(),
        user_id: user.id,
        user_name: user.display_name.clone(),
        user_email: user.emails.first().cloned().unwrap_or_default(),
        company_name: company.proto.name.clone(),
    })
}

fn code_redirect(approval: &Approval, code: &str, status: StatusCode) -> Response {
    let mut url = approval.redirect.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("code", code);
        if let Some(s) = &approval.state {
            query.append_pair("state", s);
        }
    }
    redirect(status, &url)
}

fn error_redirect(
    base: &Url,
    error: &str,
    description: &str,
    state: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut url = base.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", description);
        if let Some(s) = state {
            query.append_pair("state", s);
        }
    }
    redirect(status, &url)
}

fn redirect(status: StatusCode, to: &Url) -> Response {
    match HeaderValue::from_str(to.as_str()) {
        Ok(location) => (
            status,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => html::error_page("the redirect URI cannot be used"),
    }
}
