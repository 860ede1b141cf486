//! `DialpadConnector`: the `Connector` the gateway holds for Dialpad. It owns one HTTP
//! client and dispatches each unified operation to its model's module in `resources`;
//! operations the descriptor does not list answer `Unsupported`.

use async_trait::async_trait;
use patchbay_core::{
    AccountInfo, ConnectionContext, Connector, ConnectorDescriptor, ConnectorError, CreateInput,
    Credential, ListOptions, ModelId, OAuthClient, OperationKind, Page, ProviderValues, Resource,
    RetrieveOptions, UpdateInput,
};

use crate::account::{self, DialpadAccount};
use crate::client::Client;
use crate::config::DialpadConfig;
use crate::descriptor::DESCRIPTOR;
use crate::error::DialpadError;
use crate::oauth::{DialpadOAuth, OAuthApp};
use crate::resources::{Api, calls, contacts, transcripts, users, workspaces};

/// The Dialpad connector. Cheap to clone (the HTTP client is shared); holds no credential:
/// each call brings its own.
#[derive(Clone)]
pub struct DialpadConnector {
    client: Client,
    oauth: Option<DialpadOAuth>,
}

impl std::fmt::Debug for DialpadConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialpadConnector")
            .field("client", &self.client)
            .field("oauth", &self.oauth)
            .finish()
    }
}

impl DialpadConnector {
    /// A connector for the Dialpad at `config.base_url`, with one long-lived HTTP client.
    pub fn new(config: DialpadConfig) -> Result<Self, DialpadError> {
        Ok(Self {
            client: Client::new(config)?,
            oauth: None,
        })
    }

    /// The same connector, reporting every call to Dialpad to `observer` (metrics).
    #[must_use]
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn crate::observe::Observer>) -> Self {
        self.client.set_observer(observer);
        self
    }

    /// The same connector, able to onboard connections through `app` (OAuth onboarding and
    /// token refresh).
    #[must_use]
    pub fn with_oauth(mut self, app: OAuthApp) -> Self {
        self.oauth = Some(DialpadOAuth::new(&self.client, app));
        self
    }

    /// Checks that `credential` (an OAuth token or an API key) works, and says which
    /// Dialpad company (and user, when known) it opens.
    pub async fn verify(&self, credential: &Credential) -> Result<DialpadAccount, ConnectorError> {
        account::verify(&self.client, credential).await
    }

    /// Revokes an OAuth token at Dialpad (`POST /oauth2/deauthorize`); API keys are left
    /// alone. A token Dialpad no longer accepts counts as revoked.
    pub async fn revoke(&self, credential: &Credential) -> Result<(), ConnectorError> {
        account::revoke(&self.client, credential).await
    }

    /// The HTTP client (for the `reports` calls).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    fn api<'a>(&'a self, ctx: &'a ConnectionContext) -> Api<'a> {
        Api::new(&self.client, ctx.credential())
    }
}

#[async_trait]
impl Connector for DialpadConnector {
    fn descriptor(&self) -> &ConnectorDescriptor {
        &DESCRIPTOR
    }

    async fn verify(&self, credential: &Credential) -> Result<AccountInfo, ConnectorError> {
        DialpadConnector::verify(self, credential).await
    }

    async fn revoke(&self, credential: &Credential) -> Result<(), ConnectorError> {
        DialpadConnector::revoke(self, credential).await
    }

    fn oauth(&self) -> Option<&dyn OAuthClient> {
        self.oauth.as_ref().map(|o| o as &dyn OAuthClient)
    }

    async fn list(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        options: &ListOptions,
    ) -> Result<Page, ConnectorError> {
        let api = self.api(ctx);
        match model {
            ModelId::GenericContact => contacts::list(api, options).await,
            ModelId::GenericUser => users::list(api, options).await,
            ModelId::GenericWorkspace => workspaces::list(api, options).await,
            ModelId::TelephonyCall => calls::list(api, options).await,
            ModelId::TelephonyCallTranscript => transcripts::list(api, options).await,
        }
    }

    async fn retrieve(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        id: &str,
        options: &RetrieveOptions,
    ) -> Result<Resource, ConnectorError> {
        let (api, raw) = (self.api(ctx), options.include_raw);
        match model {
            ModelId::GenericContact => contacts::retrieve(api, id, raw).await,
            ModelId::GenericUser => users::retrieve(api, id, raw).await,
            ModelId::GenericWorkspace => workspaces::retrieve(api, id, raw).await,
            ModelId::TelephonyCall => calls::retrieve(api, id, options).await,
            ModelId::TelephonyCallTranscript => transcripts::retrieve(api, id, raw).await,
        }
    }

    async fn create(
        &self,
        ctx: &ConnectionContext,
        input: CreateInput,
        extra: &ProviderValues,
    ) -> Result<Resource, ConnectorError> {
        let api = self.api(ctx);
        match &input {
            CreateInput::Contact(contact) => contacts::create(api, contact, extra).await,
            CreateInput::User(user) => users::create(api, user, extra).await,
            CreateInput::Call(call) => calls::create(api, call, extra).await,
            CreateInput::Workspace(_) => Err(ConnectorError::unsupported(
                input.model(),
                OperationKind::Create,
            )),
        }
    }

    async fn update(
        &self,
        ctx: &ConnectionContext,
        id: &str,
        input: UpdateInput,
        extra: &ProviderValues,
    ) -> Result<Resource, ConnectorError> {
        let api = self.api(ctx);
        match &input {
            UpdateInput::Contact(contact) => contacts::update(api, id, contact, extra).await,
            UpdateInput::User(user) => users::update(api, id, user, extra).await,
            UpdateInput::Call(call) => calls::update(api, id, call, extra).await,
            UpdateInput::Workspace(_) => Err(ConnectorError::unsupported(
                input.model(),
                OperationKind::Update,
            )),
        }
    }

    async fn delete(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        id: &str,
    ) -> Result<(), ConnectorError> {
        let api = self.api(ctx);
        match model {
            ModelId::GenericContact => contacts::delete(api, id).await,
            ModelId::GenericUser => users::delete(api, id).await,
            ModelId::GenericWorkspace
            | ModelId::TelephonyCall
            | ModelId::TelephonyCallTranscript => {
                Err(ConnectorError::unsupported(model, OperationKind::Delete))
            }
        }
    }
}
