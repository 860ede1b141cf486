//! The connector boundary as the gateway uses it: a `dyn Connector`, its descriptor and
//! scopes, error-to-code mapping, and credentials that never show in `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_trait::async_trait;
use patchbay_core::*;
use serde_json::json;

/// Polls a future that completes without waiting on I/O (the fake below never waits).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
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
};

/// A read-only connector with one contact, to check the trait is usable as `dyn`.
#[derive(Debug)]
struct Fake;

#[async_trait]
impl Connector for Fake {
    fn descriptor(&self) -> &ConnectorDescriptor {
        &DESCRIPTOR
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
        if options.cursor.is_some() {
            return Err(ConnectorError::InvalidCursor);
        }
        let data = match model {
            ModelId::GenericContact => vec![Resource::new("c1", ContactFields::default())],
            _ => vec![],
        };
        Ok(Page { data, next: None })
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

    let options = ListOptions {
        cursor: Some("bogus".into()),
        ..ListOptions::default()
    };
    let err =
        block_on(connector.list(&ctx("token-123"), ModelId::GenericContact, &options)).unwrap_err();
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
        ModelId::GenericContact,
        &json!({"firstName": "A", "lastName": "B"}),
    )
    .unwrap();
    let err = block_on(connector.create(&ctx("token-123"), input)).unwrap_err();
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
        connector.scopes(LIST_CALLS),
        ["calls:list", "recordings_export"]
    );
    assert!(
        connector
            .scopes(Operation::new(ModelId::GenericUser, OperationKind::List))
            .is_empty()
    );
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

    let invalid = parse_create(ModelId::GenericUser, &json!({})).unwrap_err();
    let err = ConnectorError::from(invalid);
    let body = serde_json::to_value(err.to_error_body()).unwrap();
    assert_eq!(body["error"], "VALIDATION_FAILED");
    assert_eq!(body["details"][0]["code"], "required");
}
