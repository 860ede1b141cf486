//! Field support per connector: what `GET /v1/models/{model}/fields` shows for a connector,
//! and writes, filters, `sort` and `q` it cannot apply refused by name before it is called.
//! The descriptor mirrors Dialpad's limits (user create takes email, names and an office;
//! offices cannot be written; contacts cannot be filtered; a call rings one user).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchbay_core::*;
use serde_json::{Value, json};

const fn op(model: ModelId, kind: OperationKind) -> Operation {
    Operation::new(model, kind)
}

use ModelId::{GenericContact, GenericUser, GenericWorkspace, TelephonyCall};
use OperationKind::{Create, List, Retrieve, Update};

static DIALPAD_LIKE: ConnectorDescriptor = ConnectorDescriptor {
    id: "dialpad",
    name: "Dialpad",
    settings: &[],
    operations: &[
        op(GenericContact, List),
        op(GenericContact, Create),
        op(GenericContact, Update),
        op(GenericUser, List),
        op(GenericUser, Create),
        op(GenericUser, Update),
        op(GenericWorkspace, List),
        op(GenericWorkspace, Retrieve),
        op(TelephonyCall, List),
        op(TelephonyCall, Create),
    ],
    default_scopes: &[],
    operation_scopes: &[],
    models: &[
        ModelSupport::new(GenericContact).fields(&[
            FieldSupport::create_update("firstName"),
            FieldSupport::create_update("lastName"),
            FieldSupport::create_update("email"),
            FieldSupport::create_update("emails"),
            FieldSupport::create_update("phone"),
            FieldSupport::create_update("phones"),
            FieldSupport::create("visibility"),
            FieldSupport::create("owner"),
        ]),
        ModelSupport::new(GenericUser)
            .fields(&[
                FieldSupport::create("email"),
                FieldSupport::create_update("firstName"),
                FieldSupport::create_update("lastName"),
                FieldSupport::create("workspace").required(),
                FieldSupport::update("jobTitle"),
            ])
            .filters(&["email", "status"]),
        ModelSupport::new(TelephonyCall)
            .fields(&[
                FieldSupport::create("externalNumber"),
                FieldSupport::create("users").max_items(1),
                FieldSupport::create("internalNumber"),
            ])
            .filters(&["startedAfter", "startedBefore"])
            .sort(&["startedAt"]),
    ],
};

fn field(model: ModelId, key: &str) -> Value {
    field_of(&DIALPAD_LIKE, model, key)
}

fn answer(error: impl Into<ErrorBody>) -> Value {
    serde_json::to_value(error.into()).unwrap()
}

#[test]
fn the_descriptor_is_sound() {
    assert_eq!(DIALPAD_LIKE.problems(), Vec::<String>::new());
}

#[test]
fn unified_fields_show_what_the_connector_can_write_and_filter() {
    let timezone = field(GenericUser, "timezone");
    assert_eq!(
        (
            &timezone["isValueReadOnly"],
            &timezone["writableOn"],
            &timezone["isRequired"]
        ),
        (&json!(true), &json!([]), &json!(false))
    );
    // The model itself lets both writes set it.
    let own = SupportedFields::of_model(GenericUser).unified();
    let own_timezone = own.iter().find(|f| f.key == "timezone").unwrap();
    assert_eq!(
        own_timezone.writable_on,
        [OperationKind::Create, OperationKind::Update]
    );

    let workspace = field(GenericUser, "workspace");
    assert_eq!(workspace["isRequired"], true);
    assert_eq!(workspace["writableOn"], json!(["create"]));
    assert_eq!(
        field(GenericUser, "jobTitle")["writableOn"],
        json!(["update"])
    );
    assert_eq!(field(GenericUser, "email")["filterKeys"], json!(["email"]));

    // Contacts: writable, but no filter through this connector.
    let email = field(GenericContact, "email");
    assert_eq!(email["filterKeys"], json!([]));
    assert_eq!(email["writableOn"], json!(["create", "update"]));
    assert_eq!(email["isSortable"], false);

    // Offices cannot be written at all: nothing required, everything read-only.
    let name = field(GenericWorkspace, "name");
    assert_eq!(
        (&name["isRequired"], &name["isValueReadOnly"]),
        (&json!(false), &json!(true))
    );

    let users = field(TelephonyCall, "users");
    assert_eq!(users["maxItems"], 1);
    assert_eq!(users["isRequired"], true);
    assert_eq!(field(TelephonyCall, "startedAt")["isSortable"], true);
    assert_eq!(field(TelephonyCall, "duration")["isSortable"], false);
    assert!(field(TelephonyCall, "status").get("maxItems").is_none());
}

