//! The two HTML pages of the authorization endpoint: the consent page and the error
//! page shown when the request cannot be answered by a redirect. Everything echoed
//! is escaped; the pages may not be framed or cached.

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::SCOPES;

/// What the consent page shows.
#[derive(Clone, Copy)]
pub(super) struct Consent<'a> {
    pub request_id: &'a str,
    pub app_name: &'a str,
    pub user_name: &'a str,
    pub user_email: &'a str,
    pub company_name: &'a str,
    pub scopes: &'a [String],
}

/// The request id is a single-use capability: `Debug` hides it.
impl std::fmt::Debug for Consent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consent")
            .field("request_id", &"***")
            .field("app_name", &self.app_name)
            .field("user_name", &self.user_name)
            .field("user_email", &self.user_email)
            .field("company_name", &self.company_name)
            .field("scopes", &self.scopes)
            .finish()
    }
}

pub(super) fn consent_page(c: Consent<'_>) -> Response {
    let app = escape(c.app_name);
    let mut items = String::from("<li>Basic access to your Dialpad account</li>");
    for scope in c.scopes {
        let about = SCOPES
            .iter()
            .find(|(name, _)| name == scope)
            .map_or("", |(_, about)| about);
        let _ = write!(
            items,
            "<li><code>{}</code>: {}</li>",
            escape(scope),
            escape(about)
        );
    }
    let body = format!(
        "<h1>Allow {app} to access your Dialpad account?</h1>\
         <p>Signed in as <strong>{user}</strong> ({email}) at {company}.</p>\
         <p>{app} will be able to:</p><ul>{items}</ul>\
         <form method=\"post\" action=\"/oauth2/authorize/decision\">\
         <input type=\"hidden\" name=\"request_id\" value=\"{id}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form>",
        user = escape(c.user_name),
        email = escape(c.user_email),
        company = escape(c.company_name),
        id = escape(c.request_id),
    );
    page(StatusCode::OK, &format!("Authorize {app}"), &body)
}

/// A 400 page for requests that must not be redirected (unknown client or URI).
pub(super) fn error_page(message: &str) -> Response {
    let body = format!(
        "<h1>This authorization request cannot be completed</h1><p>{}</p>",
        escape(message)
    );
    page(StatusCode::BAD_REQUEST, "Authorization error", &body)
}

/// `title` and `body` are HTML already escaped by the caller.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - Dialpad sandbox</title>\
         <style>body{{font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}\
         button{{font-size:1rem;padding:.4rem 1.2rem}}</style></head>\
         <body><main>{body}</main></body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

pub(super) fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_attribute_quotes() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
