//! The connector boundary as the gateway uses it: a `dyn Connector`, its descriptor and
//! scopes, paging with `Cursor`, error-to-code mapping (provider text kept out of 5xx
//! bodies), and credentials that never show in `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use patchbay_core::*;
use serde_json::json;

/// Runs a future on this thread: parks between polls and is woken by the future's waker.
/// Fails the test instead of hanging if the future is still pending after a deadline.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "future still pending after 5s");
        thread::park_timeout(left);
    }
}

const LIST_CONTACTS: Operation = Operation::new(ModelId::GenericContact, OperationKind::List);
const RETRIEVE_CONTACT: Operation =
    Operation::new(ModelId::GenericContact, OperationKind::Retrieve);
const LIST_CALLS: Operation = Operation::new(ModelId::TelephonyCall, OperationKind::List);

static DESCRIPTOR: ConnectorDescriptor = ConnectorDescriptor {
    id: "fake",
    name: "Fake",
    settings: &[ConnectorSetting {
        key: "clientSecret",
        name: "Client secret",
        description: "OAuth client secret.",
        is_secret: true,
        is_required: true,
    }],
    operations: &[LIST_CONTACTS, RETRIEVE_CONTACT, LIST_CALLS],
    default_scopes: &["offline_access"],
    operation_scopes: &[
        OperationScopes {
            operation: LIST_CONTACTS,
            scopes: &["contacts:read"],
        },
        OperationScopes {
            operation: RETRIEVE_CONTACT,
            scopes: &["contacts:read"],
        },
        OperationScopes {
            operation: LIST_CALLS,
            scopes: &["calls:list", "recordings_export"],
        },
    ],
    models: &[ModelSupport::new(ModelId::GenericContact).filters(&["email"])],
};

/// The fake provider's contacts, served in pages of three: `None` then `"p2"`.
fn provider_page(
    cursor: Option<&str>,
) -> Result<(Vec<&'static str>, Option<String>), ConnectorError> {
    match cursor {
        None => Ok((vec!["c1", "c2", "c3"], Some("p2".into()))),
        Some("p2") => Ok((vec!["c4", "c5"], None)),
        Some(_) => Err(ConnectorError::InvalidCursor),
    }
}

/// A read-only connector with one contact, to check the trait is usable as `dyn`.
#[derive(Debug)]
struct Fake;

#[async_trait]
impl Connector for Fake {
    fn descriptor(&self) -> &ConnectorDescriptor {
        &DESCRIPTOR
    }

    async fn verify(&self, credential: &Credential) -> Result<AccountInfo, ConnectorError> {
        if credential.expose_secret() == "token-123" {
            Ok(AccountInfo {
                account_id: Some("acct-1".into()),
                ..AccountInfo::default()
            })
        } else {
            Err(ConnectorError::CredentialRejected {
                message: "unknown token".into(),
            })
        }
    }

    async fn list(
        &self,
        ctx: &ConnectionContext,
        model: ModelId,
        options: &ListOptions,
    ) -> Result<Page, ConnectorError> {
        if ctx.credential().expose_secret() != "token-123" {
            return Err(ConnectorError::CredentialRejected {
                message: "bad token".into(),
            });
        }
        if model != ModelId::GenericContact {
            return Ok(Page::default());
        }
        // Cut the provider's pages of three to the caller's limit.
        let position = options.position(model);
        let (ids, provider_next) = provider_page(position.provider_cursor())?;
        let (ids, next) = position.cut(ids, options.limit_or_default(), provider_next);
        let data = ids
            .into_iter()
            .map(|id| Resource::new(id, ContactFields::default()))
            .collect();
        Ok(Page::new(data, next.as_ref()))
    }

    async fn retrieve(
        &self,
        _ctx: &ConnectionContext,
        model: ModelId,
        id: &str,
        _options: &RetrieveOptions,
    ) -> Result<Resource, ConnectorError> {
        Err(ConnectorError::NotFound {
            model,
            id: id.into(),
        })
    }
}

fn ctx(token: &str) -> ConnectionContext {
    ConnectionContext::new("fake", "owner-1", Credential::bearer(token))
}