#[test]
fn writes_naming_fields_the_connector_cannot_write_fail_with_not_supported() {
    let user = DIALPAD_LIKE.fields(GenericUser);
    let err = parse_create(
        user,
        &json!({"email": "grace@example.com", "timezone": "Europe/Paris", "status": "active"}),
    )
    .unwrap_err();
    let body = answer(err);
    assert_eq!(body["error"], "VALIDATION_FAILED");
    assert_eq!(
        body["details"],
        json!([
            {"field": "status", "code": "read_only", "message": "`status` is read-only"},
            {"field": "timezone", "code": "not_supported",
                "message": "`timezone` cannot be set when creating a genericUser through the dialpad connector; it can write: firstName, lastName, email, workspace"},
            {"field": "workspace", "code": "required", "message": "`workspace` is required"}
        ])
    );

    let err =
        parse_update(user, &json!({"timezone": "Europe/Paris", "isAdmin": true})).unwrap_err();
    let details = &answer(err)["details"];
    assert_eq!(details[0]["field"], "isAdmin");
    assert_eq!(details[0]["code"], "not_supported");
    assert_eq!(
        details[1]["message"],
        "`timezone` cannot be changed by an update of a genericUser through the dialpad connector; it can write: firstName, lastName, jobTitle"
    );

    let Ok(CreateInput::User(created)) = parse_create(
        user,
        &json!({"email": "grace@example.com", "firstName": "Grace", "workspace": "office-1"}),
    ) else {
        panic!("a body within the connector's support parses")
    };
    assert_eq!(created.workspace.as_deref(), Some("office-1"));
    assert_eq!(created.timezone, None);
}

#[test]
fn writes_the_connector_does_not_implement_are_unsupported_operations() {
    let err = parse_create(
        DIALPAD_LIKE.fields(GenericWorkspace),
        &json!({"name": "HQ"}),
    )
    .unwrap_err();
    assert_eq!(err.code().http_status(), 501);
    assert_eq!(
        answer(err),
        json!({"error": "OPERATION_NOT_SUPPORTED",
            "message": "`genericWorkspace::create` is not supported by the dialpad connector"})
    );
    // Transcripts have nothing a write could set, whoever the connector.
    let err = parse_update(
        DIALPAD_LIKE.fields(ModelId::TelephonyCallTranscript),
        &json!({}),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        WriteError::Unsupported {
            connector: None,
            ..
        }
    ));
    // Calls can be updated, but not through this connector.
    let err = parse_update(DIALPAD_LIKE.fields(TelephonyCall), &json!({})).unwrap_err();
    assert!(matches!(
        err,
        WriteError::Unsupported {
            connector: Some("dialpad"),
            ..
        }
    ));
}

