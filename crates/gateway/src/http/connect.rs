//! The Connect page (`GET /connect?session=…`), for the end user: which app wants to
//! connect, the connection's status, what it will be able to do, and a button that starts
//! the OAuth flow through the session routes (same window, or a popup with
//! `display=popup`). `GET /connect/done` shows the outcome and tells a popup's opener.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use patchbay_core::{ModelId, Operation, OperationKind};

use super::oauth::{DONE_PATH, public};
use super::pages::{self, Tone, escape};
use super::sessions::SessionAuth;
use crate::app::AppState;
use crate::store::{Connection, ConnectionStatus};

/// `GET /connect?session=<token>[&redirectUrl=…][&display=popup]`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let Some(token) = params.get("session") else {
        return problem(
            StatusCode::BAD_REQUEST,
            "This link is incomplete: it carries no session. Start again from the app.",
        );
    };
    let auth = match SessionAuth::verify(&state, token) {
        Ok(auth) => auth,
        Err(e) if e.error_code() == patchbay_core::ErrorCode::SessionExpired => {
            return problem(
                StatusCode::UNAUTHORIZED,
                "This link has expired. Go back to the app and start again.",
            );
        }
        Err(_) => {
            return problem(
                StatusCode::UNAUTHORIZED,
                "This link is not valid. Go back to the app and start again.",
            );
        }
    };
    let c = &auth.claims;
    let found = state
        .store
        .connection(&auth.tenant, &c.connector_id, &c.owner_id)
        .await;
    let tenant = state.store.tenant(&auth.tenant).await;
    let (connection, tenant) = match (found, tenant) {
        (Ok(Some(connection)), Ok(Some(tenant))) if connection.id == c.connection_id => {
            (connection, tenant)
        }
        (Ok(_), Ok(_)) => {
            return problem(
                StatusCode::NOT_FOUND,
                "This connection no longer exists. Go back to the app and start again.",
            );
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %super::error::chain(&e), "connect page: cannot read the connection");
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Please try again in a moment.",
            );
        }
    };
    let Some(connector) = state.connectors.get(&connection.connector_id) else {
        return problem(StatusCode::NOT_FOUND, "This connector is not available.");
    };
    let provider = connector.descriptor().name;
    let done = match public(&state, DONE_PATH) {
        Ok(url) => url.to_string(),
        Err(_) => DONE_PATH.to_owned(),
    };
    let redirect = params.get("redirectUrl").unwrap_or(&done);
    let popup = params.get("display") == Some("popup");
    let (status_class, status_text, button) = match connection.status {
        ConnectionStatus::Authorized => ("success", "Connected", "Reconnect"),
        ConnectionStatus::Unauthorized => ("error", "Needs to be connected again", "Reconnect"),
        ConnectionStatus::AwaitingAuthorization => ("pending", "Not connected yet", "Connect"),
    };
    let body = format!(
        "<div class=\"apps\"><span class=\"app\">{app}</span><span class=\"arrow\" aria-hidden=\"true\">&#8594;</span>\
         <span class=\"app provider\">{provider}</span></div>\
         <h1><strong>{app}</strong> wants to connect to your {provider} account</h1>\
         <p class=\"status\">Status: <span id=\"status\" class=\"pill {status_class}\">{status_text}</span></p>\
         <p>It will be able to:</p><ul class=\"grants\">{grants}</ul>\
         <p id=\"message\" class=\"message\" role=\"status\" hidden></p>\
         <button id=\"connect\" class=\"button\" type=\"button\" \
         data-session=\"{token}\" data-redirect=\"{redirect}\" data-popup=\"{popup}\">{button} {provider}</button>\
         <p class=\"fine\">You will sign in at {provider} and can revoke access there at any time.</p>",
        app = escape(&tenant.name),
        provider = escape(provider),
        grants = grants(&connection, &c.operations),
        token = escape(token),
        redirect = escape(redirect),
        popup = if popup { "true" } else { "false" },
        button = button,
    );
    pages::page(
        StatusCode::OK,
        &format!("Connect {provider}"),
        "<script src=\"/connect/assets/connect.js\" defer></script>",
        &body,
    )
}

/// `GET /connect/done?status=…[&code=…]`: the outcome, readable; a popup also tells its
/// opener and closes.
pub async fn done(RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let (tone, title, text) = match params.get("status") {
        Some("authorized") => (
            Tone::Success,
            "Connected",
            "Your account is connected. You can close this window and return to the app."
                .to_owned(),
        ),
        _ => {
            let why = match params.get("code") {
                Some("access_denied") => "access was denied".to_owned(),
                Some("temporarily_unavailable") => {
                    "the provider is unavailable; try again in a moment".to_owned()
                }
                Some(code) if code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                    code.to_owned()
                }
                _ => "something went wrong".to_owned(),
            };
            (
                Tone::Error,
                "Not connected",
                format!("The connection was not made ({why}). Return to the app to try again."),
            )
        }
    };
    let status = if tone == Tone::Success {
        "authorized"
    } else {
        "error"
    };
    let body = format!(
        "<div class=\"badge {class}\" aria-hidden=\"true\"></div><h1 id=\"outcome\" data-status=\"{status}\" \
         data-code=\"{code}\">{title}</h1><p>{text}</p>",
        class = if tone == Tone::Success {
            "success"
        } else {
            "error"
        },
        code = escape(params.get("code").unwrap_or("")),
        text = escape(&text),
    );
    pages::page(
        StatusCode::OK,
        title,
        "<script src=\"/connect/assets/connect.js\" defer></script>",
        &body,
    )
}

fn problem(status: StatusCode, text: &str) -> Response {
    pages::message(status, Tone::Error, "This link cannot be used", text, None)
}

/// What the session lets the app do, by model, in words.
fn grants(connection: &Connection, operations: &[Operation]) -> String {
    let mut out = String::new();
    for model in ModelId::ALL {
        let granted: Vec<OperationKind> = operations
            .iter()
            .filter(|op| op.model == *model && connection.operations.contains(op))
            .map(|op| op.kind)
            .collect();
        if granted.is_empty() {
            continue;
        }
        let mut verbs: Vec<&str> = Vec::new();
        for kind in granted {
            let verb = match kind {
                OperationKind::List | OperationKind::Retrieve => "read",
                OperationKind::Create => "create",
                OperationKind::Update => "update",
                OperationKind::Delete => "delete",
            };
            if !verbs.contains(&verb) {
                verbs.push(verb);
            }
        }
        let noun = match model {
            ModelId::GenericContact => "contacts",
            ModelId::GenericUser => "users",
            ModelId::GenericWorkspace => "offices",
            ModelId::TelephonyCall => "calls",
            ModelId::TelephonyCallTranscript => "call transcripts",
        };
        let mut sentence = verbs.join(", ");
        if let Some(first) = sentence.get(..1) {
            sentence = format!("{}{}", first.to_uppercase(), &sentence[1..]);
        }
        out.push_str(&format!("<li>{sentence} your {noun}</li>"));
    }
    if out.is_empty() {
        out.push_str("<li>See that your account exists</li>");
    }
    out
}

/// Query parameters, first value wins.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}
