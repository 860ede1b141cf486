//! A connection's credentials and how they are sealed at rest: JSON inside an
//! XChaCha20-Poly1305 blob whose associated data names the table, column and row, so a
//! ciphertext copied to another row does not open.

use chrono::{DateTime, Utc};
use patchbay_core::{Credential, Secret};
use serde::{Deserialize, Serialize};

use super::{StoreError, from_ms};
use crate::crypto::Keyring;

/// What the gateway presents to the provider for a connection. `Debug` shows `***` for
/// every secret; there is no `Serialize`: credentials leave the process only sealed.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A provider API key.
    ApiKey {
        /// The key.
        api_key: Secret,
    },
    /// OAuth tokens.
    OAuth {
        /// The bearer token.
        access_token: Secret,
        /// The token that gets a new access token, if granted.
        refresh_token: Option<Secret>,
        /// When the access token expires, if known.
        expires_at: Option<DateTime<Utc>>,
        /// Granted scopes.
        scopes: Vec<String>,
    },
}

impl Credentials {
    /// The credential a connector call presents.
    pub fn credential(&self) -> Credential {
        match self {
            Credentials::ApiKey { api_key } => Credential::api_key(api_key.expose()),
            Credentials::OAuth { access_token, .. } => Credential::bearer(access_token.expose()),
        }
    }

    /// `"apiKey"` or `"oauth"`: the kind, safe to show.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::ApiKey { .. } => "apiKey",
            Credentials::OAuth { .. } => "oauth",
        }
    }
}

/// The sealed form. Field names are part of the stored format: change them only with a
/// migration of the sealed data.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
enum Sealed {
    #[serde(rename = "apiKey")]
    ApiKey { api_key: String },
    #[serde(rename = "oauth")]
    OAuth {
        access_token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh_token: Option<String>,
        /// Epoch milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<i64>,
        #[serde(default)]
        scopes: Vec<String>,
    },
}

/// The associated data of an encrypted column value: `table.column:row-id`.
pub(crate) fn aad(table: &str, column: &str, row_id: &str) -> Vec<u8> {
    format!("{table}.{column}:{row_id}").into_bytes()
}

/// Seals credentials for `connections.credentials` of row `connection_id`.
pub(crate) fn seal(
    keyring: &Keyring,
    connection_id: &str,
    credentials: &Credentials,
) -> Result<Vec<u8>, StoreError> {
    let sealed = match credentials {
        Credentials::ApiKey { api_key } => Sealed::ApiKey {
            api_key: api_key.expose().to_owned(),
        },
        Credentials::OAuth {
            access_token,
            refresh_token,
            expires_at,
            scopes,
        } => Sealed::OAuth {
            access_token: access_token.expose().to_owned(),
            refresh_token: refresh_token.as_ref().map(|t| t.expose().to_owned()),
            expires_at: expires_at.map(|t| t.timestamp_millis()),
            scopes: scopes.clone(),
        },
    };
    let plaintext = serde_json::to_vec(&sealed)
        .map_err(|_| StoreError::Corrupt("cannot encode credentials".into()))?;
    Ok(keyring.encrypt(
        &plaintext,
        &aad("connections", "credentials", connection_id),
    )?)
}

/// Opens `connections.credentials` of row `connection_id`.
pub(crate) fn open(
    keyring: &Keyring,
    connection_id: &str,
    blob: &[u8],
) -> Result<Credentials, StoreError> {
    let plaintext = keyring.decrypt(blob, &aad("connections", "credentials", connection_id))?;
    // The error of a failed decode may quote the input: say only that it failed.
    let sealed: Sealed = serde_json::from_slice(&plaintext).map_err(|_| {
        StoreError::Corrupt(format!(
            "the credentials of connection {connection_id} do not decode"
        ))
    })?;
    Ok(match sealed {
        Sealed::ApiKey { api_key } => Credentials::ApiKey {
            api_key: Secret::new(api_key),
        },
        Sealed::OAuth {
            access_token,
            refresh_token,
            expires_at,
            scopes,
        } => Credentials::OAuth {
            access_token: Secret::new(access_token),
            refresh_token: refresh_token.map(Secret::new),
            expires_at: expires_at.map(from_ms).transpose()?,
            scopes,
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn credentials_round_trip_and_are_bound_to_their_row() {
        let ring = Keyring::parse(&Keyring::generate("k1")).unwrap();
        let creds = Credentials::OAuth {
            access_token: Secret::new("at-123"),
            refresh_token: Some(Secret::new("rt-456")),
            expires_at: from_ms(1_700_000_000_123).ok(),
            scopes: vec!["calls:list".into()],
        };
        let blob = seal(&ring, "conn_a", &creds).unwrap();
        let Credentials::OAuth {
            access_token,
            refresh_token,
            expires_at,
            scopes,
        } = open(&ring, "conn_a", &blob).unwrap()
        else {
            panic!("kind changed");
        };
        assert_eq!(access_token.expose(), "at-123");
        assert_eq!(refresh_token.unwrap().expose(), "rt-456");
        assert_eq!(expires_at.unwrap().timestamp_millis(), 1_700_000_000_123);
        assert_eq!(scopes, ["calls:list"]);
        assert!(matches!(
            open(&ring, "conn_b", &blob),
            Err(StoreError::Crypto(_))
        ));
        let debug = format!("{creds:?}");
        assert!(
            !debug.contains("at-123") && !debug.contains("rt-456"),
            "{debug}"
        );
    }
}
