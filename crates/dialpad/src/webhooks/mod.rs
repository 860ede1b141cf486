//! Dialpad's event side for the gateway's webhooks: managing the Dialpad webhook and the
//! event subscriptions that feed a connection's events to the gateway ([`DialpadConnector`]
//! methods below), verifying the JWTs events arrive as ([`jwt`]), and reading an event's
//! claims as what happened in unified terms ([`read_event`]).

mod events;
pub mod jwt;

use patchbay_core::{ConnectorError, Credential};
use reqwest::Method;
use serde_json::{Value, json};

use crate::connector::DialpadConnector;
use crate::resources::Api;
use crate::types::Collection;
use crate::types::webhooks::WebhookProto;

pub use events::{DialpadEvent, read_event};
pub use jwt::{JwtError, MAX_JWT_BYTES, sign_hs256, verify_hs256};

/// An event-subscription family at Dialpad (`/api/v2/subscriptions/{family}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriptionFamily {
    /// Every call state (calls and transcripts).
    Call,
    /// Company-wide contacts.
    SharedContact,
    /// Users' own contacts.
    LocalContact,
    /// The change log (users, offices).
    ChangeLog,
}

impl SubscriptionFamily {
    /// Every family, in a stable order.
    pub const ALL: [Self; 4] = [
        Self::Call,
        Self::SharedContact,
        Self::LocalContact,
        Self::ChangeLog,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::SharedContact => "contact_shared",
            Self::LocalContact => "contact_local",
            Self::ChangeLog => "changelog",
        }
    }

    /// The stored name read back.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    fn path(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::SharedContact | Self::LocalContact => "contact",
            Self::ChangeLog => "changelog",
        }
    }

    fn body(self, webhook_id: &str) -> Value {
        match self {
            Self::Call => {
                json!({"endpoint_id": webhook_id, "enabled": true, "call_states": ["all"]})
            }
            Self::SharedContact => {
                json!({"endpoint_id": webhook_id, "enabled": true, "contact_type": "shared"})
            }
            Self::LocalContact => {
                json!({"endpoint_id": webhook_id, "enabled": true, "contact_type": "local"})
            }
            Self::ChangeLog => json!({"endpoint_id": webhook_id, "enabled": true}),
        }
    }

    fn owns(self, subscription: &Value) -> bool {
        match self {
            Self::SharedContact => subscription["contact_type"] == "shared",
            Self::LocalContact => subscription["contact_type"] == "local",
            Self::Call | Self::ChangeLog => true,
        }
    }
}

/// A Dialpad webhook as the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookInfo {
    /// Dialpad's id.
    pub id: String,
    /// Where it delivers.
    pub hook_url: String,
}

/// A subscription as the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// Dialpad's id.
    pub id: String,
    /// Its family.
    pub family: SubscriptionFamily,
    /// The webhook it feeds, when it feeds one.
    pub webhook_id: Option<String>,
}

/// Most pages read from one list (a bound on a provider handing out cursors forever).
const MAX_PAGES: usize = 100;

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl DialpadConnector {
    fn events_api<'a>(&'a self, credential: &'a Credential) -> Api<'a> {
        Api::new(self.client(), credential)
    }

    async fn all_pages(
        &self,
        credential: &Credential,
        segments: &[&str],
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut request = self.events_api(credential).request(Method::GET, segments);
            if let Some(cursor) = &cursor {
                request = request
                    .query(&[("cursor", cursor.as_str())])
                    .map_err(|e| e.into_report(String::new))?;
            }
            let page: Collection<Value> = request
                .send()
                .await
                .and_then(|a| a.parse())
                .map_err(|e| e.into_report(|| "Dialpad does not serve webhooks here".into()))?;
            items.extend(page.items);
            match page.cursor.filter(|c| !c.is_empty()) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(items)
    }

    /// `GET /api/v2/webhooks`, every page.
    pub async fn list_webhooks(
        &self,
        credential: &Credential,
    ) -> Result<Vec<HookInfo>, ConnectorError> {
        let items = self.all_pages(credential, &["webhooks"]).await?;
        Ok(items
            .iter()
            .filter_map(|w| {
                Some(HookInfo {
                    id: id_text(&w["id"])?,
                    hook_url: w["hook_url"].as_str().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    /// `POST /api/v2/webhooks` with an HS256 `secret`; answers its id.
    pub async fn create_webhook(
        &self,
        credential: &Credential,
        hook_url: &str,
        secret: &str,
    ) -> Result<String, ConnectorError> {
        let hook: WebhookProto = self
            .events_api(credential)
            .request(Method::POST, &["webhooks"])
            .body(json!({"hook_url": hook_url, "secret": secret}))
            .send()
            .await
            .and_then(|a| a.parse())
            .map_err(|e| e.into_report(|| "Dialpad does not serve webhooks here".into()))?;
        hook.id
            .map(|id| id.0.to_string())
            .ok_or_else(|| ConnectorError::InvalidResponse {
                message: "Dialpad created a webhook without an id".into(),
                source: None,
            })
    }

    /// `DELETE /api/v2/webhooks/{id}` (its subscriptions go with it); one already gone
    /// counts as deleted.
    pub async fn delete_webhook(
        &self,
        credential: &Credential,
        id: &str,
    ) -> Result<(), ConnectorError> {
        delete(self.events_api(credential), &["webhooks", id]).await
    }

    /// Every subscription of `family` (contact families are told apart by contact type).
    pub async fn list_subscriptions(
        &self,
        credential: &Credential,
        family: SubscriptionFamily,
    ) -> Result<Vec<SubscriptionInfo>, ConnectorError> {
        let items = self
            .all_pages(credential, &["subscriptions", family.path()])
            .await?;
        Ok(items
            .iter()
            .filter(|s| family.owns(s))
            .filter_map(|s| {
                Some(SubscriptionInfo {
                    id: id_text(&s["id"])?,
                    family,
                    webhook_id: id_text(&s["webhook"]["id"]),
                })
            })
            .collect())
    }

    /// Creates a subscription of `family` feeding webhook `webhook_id`; answers its id.
    pub async fn create_subscription(
        &self,
        credential: &Credential,
        family: SubscriptionFamily,
        webhook_id: &str,
    ) -> Result<String, ConnectorError> {
        let created: Value = self
            .events_api(credential)
            .request(Method::POST, &["subscriptions", family.path()])
            .body(family.body(webhook_id))
            .send()
            .await
            .and_then(|a| a.value())
            .map_err(|e| e.into_report(|| "Dialpad does not serve subscriptions here".into()))?;
        id_text(&created["id"]).ok_or_else(|| ConnectorError::InvalidResponse {
            message: "Dialpad created a subscription without an id".into(),
            source: None,
        })
    }

    /// Deletes a subscription; one already gone counts as deleted.
    pub async fn delete_subscription(
        &self,
        credential: &Credential,
        family: SubscriptionFamily,
        id: &str,
    ) -> Result<(), ConnectorError> {
        delete(
            self.events_api(credential),
            &["subscriptions", family.path(), id],
        )
        .await
    }
}

async fn delete(api: Api<'_>, segments: &[&str]) -> Result<(), ConnectorError> {
    match api.request(Method::DELETE, segments).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(e.into_report(|| "not found".into())),
    }
}
