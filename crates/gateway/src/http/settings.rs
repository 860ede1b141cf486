//! `/v1/settings`: a tenant's own settings, for now the redirect allow-list of OAuth
//! onboarding (an authorization may only send the end user back to a listed URL, or the
//! gateway would be an open redirector). A tenant sees and changes only its own.
//!
//! Matching: an entry `https://app.example.com/oauth/done` allows exactly that scheme, host,
//! port and path (any query string may be added by the caller); an entry ending in `/*`,
//! `https://app.example.com/oauth/*`, allows every path under `/oauth/` on that origin.

use axum::extract::State;
use chrono::{DateTime, Utc};
use patchbay_core::{FieldError, ValidationCode, ValidationErrors};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use super::error::ApiResult;
use super::extract::{Json, Tenant};
use crate::app::AppState;
use crate::store::TenantSettings;

/// Most entries in the allow-list.
const MAX_REDIRECT_URLS: usize = 50;
/// Longest entry.
const MAX_URL_LEN: usize = 2048;

/// A tenant's settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Always `settings`.
    #[schema(example = "settings")]
    pub object: &'static str,
    /// Where authorizations may send end users back to: exact URLs (scheme, host, port and
    /// path; the caller may add a query string), or prefixes ending in `/*`.
    #[schema(example = json!(["https://app.example.com/integrations/dialpad/done"]))]
    pub redirect_urls: Vec<String>,
    /// When they last changed, `null` if never.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<TenantSettings> for SettingsView {
    fn from(s: TenantSettings) -> Self {
        Self {
            object: "settings",
            redirect_urls: s.redirect_urls,
            updated_at: s.updated_at,
        }
    }
}

/// The body of `PATCH /v1/settings`: what to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsInput {
    /// The new redirect allow-list (replaces the old one).
    pub redirect_urls: Option<Vec<String>>,
}

/// Your settings.
#[utoipa::path(
    get,
    operation_id = "retrieveSettings",
    path = "/v1/settings",
    tag = "settings",
    responses((status = 200, description = "Your settings.", body = SettingsView)),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn retrieve(
    State(state): State<AppState>,
    tenant: Tenant,
) -> ApiResult<axum::Json<SettingsView>> {
    let settings = state.store.tenant_settings(&tenant.id).await?;
    Ok(axum::Json(settings.into()))
}

/// Change your settings.
#[utoipa::path(
    patch,
    operation_id = "updateSettings",
    path = "/v1/settings",
    tag = "settings",
    request_body = SettingsInput,
    responses(
        (status = 200, description = "The settings as changed.", body = SettingsView),
        (status = "4XX", description = "A client error (422: an entry is not an allowed URL).", body = patchbay_core::ErrorBody),
    ),
    security(("secretKey" = []), ("apiKeyPair" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(input): Json<SettingsInput>,
) -> ApiResult<axum::Json<SettingsView>> {
    let Some(urls) = input.redirect_urls else {
        return retrieve(State(state), tenant).await;
    };
    let mut errors = Vec::new();
    if urls.len() > MAX_REDIRECT_URLS {
        errors.push(FieldError::new(
            "redirectUrls",
            ValidationCode::InvalidValue,
            format!("at most {MAX_REDIRECT_URLS} redirect URLs"),
        ));
    }
    let mut clean: Vec<String> = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        match Entry::parse(url) {
            Ok(_) if !clean.contains(url) => clean.push(url.clone()),
            Ok(_) => {}
            Err(problem) => errors.push(FieldError::new(
                format!("redirectUrls[{i}]"),
                ValidationCode::InvalidValue,
                problem,
            )),
        }
    }
    if let Some(errors) = ValidationErrors::from_vec(errors) {
        return Err(errors.into());
    }
    let settings = state.store.set_redirect_urls(&tenant.id, &clean).await?;
    Ok(axum::Json(settings.into()))
}

/// One allow-list entry: an exact URL or a `/*` prefix.
#[derive(Debug)]
struct Entry {
    url: Url,
    prefix: bool,
}

