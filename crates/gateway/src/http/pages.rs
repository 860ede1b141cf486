//! The few HTML pages the gateway serves to end users (the Connect page, the outcome of an
//! authorization): one frame, one stylesheet and one script served from the binary, no CDN
//! or fonts, and headers that forbid framing, referrers, caching and foreign content.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The stylesheet of every page.
const CSS: &str = include_str!("connect/connect.css");
/// The Connect page's script (the only script the gateway serves to end users).
const JS: &str = include_str!("connect/connect.js");

/// Only this origin's stylesheet and script, requests to this origin, no framing.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `raw` with HTML's special characters escaped, for text and attribute values.
pub fn escape(raw: &str) -> String {
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

/// A page: `title` is text (escaped here), `body` is HTML the caller escaped, `head` extra
/// HTML for the head (escaped by the caller).
pub fn page(status: StatusCode, title: &str, head: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/connect/assets/connect.css\">{head}</head>\
         <body><main class=\"card\">{body}</main>\
         <footer>Secured by Patchbay</footer></body></html>",
        title = escape(title),
    );
    with_headers((status, Html(html)).into_response())
}

/// A page that only states an outcome: a heading, a paragraph, and an optional link.
pub fn message(
    status: StatusCode,
    tone: Tone,
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let link = link.map_or_else(String::new, |(href, label)| {
        format!(
            "<p><a class=\"button\" href=\"{}\">{}</a></p>",
            escape(href),
            escape(label)
        )
    });
    let body = format!(
        "<div class=\"badge {tone}\" aria-hidden=\"true\"></div><h1>{}</h1><p>{}</p>{link}",
        escape(title),
        escape(text),
        tone = tone.class(),
    );
    page(status, title, "", &body)
}

/// The colour of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// It worked.
    Success,
    /// It did not.
    Error,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Success => "success",
            Tone::Error => "error",
        }
    }
}

fn with_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /connect/assets/connect.css`.
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /connect/assets/connect.js`.
pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
