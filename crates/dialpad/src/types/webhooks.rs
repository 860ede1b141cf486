//! Dialpad webhooks (`/api/v2/webhooks`): the endpoint Dialpad delivers events to, its signing
//! settings, its create/update bodies, and the websocket alternative used by subscriptions.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::common::{Collection, Redacted};
use super::wire::Int64;

/// `protos.webhook.WebhookCollection`: a page of webhooks.
pub type WebhookCollection = Collection<WebhookProto>;

/// `protos.webhook.WebhookProto`: a webhook endpoint. Dialpad answers with the secret in
/// `signature.secret`, so this type's `Debug` hides it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookProto {
    /// The webhook's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// The webhook's ID, which is generated after creating a webhook successfully.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// Webhook's signature containing the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureProto>,
}

/// `protos.signature.SignatureProto`: how deliveries are signed (`{"algo": "HS256",
/// "type": "jwt"}`). `Debug` prints the secret as `***`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignatureProto {
    /// The hash algorithm used to compute the signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algo: Option<String>,
    /// The secret string that will be used to sign the payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The signature token type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// `protos.webhook.CreateWebhook`: the `POST /api/v2/webhooks` body. Without a secret,
/// events are delivered as plain JSON; with one, as HS256 JWTs. `Debug` hides the secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateWebhook {
    /// The webhook's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// Webhook's signature secret that's used to confirm the validity of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `protos.webhook.UpdateWebhook`: the `PATCH /api/v2/webhooks/{id}` body. `Debug` hides
/// the secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateWebhook {
    /// The webhook's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// Webhook's signature secret that's used to confirm the validity of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `protos.websocket.WebsocketProto`: a websocket endpoint, the alternative to a webhook on
/// event subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsocketProto {
    /// The websocket's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Int64>,
    /// The websocket's signature containing the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureProto>,
    /// The websocket's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_url: Option<String>,
}

impl fmt::Debug for SignatureProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureProto")
            .field("algo", &self.algo)
            .field("secret", &Redacted(&self.secret))
            .field("type", &self.r#type)
            .finish()
    }
}

impl fmt::Debug for CreateWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateWebhook")
            .field("hook_url", &self.hook_url)
            .field("secret", &Redacted(&self.secret))
            .finish()
    }
}

impl fmt::Debug for UpdateWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateWebhook")
            .field("hook_url", &self.hook_url)
            .field("secret", &Redacted(&self.secret))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn debug_never_prints_webhook_secrets() {
        let hook = WebhookProto {
            hook_url: Some("https://example.test/hook".to_owned()),
            id: Some(Int64(1000)),
            signature: Some(SignatureProto {
                algo: Some("HS256".to_owned()),
                secret: Some("puppy".to_owned()),
                r#type: Some("jwt".to_owned()),
            }),
        };
        let create = CreateWebhook {
            hook_url: None,
            secret: Some("puppy".to_owned()),
        };
        for printed in [format!("{hook:?}"), format!("{create:?}")] {
            assert!(!printed.contains("puppy"), "{printed}");
            assert!(printed.contains("***"), "{printed}");
        }
    }
}
