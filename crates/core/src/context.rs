//! What a connector call is made with: the connection's identity and the credential to
//! present. Secrets are opaque: `Debug` prints `***`, and there is no `Display`,
//! `Serialize` or `PartialEq` (no accidental logging, echoing or non-constant-time compare).

use std::fmt;

/// A secret string whose `Debug` never shows it, and which has no `Display` or `Serialize`,
/// so it cannot reach a log line or a response by accident.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that must send it (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How a credential is presented to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    Bearer,
    /// A provider API key (sandbox, or providers without OAuth).
    ApiKey,
}

/// The credential a connector must use for one call. Opaque: the secret is only reachable
/// through [`Credential::expose_secret`], and `Debug` prints `***`.
#[derive(Debug, Clone)]
pub struct Credential {
    kind: CredentialKind,
    secret: Secret,
}

impl Credential {
    /// An OAuth access token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self {
            kind: CredentialKind::Bearer,
            secret: Secret::new(token),
        }
    }

    /// A provider API key.
    pub fn api_key(key: impl Into<String>) -> Self {
        Self {
            kind: CredentialKind::ApiKey,
            secret: Secret::new(key),
        }
    }

    /// How to present it.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// The secret value.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose()
    }
}

/// Who a call is made for and with which credential. Built by the gateway per request from
/// the stored connection (after any token refresh).
#[derive(Debug, Clone)]
pub struct ConnectionContext {
    connector_id: String,
    owner_id: String,
    credential: Credential,
}

impl ConnectionContext {
    /// A context for the connection (`connector_id`, `owner_id`).
    pub fn new(
        connector_id: impl Into<String>,
        owner_id: impl Into<String>,
        credential: Credential,
    ) -> Self {
        Self {
            connector_id: connector_id.into(),
            owner_id: owner_id.into(),
            credential,
        }
    }

    /// The connector id (`dialpad`).
    pub fn connector_id(&self) -> &str {
        &self.connector_id
    }

    /// The customer's id for its end user.
    pub fn owner_id(&self) -> &str {
        &self.owner_id
    }

    /// The credential to present.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
}