impl Entry {
    fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_URL_LEN {
            return Err(format!(
                "a redirect URL has at most {MAX_URL_LEN} characters"
            ));
        }
        let (base, prefix) = match text.strip_suffix('*') {
            Some(base) if base.ends_with('/') => (base, true),
            Some(_) => return Err("`*` is only allowed at the end, after a `/`".into()),
            None => (text, false),
        };
        if base.contains('*') {
            return Err("`*` is only allowed at the end, after a `/`".into());
        }
        let url = Url::parse(base).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
        check_shape(&url).map_err(|p| format!("`{text}`: {p}"))?;
        if url.query().is_some() {
            return Err(format!(
                "`{text}`: leave the query string out of the allow-list"
            ));
        }
        Ok(Self { url, prefix })
    }

    fn allows(&self, candidate: &Url) -> bool {
        let same_origin = self.url.scheme() == candidate.scheme()
            && self.url.host() == candidate.host()
            && self.url.port_or_known_default() == candidate.port_or_known_default();
        same_origin
            && if self.prefix {
                candidate.path().starts_with(self.url.path())
            } else {
                candidate.path() == self.url.path()
            }
    }
}

/// What every redirect URL must be: absolute `http(s)`, no credentials, no fragment.
fn check_shape(url: &Url) -> Result<(), &'static str> {
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err("an absolute http(s) URL is required");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a redirect URL cannot carry credentials");
    }
    if url.fragment().is_some() {
        return Err("a redirect URL cannot have a fragment");
    }
    Ok(())
}

/// `candidate` parsed, when it is a well-formed redirect URL that `allowed` (the tenant's
/// allow-list) or `own` (a page of the gateway itself) lets through.
pub fn allowed_redirect(allowed: &[String], own: &[&str], candidate: &str) -> Option<Url> {
    let url = Url::parse(candidate).ok()?;
    check_shape(&url).ok()?;
    let listed = allowed
        .iter()
        .map(String::as_str)
        .chain(own.iter().copied())
        .filter_map(|entry| Entry::parse(entry).ok())
        .any(|entry| entry.allows(&url));
    listed.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_entries_match_origin_and_path_prefixes_match_below() {
        let list = vec![
            "https://app.example.com/oauth/done".to_owned(),
            "http://127.0.0.1:3000/cb/*".to_owned(),
        ];
        let ok = |u: &str| allowed_redirect(&list, &[], u).is_some();
        assert!(ok("https://app.example.com/oauth/done"));
        assert!(ok("https://app.example.com/oauth/done?user=42"));
        assert!(ok("https://app.example.com:443/oauth/done"));
        assert!(!ok("https://app.example.com/oauth/done/more"));
        assert!(!ok("http://app.example.com/oauth/done"));
        assert!(!ok("https://app.example.com.evil.com/oauth/done"));
        assert!(!ok("https://evil.com/oauth/done"));
        assert!(!ok("https://user@app.example.com/oauth/done"));
        assert!(!ok("https://app.example.com/oauth/done#x"));
        assert!(ok("http://127.0.0.1:3000/cb/anything/below"));
        assert!(!ok("http://127.0.0.1:3000/cb"));
        assert!(!ok("http://127.0.0.1:3000/cb/../admin"));
        assert!(!ok("http://127.0.0.1:3001/cb/x"));
        assert!(!ok("javascript:alert(1)"));
        assert!(
            allowed_redirect(
                &[],
                &["http://gw/connect/done"],
                "http://gw/connect/done?x=1"
            )
            .is_some()
        );
    }

    #[test]
    fn malformed_entries_are_named() {
        assert!(Entry::parse("https://a.com/x*").is_err());
        assert!(Entry::parse("https://a.com/*/x").is_err());
        assert!(Entry::parse("ftp://a.com/x").is_err());
        assert!(Entry::parse("https://a.com/x?y=1").is_err());
        assert!(Entry::parse("/relative").is_err());
        assert!(Entry::parse("https://a.com/x/*").is_ok());
    }
}
