//! Dialpad webhooks (`/api/v2/webhooks`): the endpoint Dialpad delivers events to, its signing
//! settings, its create/update bodies, and the websocket alternative used by subscriptions.
//! Signing secrets are [`SecretString`]s: on the wire verbatim, `***` in `Debug`.

use serde::{Deserialize, Serialize};

use super::common::Collection;
use super::wire::{Int64, Nullable, SecretString};

/// `protos.webhook.WebhookCollection`: a page of webhooks.
pub type WebhookCollection = Collection<WebhookProto>;

/// `protos.webhook.WebhookProto`: a webhook endpoint. Dialpad answers with the secret in
/// `signature.secret`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
/// "type": "jwt"}`) and with which secret.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignatureProto {
    /// The hash algorithm used to compute the signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algo: Option<String>,
    /// The secret string that will be used to sign the payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretString>,
    /// The signature token type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// `protos.webhook.CreateWebhook`: the `POST /api/v2/webhooks` body. Without a secret,
/// events are delivered as plain JSON; with one, as HS256 JWTs. Dialpad requires `hook_url`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateWebhook {
    /// The webhook's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_url: Option<String>,
    /// Webhook's signature secret that's used to confirm the validity of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretString>,
}

/// `protos.webhook.UpdateWebhook`: the `PATCH /api/v2/webhooks/{id}` body. Absent fields are
/// kept; a `Null` secret stops signing, so events arrive as plain JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateWebhook {
    /// The webhook's URL.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub hook_url: Nullable<String>,
    /// Webhook's signature secret that's used to confirm the validity of the request.
    #[serde(skip_serializing_if = "Nullable::is_absent")]
    pub secret: Nullable<SecretString>,
}

/// `protos.websocket.WebsocketProto`: a websocket endpoint, the alternative to a webhook on
/// event subscriptions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn webhook_secret_is_on_the_wire_but_never_in_debug() {
        let body = json!({"hook_url": "https://example.test/hook", "id": "1000",
            "signature": {"algo": "HS256", "secret": "puppy", "type": "jwt"}});
        let hook: WebhookProto = serde_json::from_value(body.clone()).unwrap();
        let secret = hook.signature.as_ref().and_then(|s| s.secret.as_ref());
        assert_eq!(secret.map(SecretString::expose), Some("puppy"));
        assert_eq!(serde_json::to_value(&hook).unwrap(), body);

        let create = CreateWebhook {
            hook_url: None,
            secret: Some("puppy".into()),
        };
        let update = UpdateWebhook {
            secret: Nullable::Value("puppy".into()),
            ..UpdateWebhook::default()
        };
        for printed in [
            format!("{hook:?}"),
            format!("{create:?}"),
            format!("{update:?}"),
        ] {
            assert!(!printed.contains("puppy"), "{printed}");
            assert!(printed.contains("***"), "{printed}");
        }
    }

    #[test]
    fn update_can_remove_the_secret() {
        let update = UpdateWebhook {
            secret: Nullable::Null,
            ..UpdateWebhook::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"secret": null})
        );
        let read: UpdateWebhook = serde_json::from_value(json!({"secret": "s2"})).unwrap();
        assert_eq!(read.secret.value().map(SecretString::expose), Some("s2"));
        assert!(read.hook_url.is_absent());
    }
}