#[test]
fn connectors_are_usable_behind_dyn_and_default_writes_are_unsupported() {
    let connector: Arc<dyn Connector> = Arc::new(Fake);
    let page = block_on(connector.list(
        &ctx("token-123"),
        ModelId::GenericContact,
        &ListOptions::default(),
    ))
    .unwrap();
    assert_eq!(page.data[0].id, "c1");

    let err = block_on(connector.list(
        &ctx("expired"),
        ModelId::GenericContact,
        &ListOptions::default(),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ConnectionUnauthorized);

    let options = ListOptions::default();
    let err = Cursor::decode("bogus", options.fingerprint(ModelId::GenericContact)).unwrap_err();
    assert_eq!(err, CursorError::Malformed);
    let err = ConnectorError::from(err);
    assert_eq!(
        (err.code(), err.code().http_status()),
        (ErrorCode::InvalidCursor, 400)
    );

    let err = block_on(connector.retrieve(
        &ctx("token-123"),
        ModelId::GenericContact,
        "c9",
        &RetrieveOptions::default(),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ResourceNotFound);
    assert_eq!(err.to_string(), "genericContact `c9` was not found");

    let input = parse_create(
        SupportedFields::of_model(ModelId::GenericContact),
        &json!({"firstName": "A", "lastName": "B"}),
    )
    .unwrap();
    let err =
        block_on(connector.create(&ctx("token-123"), input, &ProviderValues::new())).unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unsupported { operation } if operation.to_string() == "genericContact::create")
    );
    assert_eq!(
        (err.code(), err.code().http_status()),
        (ErrorCode::OperationNotSupported, 501)
    );
    let err =
        block_on(connector.delete(&ctx("token-123"), ModelId::TelephonyCall, "x")).unwrap_err();
    assert_eq!(
        err.to_error_body().message,
        "`telephonyCall::delete` is not supported by this connector"
    );
}

#[test]
fn descriptor_answers_capabilities_and_scopes() {
    let connector = Fake;
    assert!(connector.descriptor().supports(LIST_CALLS));
    assert!(!connector.descriptor().supports(Operation::new(
        ModelId::TelephonyCall,
        OperationKind::Delete
    )));
    assert_eq!(
        connector.descriptor().scopes(LIST_CALLS),
        ["calls:list", "recordings_export"]
    );
    assert!(
        connector
            .descriptor()
            .scopes(Operation::new(ModelId::GenericUser, OperationKind::List))
            .is_empty()
    );
    assert_eq!(DESCRIPTOR.problems(), Vec::<String>::new());
    assert_eq!(
        DESCRIPTOR.scopes_for([LIST_CONTACTS, RETRIEVE_CONTACT, LIST_CALLS]),
        [
            "calls:list",
            "contacts:read",
            "offline_access",
            "recordings_export"
        ]
    );
    assert_eq!(DESCRIPTOR.scopes_for([]), ["offline_access"]);
    assert_eq!(
        serde_json::to_value(DESCRIPTOR.settings[0]).unwrap(),
        json!({"key": "clientSecret", "name": "Client secret", "description": "OAuth client secret.",
            "isSecret": true, "isRequired": true})
    );
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let context = ConnectionContext::new(
        "dialpad",
        "owner-1",
        Credential::bearer("sk_live_SUPERSECRET"),
    );
    for printed in [
        format!("{context:?}"),
        format!("{context:#?}"),
        format!("{:?}", context.credential()),
    ] {
        assert!(!printed.contains("SUPERSECRET"), "{printed}");
        assert!(printed.contains("***"), "{printed}");
    }
    assert!(format!("{context:?}").contains("owner-1"));
    let key = Credential::api_key("apikey-SUPERSECRET");
    assert!(!format!("{key:?}").contains("SUPERSECRET"));
    assert_eq!(key.kind(), CredentialKind::ApiKey);
    assert_eq!(key.expose_secret(), "apikey-SUPERSECRET");
    assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
}

#[test]
fn every_connector_error_maps_to_a_code() {
    let source: BoxError = "connection reset".into();
    let cases = [
        (
            ConnectorError::NotFound {
                model: ModelId::GenericUser,
                id: "u1".into(),
            },
            "RESOURCE_NOT_FOUND",
            404,
        ),
        (
            ConnectorError::CredentialRejected {
                message: "expired".into(),
            },
            "CONNECTION_UNAUTHORIZED",
            403,
        ),
        (
            ConnectorError::Forbidden {
                message: "scope".into(),
            },
            "FORBIDDEN",
            403,
        ),
        (
            ConnectorError::Conflict {
                message: "duplicate".into(),
            },
            "CONFLICT",
            409,
        ),
        (
            ConnectorError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            },
            "UPSTREAM_RATE_LIMITED",
            429,
        ),
        (ConnectorError::InvalidCursor, "INVALID_CURSOR", 400),
        (
            ConnectorError::BadRequest {
                message: "no".into(),
            },
            "BAD_REQUEST",
            400,
        ),
        (
            ConnectorError::unsupported(ModelId::TelephonyCall, OperationKind::Delete),
            "OPERATION_NOT_SUPPORTED",
            501,
        ),
        (ConnectorError::Timeout, "UPSTREAM_TIMEOUT", 504),
        (
            ConnectorError::Unavailable {
                message: "down".into(),
                source: Some(source),
            },
            "UPSTREAM_UNAVAILABLE",
            503,
        ),
        (
            ConnectorError::Upstream {
                status: 500,
                message: "boom".into(),
            },
            "UPSTREAM_ERROR",
            502,
        ),
        (
            ConnectorError::InvalidResponse {
                message: "bad json".into(),
                source: None,
            },
            "UPSTREAM_ERROR",
            502,
        ),
    ];
    for (err, code, status) in cases {
        assert_eq!(
            (err.code().as_str(), err.code().http_status()),
            (code, status),
            "{err}"
        );
    }
    let limited = ConnectorError::RateLimited {
        retry_after: Some(Duration::from_secs(3)),
    };
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));

    let unavailable = ConnectorError::Unavailable {
        message: "down".into(),
        source: Some("connection reset".into()),
    };
    let source = std::error::Error::source(&unavailable).unwrap();
    assert_eq!(source.to_string(), "connection reset");
    assert!(
        !unavailable
            .to_error_body()
            .message
            .contains("connection reset")
    );

    let WriteError::Invalid(invalid) =
        parse_create(SupportedFields::of_model(ModelId::GenericUser), &json!({})).unwrap_err()
    else {
        panic!("expected field errors")
    };
    let err = ConnectorError::from(invalid);
    let body = serde_json::to_value(err.to_error_body()).unwrap();
    assert_eq!(body["error"], "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["code"], "required");
}

