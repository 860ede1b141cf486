//! The HTTP side of the connector: one long-lived `reqwest::Client` (no redirects, connect
//! and request timeouts, `patchbay/<version>`), requests that present a credential as a
//! bearer token, and retries of idempotent requests (see `retry`). Answers are bytes until
//! a caller reads them as JSON; failures are `UpstreamError`s.

mod retry;

use std::sync::Arc;
use std::time::Instant;

use patchbay_core::Credential;
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::config::{DialpadConfig, RetryPolicy};
use crate::error::{DialpadError, UpstreamError};
use crate::observe::{Observer, operation};
use crate::types::ErrorEnvelope;

use retry::{Decision, decide, parse_retry_after};

/// The user agent of every request.
const USER_AGENT: &str = concat!("patchbay/", env!("CARGO_PKG_VERSION"));

/// Dialpad's HTTP API, shared by every call of one connector.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
    observer: Option<Arc<dyn Observer>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(config: DialpadConfig) -> Result<Self, DialpadError> {
        let base = config.base_url;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(DialpadError::BaseUrl(base.to_string()));
        }
        // reqwest needs a process-wide rustls provider; the binary installs ring's, and a
        // library user who did not gets the same rather than a panic.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(DialpadError::Client)?;
        Ok(Self {
            http,
            base,
            retry: config.retry,
            observer: None,
        })
    }

    /// Reports every attempt to `observer`.
    pub(crate) fn set_observer(&mut self, observer: Arc<dyn Observer>) {
        self.observer = Some(observer);
    }

    /// The shared HTTP client (no redirects, timeouts), for the OAuth token calls.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL of `segments` under the base URL, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` checked the base can carry a path.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// `GET url`, an absolute URL Dialpad handed out (a stats file): sent without any
    /// credential, since it may point at another host (signed storage), and answered as
    /// the open response so the body can be read piece by piece.
    pub(crate) async fn download(&self, url: &Url) -> Result<reqwest::Response, UpstreamError> {
        let response = self.http.get(url.clone()).send().await.map_err(transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers());
        Err(UpstreamError::Status {
            status: status.as_u16(),
            message: status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .to_owned(),
            retry_after,
        })
    }

    /// A request to `segments` (e.g. `["api", "v2", "users", id]`) made with `credential`.
    pub(crate) fn request<'a>(
        &'a self,
        method: Method,
        segments: &[&str],
        credential: &'a Credential,
    ) -> Request<'a> {
        Request {
            client: self,
            method,
            url: self.url(segments),
            credential,
            body: None,
        }
    }
}

/// One request, sent (and retried) by [`Request::send`].
pub(crate) struct Request<'a> {
    client: &'a Client,
    method: Method,
    url: Url,
    credential: &'a Credential,
    body: Option<Value>,
}

impl Request<'_> {
    /// Adds `query` (a `types::queries` struct) to the URL.
    pub(crate) fn query(mut self, query: &impl Serialize) -> Result<Self, UpstreamError> {
        let encoded = serde_urlencoded::to_string(query).map_err(UpstreamError::Encode)?;
        if !encoded.is_empty() {
            self.url.set_query(Some(&encoded));
        }
        Ok(self)
    }

    /// Sends `body` as JSON.
    pub(crate) fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Sends the request; a 2xx answer is returned, anything else is an error. GET, PUT and
    /// DELETE are retried after a 429, a 5xx, a timeout or a dropped connection, as the
    /// retry policy allows; POST and PATCH are sent once.
    pub(crate) async fn send(self) -> Result<Answer, UpstreamError> {
        let idempotent = matches!(self.method, Method::GET | Method::PUT | Method::DELETE);
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let error = match self.attempt().await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            if !idempotent || !error.is_transient() {
                return Err(error);
            }
            match decide(
                &self.client.retry,
                attempt,
                started.elapsed(),
                error.retry_after(),
            ) {
                Decision::GiveUp => return Err(error),
                Decision::Retry(wait) => {
                    tracing::debug!(
                        method = %self.method,
                        path = self.url.path(),
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "retrying a Dialpad request",
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self) -> Result<Answer, UpstreamError> {
        let started = Instant::now();
        let result = self.attempt_once().await;
        if let Some(observer) = &self.client.observer {
            let status = match &result {
                Ok(_) => Some(200),
                Err(UpstreamError::Status { status, .. }) => Some(*status),
                Err(_) => None,
            };
            observer.upstream_call(
                &operation(self.method.as_str(), self.url.path()),
                status,
                started.elapsed(),
            );
        }
        result
    }

    async fn attempt_once(&self) -> Result<Answer, UpstreamError> {
        let mut request = self
            .client
            .http
            .request(self.method.clone(), self.url.clone())
            .bearer_auth(self.credential.expose_secret())
            .header(ACCEPT, "application/json");
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return Ok(Answer {
                body: body.to_vec(),
            });
        }
        tracing::debug!(
            method = %self.method,
            path = self.url.path(),
            status = status.as_u16(),
            "Dialpad refused a request"
        );
        Err(UpstreamError::Status {
            status: status.as_u16(),
            message: error_message(status, &body),
            retry_after,
        })
    }
}

/// A transport failure, without the URL (it may carry filter values).
pub(crate) fn transport(error: reqwest::Error) -> UpstreamError {
    let error = error.without_url();
    if error.is_timeout() {
        UpstreamError::Timeout(error)
    } else {
        UpstreamError::Transport(error)
    }
}

fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, chrono::Utc::now())
}

/// Dialpad's message from its error envelope; otherwise the status's reason phrase (a body
/// that is not the envelope, an HTML page from a proxy, is not repeated).
fn error_message(status: StatusCode, body: &[u8]) -> String {
    serde_json::from_slice::<ErrorEnvelope>(body)
        .ok()
        .and_then(|envelope| envelope.message().map(str::to_owned))
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .to_owned()
        })
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (`null` when empty).
    pub(crate) fn value(&self) -> Result<Value, UpstreamError> {
        let bytes = self.body.as_slice();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(bytes).map_err(UpstreamError::Decode)
    }

    /// The body read as `T`, straight from the bytes (an empty body reads as `null`).
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, UpstreamError> {
        let bytes = self.body.as_slice();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return T::deserialize(&Value::Null).map_err(UpstreamError::Decode);
        }
        serde_json::from_slice(bytes).map_err(UpstreamError::Decode)
    }
}

/// Reads an already-parsed JSON value as `T`.
pub(crate) fn read<T: DeserializeOwned>(value: &Value) -> Result<T, UpstreamError> {
    T::deserialize(value).map_err(UpstreamError::Decode)
}
