//! The `oauth2` crate's HTTP hook over the connector's own `reqwest` client (no second
//! HTTP stack, no redirects followed). A 429 or 5xx answer becomes an error here, so the
//! caller can tell a token endpoint that is down from one that refused the grant.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

/// How long one token request may take, body included.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends the `oauth2` crate's requests with a shared `reqwest::Client`.
#[derive(Clone)]
pub(crate) struct TokenHttp(pub(crate) reqwest::Client);

/// Why a token request got no usable answer. Never holds the request (it carries the
/// client secret, codes and refresh tokens) nor the URL.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenHttpError {
    /// The request could not be built from the `oauth2` crate's parts.
    #[error("the token request could not be built")]
    Build,
    /// No answer in time.
    #[error("the token endpoint did not answer in time")]
    Timeout,
    /// The connection failed or was dropped.
    #[error("the token endpoint could not be reached")]
    Transport(#[source] reqwest::Error),
    /// A 429 or 5xx: the endpoint is overloaded or down.
    #[error("the token endpoint answered {0}")]
    Status(u16),
}

impl TokenHttpError {
    fn from_reqwest(error: reqwest::Error) -> Self {
        let error = error.without_url();
        if error.is_timeout() {
            TokenHttpError::Timeout
        } else {
            TokenHttpError::Transport(error)
        }
    }
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TokenHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut request =
                reqwest::Request::try_from(request).map_err(|_| TokenHttpError::Build)?;
            *request.timeout_mut() = Some(TOKEN_TIMEOUT);
            let response = self
                .0
                .execute(request)
                .await
                .map_err(TokenHttpError::from_reqwest)?;
            let status = response.status();
            if status.as_u16() == 429 || status.is_server_error() {
                return Err(TokenHttpError::Status(status.as_u16()));
            }
            let mut builder = http::Response::builder().status(status);
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response
                .bytes()
                .await
                .map_err(TokenHttpError::from_reqwest)?;
            builder
                .body(body.to_vec())
                .map_err(|_| TokenHttpError::Build)
        })
    }
}