#[test]
fn list_pages_are_cut_to_the_limit_and_walk_every_provider_page() {
    let connector: Arc<dyn Connector> = Arc::new(Fake);
    let model = ModelId::GenericContact;
    let mut options = ListOptions {
        limit: Some(Limit::new(2).unwrap()),
        ..ListOptions::default()
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = block_on(connector.list(&ctx("token-123"), model, &options)).unwrap();
        assert!(page.data.len() <= 2, "{page:?}");
        seen.extend(page.data.iter().map(|r| r.id.clone()));
        pages += 1;
        let Some(next) = page.next else { break };
        // What the gateway does with the `next` a caller sends back.
        options.cursor = Some(Cursor::decode(&next, options.fingerprint(model)).unwrap());
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, ["c1", "c2", "c3", "c4", "c5"]);
    // [c1 c2] [c3] (end of the first provider page) [c4 c5].
    assert_eq!(pages, 3);
}

#[test]
fn a_cursor_replayed_with_other_filters_is_an_invalid_cursor() {
    let connector: Arc<dyn Connector> = Arc::new(Fake);
    let model = ModelId::GenericContact;
    let options = ListOptions {
        limit: Some(Limit::new(2).unwrap()),
        ..ListOptions::default()
    };
    let page = block_on(connector.list(&ctx("token-123"), model, &options)).unwrap();
    let next = page.next.unwrap();

    let filtered = ListOptions {
        filters: Filters::parse(DESCRIPTOR.fields(model), [("email", "ada@example.com")]).unwrap(),
        ..options.clone()
    };
    let err = Cursor::decode(&next, filtered.fingerprint(model)).unwrap_err();
    assert_eq!(err, CursorError::OptionsChanged);
    let body = serde_json::to_value(ErrorBody::from(err)).unwrap();
    assert_eq!(body["error"], "INVALID_CURSOR");
    assert_eq!(err.code().http_status(), 400);

    // Another model is another list; another limit is the same list.
    assert!(Cursor::decode(&next, options.fingerprint(ModelId::GenericUser)).is_err());
    let bigger = ListOptions {
        limit: Some(Limit::new(50).unwrap()),
        ..options
    };
    assert!(Cursor::decode(&next, bigger.fingerprint(model)).is_ok());
}

#[test]
fn upstream_failures_answer_the_default_message_and_keep_the_detail_for_logs() {
    let leaky = r#"{"email": "ada@example.com", "ssn": "078-05-1120"}"#;
    let cases = [
        ConnectorError::Upstream {
            status: 500,
            message: leaky.into(),
        },
        ConnectorError::InvalidResponse {
            message: format!("expected `id` in {leaky}"),
            source: Some(leaky.into()),
        },
        ConnectorError::Unavailable {
            message: leaky.into(),
            source: None,
        },
        ConnectorError::Timeout,
    ];
    for err in cases {
        let code = err.code();
        let body = serde_json::to_value(err.to_error_body()).unwrap();
        assert_eq!(
            body,
            json!({"error": code.as_str(), "message": code.default_message()}),
            "{err}"
        );
        if !matches!(err, ConnectorError::Timeout) {
            // Display (and source) still carry it for the gateway's logs.
            let logged = format!("{err} {:?}", std::error::Error::source(&err));
            assert!(logged.contains("078-05-1120"), "{logged}");
        }
    }
    // 4xx messages are the caller's business and stay.
    let conflict = ConnectorError::Conflict {
        message: "email already used".into(),
    };
    assert_eq!(
        conflict.to_error_body().message,
        "the provider reported a conflict: email already used"
    );
}