#[test]
fn a_call_is_placed_for_exactly_one_user() {
    let call = DIALPAD_LIKE.fields(TelephonyCall);
    let body = |users: Value| json!({"externalNumber": "+14155550100", "users": users});
    let err = parse_create(call, &body(json!(["u1", "u2"]))).unwrap_err();
    assert_eq!(
        answer(err)["details"],
        json!([{"field": "users", "code": "too_long",
            "message": "`users` takes at most 1 item with the dialpad connector"}])
    );
    let err = parse_create(call, &body(json!([]))).unwrap_err();
    assert_eq!(answer(err)["details"][0]["code"], "required");
    let Ok(CreateInput::Call(placed)) = parse_create(call, &body(json!([{"id": "u1"}]))) else {
        panic!()
    };
    assert_eq!(placed.users, ["u1"]);
    // The model itself takes several.
    assert!(
        parse_create(
            SupportedFields::of_model(TelephonyCall),
            &body(json!(["u1", "u2"]))
        )
        .is_ok()
    );
}

#[test]
fn filters_the_connector_cannot_apply_are_refused_by_name() {
    let errors = Filters::parse(
        DIALPAD_LIKE.fields(GenericContact),
        [("email", "ada@example.com")],
    )
    .unwrap_err();
    assert_eq!(
        answer(errors)["details"],
        json!([{"field": "filters.email", "code": "not_supported",
            "message": "`email` is a filter of genericContact that the dialpad connector cannot apply; filters: none"}])
    );
    let errors = Filters::parse(DIALPAD_LIKE.fields(GenericUser), [("name", "x")]).unwrap_err();
    assert_eq!(errors.as_slice()[0].code, ValidationCode::UnknownField);
    assert!(
        errors.as_slice()[0]
            .message
            .ends_with("filters: email, status")
    );
    let ok = Filters::parse(DIALPAD_LIKE.fields(GenericUser), [("status", "active")]).unwrap();
    assert_eq!(ok.status, Some(UserStatus::Active));
    assert_eq!(
        DIALPAD_LIKE.fields(GenericContact).filter_keys(),
        Vec::<&str>::new()
    );
}

#[test]
fn sort_is_typed_and_refused_by_name_when_the_connector_cannot_apply_it() {
    let call = DIALPAD_LIKE.fields(TelephonyCall);
    for (input, direction) in [
        ("startedAt", SortDirection::Ascending),
        ("-startedAt", SortDirection::Descending),
        ("startedAt:desc", SortDirection::Descending),
        (" startedAt:asc ", SortDirection::Ascending),
    ] {
        assert_eq!(
            Sort::parse(call, input).unwrap(),
            Sort {
                key: "startedAt",
                direction
            },
            "{input}"
        );
    }
    // Sortable in the model, but not by this connector: 400 naming the option.
    let err = Sort::parse(call, "duration").unwrap_err();
    assert_eq!(err.code().http_status(), 400);
    assert_eq!(
        answer(err),
        json!({"error": "BAD_REQUEST",
            "message": "`sort` by `duration` is not supported by the dialpad connector for telephonyCall; it sorts by: startedAt"})
    );
    let err = Sort::parse(DIALPAD_LIKE.fields(GenericContact), "lastName").unwrap_err();
    assert!(matches!(
        err,
        OptionError::Unsupported { option: "sort", .. }
    ));
    assert!(err.to_string().ends_with("it sorts by: none"));

    // Malformed or meaningless for the model: 422 on `sort`.
    let cases = [
        ("nope", "unknown_field"),
        ("status", "invalid_value"),
        ("startedAt:up", "invalid_value"),
        ("startedAt,duration", "invalid_value"),
        ("", "invalid_value"),
    ];
    for (input, code) in cases {
        let body = answer(Sort::parse(call, input).unwrap_err());
        assert_eq!(body["error"], "VALIDATION_FAILED", "{input}");
        assert_eq!(body["details"][0]["field"], "sort", "{input}");
        assert_eq!(body["details"][0]["code"], code, "{input}");
    }
}

