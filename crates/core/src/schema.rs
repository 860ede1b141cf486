//! The published OpenAPI shape of `Resource`: one envelope schema per model
//! (`ContactResource`: `model` is the single value `genericContact`, `fields` is
//! `ContactFields`), and `Resource` itself as a `oneOf` of them discriminated by `model`, so
//! a client generator can tell which fields schema applies. Schemas only: the JSON is
//! written and read by `Resource`'s own serde impls.

// The structs below exist for their derived schemas and are never built.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa::openapi::schema::{Discriminator, OneOfBuilder};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::models::{CallFields, ContactFields, TranscriptFields, UserFields, WorkspaceFields};
use crate::resource::{ResourceTag, ResourceWarning};

macro_rules! model_resources {
    ($($schema:ident, $tag:ident: $model:tt => $fields:ident, $doc:tt, $tag_doc:tt;)+) => {
        $(
            #[doc = $tag_doc]
            #[derive(ToSchema)]
            enum $tag {
                #[serde(rename = $model)]
                Model,
            }

            #[doc = $doc]
            #[derive(ToSchema)]
            #[serde(rename_all = "camelCase")]
            struct $schema {
                #[schema(inline)]
                object: ResourceTag,
                #[schema(inline)]
                model: $tag,
                /// The provider's id.
                id: String,
                /// The unified fields.
                fields: $fields,
                /// ISO 8601 UTC; `null` when the provider does not know.
                #[schema(required = true)]
                created_at: Option<DateTime<Utc>>,
                /// ISO 8601 UTC; `null` when the provider does not know.
                #[schema(required = true)]
                updated_at: Option<DateTime<Utc>>,
                /// The provider's own payload; present only when asked for.
                #[schema(value_type = Option<Object>, nullable = false)]
                raw_resource: Option<Value>,
                /// Fields the connector could not map faithfully.
                warnings: Vec<ResourceWarning>,
            }
        )+

        /// `Resource`: any model's envelope, chosen by `model`.
        pub(crate) fn any_resource() -> RefOr<Schema> {
            let mut one_of = OneOfBuilder::new().description(Some(
                "A resource of any model: the envelope whose `model` matches. \
                 `createdAt`/`updatedAt` are `null` when the provider does not know them; \
                 `rawResource` is present only when asked for.",
            ));
            $(
                one_of = one_of.item(Ref::from_schema_name(stringify!($schema)));
            )+
            let mapping = [$(($model, concat!("#/components/schemas/", stringify!($schema)))),+];
            one_of
                .discriminator(Some(Discriminator::with_mapping("model", mapping)))
                .into()
        }

        /// Registers every model's envelope and what it refers to.
        pub(crate) fn model_resources(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            $(
                schemas.push((<$schema as ToSchema>::name().into_owned(), <$schema as PartialSchema>::schema()));
                <$schema as ToSchema>::schemas(schemas);
            )+
        }
    };
}

// utoipa reads `doc` and `rename` only from literal tokens, hence the spelled-out strings.
model_resources! {
    ContactResource, ContactModel: "genericContact" => ContactFields,
        "A `genericContact` resource.", "Always `genericContact`.";
    UserResource, UserModel: "genericUser" => UserFields,
        "A `genericUser` resource.", "Always `genericUser`.";
    WorkspaceResource, WorkspaceModel: "genericWorkspace" => WorkspaceFields,
        "A `genericWorkspace` resource.", "Always `genericWorkspace`.";
    CallResource, CallModel: "telephonyCall" => CallFields,
        "A `telephonyCall` resource.", "Always `telephonyCall`.";
    TranscriptResource, TranscriptModel: "telephonyCallTranscript" => TranscriptFields,
        "A `telephonyCallTranscript` resource.", "Always `telephonyCallTranscript`.";
}
