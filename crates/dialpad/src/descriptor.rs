//! What the Dialpad connector is and can do, as the gateway reads it: operations, OAuth
//! scopes (from the spec's security requirements), settings, and per model the fields it
//! writes and the filters it applies. Everything listed here is implemented.

use patchbay_core::ModelId::{
    GenericContact, GenericUser, GenericWorkspace, TelephonyCall, TelephonyCallTranscript,
};
use patchbay_core::OperationKind::{Create, Delete, List, Retrieve, Update};
use patchbay_core::{
    ConnectorDescriptor, ConnectorSetting, FieldSupport, ModelId, ModelSupport, Operation,
    OperationKind, OperationScopes,
};

const fn op(model: ModelId, kind: OperationKind) -> Operation {
    Operation::new(model, kind)
}

/// The Dialpad connector's descriptor.
pub static DESCRIPTOR: ConnectorDescriptor = ConnectorDescriptor {
    id: "dialpad",
    name: "Dialpad",
    settings: SETTINGS,
    operations: &[
        op(GenericContact, List),
        op(GenericContact, Retrieve),
        op(GenericContact, Create),
        op(GenericContact, Update),
        op(GenericContact, Delete),
        op(GenericUser, List),
        op(GenericUser, Retrieve),
        op(GenericUser, Create),
        op(GenericUser, Update),
        op(GenericUser, Delete),
        // Offices: Dialpad's create needs billing details the unified model does not carry,
        // and its update only changes opening hours, so workspaces are read-only.
        op(GenericWorkspace, List),
        op(GenericWorkspace, Retrieve),
        op(TelephonyCall, List),
        op(TelephonyCall, Retrieve),
        op(TelephonyCall, Create),
        op(TelephonyCall, Update),
        op(TelephonyCallTranscript, List),
        op(TelephonyCallTranscript, Retrieve),
    ],
    // Refresh tokens keep a connection alive without its user.
    default_scopes: &["offline_access"],
    operation_scopes: &[
        // `GET /api/v2/call` requires `calls:list`; Dialpad shares recording links only
        // with `recordings_export`, which `recordingUrl` needs.
        OperationScopes {
            operation: op(TelephonyCall, List),
            scopes: &["calls:list", "recordings_export"],
        },
        OperationScopes {
            operation: op(TelephonyCall, Retrieve),
            scopes: &["recordings_export"],
        },
        // A transcript window lists the calls in it.
        OperationScopes {
            operation: op(TelephonyCallTranscript, List),
            scopes: &["calls:list"],
        },
    ],
    models: &[
        ModelSupport::new(GenericContact)
            .fields(&[
                FieldSupport::create_update("firstName"),
                FieldSupport::create_update("lastName"),
                FieldSupport::create_update("email"),
                FieldSupport::create_update("emails"),
                FieldSupport::create_update("phone"),
                FieldSupport::create_update("phones"),
                FieldSupport::create_update("companyName"),
                FieldSupport::create_update("jobTitle"),
                FieldSupport::create_update("urls"),
                FieldSupport::create_update("extension"),
                FieldSupport::create("visibility"),
                FieldSupport::create("owner"),
            ])
            .filters(&["owner", "visibility"]),
        ModelSupport::new(GenericUser)
            .fields(&[
                FieldSupport::create("email"),
                FieldSupport::create_update("firstName"),
                FieldSupport::create_update("lastName"),
                // Dialpad needs the office a user joins; an update moves the user.
                FieldSupport::create_update("workspace").required(),
                FieldSupport::update("jobTitle"),
                FieldSupport::update("extension"),
                FieldSupport::update("isAdmin"),
            ])
            .filters(&["email", "status"]),
        ModelSupport::new(GenericWorkspace).filters(&["status"]),
        ModelSupport::new(TelephonyCall)
            .fields(&[
                FieldSupport::create("externalNumber"),
                // `POST /api/v2/call` rings one user's devices.
                FieldSupport::create("users").max_items(1),
                FieldSupport::create("internalNumber"),
                // `completed` hangs up; labels are replaced as a whole.
                FieldSupport::update("status"),
                FieldSupport::update("labels"),
            ])
            .filters(&["startedAfter", "startedBefore", "user", "workspace"]),
        ModelSupport::new(TelephonyCallTranscript).filters(&[
            "call",
            "startedAfter",
            "startedBefore",
        ]),
    ],
};

const SETTINGS: &[ConnectorSetting] = &[
    ConnectorSetting {
        key: "clientId",
        name: "Client ID",
        description: "The client id of your Dialpad OAuth app.",
        is_secret: false,
        is_required: true,
    },
    ConnectorSetting {
        key: "clientSecret",
        name: "Client secret",
        description: "The client secret of your Dialpad OAuth app.",
        is_secret: true,
        is_required: true,
    },
    ConnectorSetting {
        key: "baseUrl",
        name: "Base URL",
        description: "Where Dialpad is: `https://dialpad.com` (the default), \
                      `https://sandbox.dialpad.com`, or a local sandbox.",
        is_secret: false,
        is_required: false,
    },
];

#[cfg(test)]
mod tests {
    use patchbay_core::{SupportedFields, WriteMode};

    use super::*;

    #[test]
    fn the_descriptor_is_sound() {
        assert_eq!(DESCRIPTOR.problems(), Vec::<String>::new());
    }

    #[test]
    fn writes_and_filters_match_what_dialpad_offers() {
        let user = DESCRIPTOR.fields(GenericUser);
        let workspace = user.spec("workspace").map(|s| user.is_required(s));
        assert_eq!(workspace, Some(true));
        assert!(
            !DESCRIPTOR
                .fields(GenericWorkspace)
                .accepts(WriteMode::Create)
        );
        assert!(!DESCRIPTOR.supports(op(GenericWorkspace, Delete)));
        assert!(!DESCRIPTOR.supports(op(TelephonyCall, Delete)));
        assert!(
            !DESCRIPTOR
                .fields(TelephonyCallTranscript)
                .accepts(WriteMode::Update)
        );
        assert_eq!(
            DESCRIPTOR.fields(TelephonyCall).filter_keys(),
            ["startedAfter", "startedBefore", "user", "workspace"]
        );
        assert_eq!(
            DESCRIPTOR.fields(GenericContact).filter_keys(),
            ["visibility", "owner"]
        );
        // Nothing this connector cannot do is offered through the model's own rules.
        for model in ModelId::ALL {
            assert!(
                SupportedFields::of_connector(&DESCRIPTOR, *model)
                    .sort_keys()
                    .is_empty()
            );
        }
    }

    #[test]
    fn scopes_come_from_the_spec() {
        assert_eq!(
            DESCRIPTOR.scopes_for([op(TelephonyCall, List), op(GenericContact, List)]),
            ["calls:list", "offline_access", "recordings_export"]
        );
        assert_eq!(DESCRIPTOR.scopes(op(GenericUser, Create)), &[] as &[&str]);
    }
}