#[test]
fn q_is_free_text_and_refused_by_name_when_the_connector_cannot_search() {
    let err = SearchQuery::parse(DIALPAD_LIKE.fields(GenericContact), "ada").unwrap_err();
    assert_eq!(
        answer(err),
        json!({"error": "BAD_REQUEST",
            "message": "`q` (free-text search) is not supported by the dialpad connector for genericContact"})
    );
    // Blank is no search, whoever the connector.
    assert_eq!(
        SearchQuery::parse(DIALPAD_LIKE.fields(GenericContact), "  ").unwrap(),
        None
    );
    let own = SupportedFields::of_model(GenericContact);
    assert_eq!(
        SearchQuery::parse(own, " ada ").unwrap().unwrap().as_str(),
        "ada"
    );
    let body = answer(SearchQuery::parse(own, &"a".repeat(201)).unwrap_err());
    assert_eq!(body["details"][0]["code"], "too_long");
    let body = answer(SearchQuery::parse(own, "a\u{0}b").unwrap_err());
    assert_eq!(body["details"][0]["field"], "q");
}

#[test]
fn descriptor_problems_catch_typos_and_impossible_declarations() {
    static BROKEN: ConnectorDescriptor = ConnectorDescriptor {
        id: "broken",
        name: "Broken",
        settings: &[],
        operations: &[
            op(GenericContact, Create),
            op(GenericContact, Update),
            op(GenericUser, Create),
        ],
        default_scopes: &[],
        operation_scopes: &[OperationScopes {
            operation: op(TelephonyCall, List),
            scopes: &["calls:list"],
        }],
        models: &[
            ModelSupport::new(GenericContact)
                .fields(&[
                    FieldSupport::create("lastName"),
                    FieldSupport::create("timeZone"),
                    FieldSupport::create("email").max_items(2),
                ])
                .filters(&["status"])
                .sort(&["email"]),
            ModelSupport::new(GenericUser).fields(&[
                FieldSupport::create_update("email"),
                FieldSupport::create("status"),
                FieldSupport::create("email"),
            ]),
            ModelSupport::new(GenericUser),
        ],
    };
    let problems = BROKEN.problems();
    for expected in [
        "genericContact.timeZone is not a field of the model",
        "genericContact.email: max_items must be at least 1 and only on list fields",
        "genericContact.firstName is required by the model but not writable on create",
        "genericContact has no filter `status`",
        "genericContact.email is not sortable in the model",
        "genericUser.email is declared writable on update but the model forbids it",
        "genericUser.status is declared writable on create but the model forbids it",
        "genericUser.email is declared twice",
        "genericUser is declared twice",
        "genericContact::update is declared but no field can be written by it",
        "scopes are declared for telephonyCall::list which is not an operation",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "missing {expected:?} in {problems:#?}"
        );
    }
}

#[test]
fn an_update_cannot_clear_what_the_model_requires_even_without_create() {
    static UPDATE_ONLY: ConnectorDescriptor = ConnectorDescriptor {
        id: "update-only",
        name: "Update only",
        settings: &[],
        operations: &[op(GenericContact, Update)],
        default_scopes: &[],
        operation_scopes: &[],
        models: &[ModelSupport::new(GenericContact).fields(&[
            FieldSupport::update("firstName"),
            FieldSupport::update("companyName"),
        ])],
    };
    assert_eq!(UPDATE_ONLY.problems(), Vec::<String>::new());
    let contact = UPDATE_ONLY.fields(GenericContact);
    let err = parse_update(contact, &json!({"firstName": null})).unwrap_err();
    assert_eq!(
        answer(err)["details"],
        json!([{"field": "firstName", "code": "required",
            "message": "`firstName` is required and cannot be cleared"}])
    );
    assert!(parse_update(contact, &json!({"companyName": null})).is_ok());
    // Nothing is required where nothing can be created.
    assert_eq!(
        field_of(&UPDATE_ONLY, GenericContact, "firstName")["isRequired"],
        false
    );
}

fn field_of(connector: &ConnectorDescriptor, model: ModelId, key: &str) -> Value {
    let fields = unified_fields(model, connector);
    serde_json::to_value(fields.iter().find(|f| f.key == key).unwrap()).unwrap()
}
