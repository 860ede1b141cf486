//! Field descriptors: one table per model (kept next to each model's type) defining the
//! model: which fields exist, their type, whether the model lets a create or update write
//! them, which it requires, which filters and sorts they answer to. A connector narrows that
//! (see `support`); `GET /v1/models/{model}/fields` serves the result as `UnifiedField`s.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::macros::{impl_parse_enum, string_enum};
use crate::model_id::ModelId;
use crate::models;
use crate::operation::OperationKind;
use crate::validate::WriteMode;

string_enum! {
    /// The type of a field's value, as published in `UnifiedField.type`.
    ///
    /// Morph's client knows the first six; the `list.text`, `reference`,
    /// `list.reference` and `list.object` types are Patchbay additions for values Morph's
    /// set cannot describe honestly (lists of emails, links to other resources, transcript
    /// segments).
    pub enum FieldType {
        /// A string.
        Text = "text",
        /// A JSON number.
        Number = "number",
        /// An ISO 8601 UTC timestamp string.
        Datetime = "datetime",
        /// `true` or `false`.
        Boolean = "boolean",
        /// One of `options`.
        Select = "select",
        /// A list of `options`.
        ListSelect = "list.select",
        /// A list of strings.
        ListText = "list.text",
        /// A `ResourceRef` (or the `Resource` when expanded) of `referenceModel`.
        Reference = "reference",
        /// A list of `ResourceRef`s (or `Resource`s when expanded) of `referenceModel`.
        ListReference = "list.reference",
        /// A list of structured objects (see the model's schema).
        ListObject = "list.object",
    }
}

string_enum! {
    /// A refinement of a text field's format.
    pub enum FieldFormat {
        /// An email address.
        Email = "email",
        /// An E.164 phone number (`+14155550100`).
        Phone = "phone",
        /// A number that may not be E.164 (withheld caller, short code, extension).
        PhoneLike = "phoneLike",
        /// An absolute `http(s)` URL.
        Url = "url",
        /// An IANA time zone name (`Europe/Paris`).
        Timezone = "timezone",
        /// A BCP 47 language tag (`en`, `fr-CA`).
        Language = "language",
        /// An ISO 3166-1 alpha-2 country code (`FR`).
        Country = "country",
        /// A whole number of seconds.
        Seconds = "seconds",
    }
}

impl_parse_enum!(FieldType, FieldFormat);

/// Who may write a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Set by the provider only.
    ReadOnly,
    /// Writable when creating, fixed afterwards.
    CreateOnly,
    /// Changeable by an update only (acting on what exists, e.g. ending a call).
    UpdateOnly,
    /// Writable on create and update.
    ReadWrite,
}

impl Access {
    /// Whether a write in `mode` may set the field.
    pub const fn writable(self, mode: WriteMode) -> bool {
        matches!(
            (self, mode),
            (Access::ReadWrite, _)
                | (Access::CreateOnly, WriteMode::Create)
                | (Access::UpdateOnly, WriteMode::Update)
        )
    }
}

/// The static description of one field of a unified model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The camelCase key inside `fields`.
    pub key: &'static str,
    /// A short human name.
    pub name: &'static str,
    /// One or two sentences for API users.
    pub description: &'static str,
    /// The value's type.
    pub field_type: FieldType,
    /// An optional format refinement.
    pub format: Option<FieldFormat>,
    /// Who may write it.
    pub access: Access,
    /// Whether a create must set it (lists: to a non-empty list).
    pub required_on_create: bool,
    /// Allowed values of a `select`/`list.select` field.
    pub options: &'static [&'static str],
    /// The model a `reference`/`list.reference` field points at.
    pub reference: Option<ModelId>,
    /// Keys of the `filters` list option that this field answers to.
    pub filter_keys: &'static [&'static str],
    /// Whether the `sort` list option may name it.
    pub sortable: bool,
    /// Whether every serialised resource carries it (a required key of the fields object),
    /// so a `fields=` projection must keep it.
    pub always_present: bool,
}

impl FieldSpec {
    /// A read-only, optional field with no format, options, reference or filter.
    pub(crate) const fn new(
        key: &'static str,
        name: &'static str,
        field_type: FieldType,
        description: &'static str,
    ) -> Self {
        Self {
            key,
            name,
            description,
            field_type,
            format: None,
            access: Access::ReadOnly,
            required_on_create: false,
            options: &[],
            reference: None,
            filter_keys: &[],
            sortable: false,
            always_present: false,
        }
    }

    pub(crate) const fn read_write(self) -> Self {
        Self {
            access: Access::ReadWrite,
            ..self
        }
    }

    pub(crate) const fn create_only(self) -> Self {
        Self {
            access: Access::CreateOnly,
            ..self
        }
    }

    pub(crate) const fn update_only(self) -> Self {
        Self {
            access: Access::UpdateOnly,
            ..self
        }
    }

    /// Required on create; implies the field is writable on create.
    pub(crate) const fn required(self) -> Self {
        let access = match self.access {
            Access::ReadOnly => Access::CreateOnly,
            Access::UpdateOnly => Access::ReadWrite,
            other => other,
        };
        Self {
            required_on_create: true,
            access,
            ..self
        }
    }

    pub(crate) const fn format(self, format: FieldFormat) -> Self {
        Self {
            format: Some(format),
            ..self
        }
    }

    pub(crate) const fn options(self, options: &'static [&'static str]) -> Self {
        Self { options, ..self }
    }

    pub(crate) const fn reference(self, model: ModelId) -> Self {
        Self {
            reference: Some(model),
            ..self
        }
    }

    pub(crate) const fn filters(self, keys: &'static [&'static str]) -> Self {
        Self {
            filter_keys: keys,
            ..self
        }
    }

    pub(crate) const fn sortable(self) -> Self {
        Self {
            sortable: true,
            ..self
        }
    }

    pub(crate) const fn always_present(self) -> Self {
        Self {
            always_present: true,
            ..self
        }
    }

    /// Whether `expand` may name this field.
    pub const fn is_expandable(&self) -> bool {
        self.reference.is_some()
    }
}

/// The options of a select field, with labels; `None` for other types.
pub(crate) fn field_options(spec: &FieldSpec) -> Option<Vec<FieldOption>> {
    matches!(spec.field_type, FieldType::Select | FieldType::ListSelect).then(|| {
        spec.options
            .iter()
            .map(|value| FieldOption {
                value: (*value).to_owned(),
                label: humanize(value),
            })
            .collect()
    })
}

/// `inProgress` -> `In progress`: option labels derived from wire values.
fn humanize(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for (i, c) in value.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The field table of a model: the definition of what exists and what the model allows
/// (a connector may allow less; see `SupportedFields`).
pub fn field_specs(model: ModelId) -> &'static [FieldSpec] {
    match model {
        ModelId::GenericContact => models::contact::FIELDS,
        ModelId::GenericUser => models::user::FIELDS,
        ModelId::GenericWorkspace => models::workspace::FIELDS,
        ModelId::TelephonyCall => models::call::FIELDS,
        ModelId::TelephonyCallTranscript => models::transcript::FIELDS,
    }
}

/// The descriptor of one field of a model, if the key exists.
pub fn field_spec(model: ModelId, key: &str) -> Option<&'static FieldSpec> {
    field_specs(model).iter().find(|f| f.key == key)
}

/// One field as `GET /v1/models/{model}/fields` lists it (Morph's `UnifiedField`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnifiedField {
    /// The key inside a resource's `fields`.
    pub key: String,
    /// A short human name.
    pub name: String,
    /// What the field holds.
    pub description: String,
    /// The value's type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// A refinement of the type, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub format: Option<FieldFormat>,
    /// Always `false`: custom provider fields are not exposed yet.
    pub is_custom: bool,
    /// Whether a create through this connector must set it.
    pub is_required: bool,
    /// Whether no write through this connector may set it.
    pub is_value_read_only: bool,
    /// The writes that may set it through this connector (`create`, `update`); empty when
    /// read-only. A Patchbay addition: `isValueReadOnly` cannot tell create-only fields apart.
    #[serde(default)]
    #[schema(required = true)]
    pub writable_on: Vec<OperationKind>,
    /// Allowed values, present on `select` and `list.select` fields only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub options: Option<Vec<FieldOption>>,
    /// The model referenced, present on `reference` and `list.reference` fields only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reference_model: Option<ModelId>,
    /// The `filters` keys answered by this field through this connector (empty when none).
    #[serde(default)]
    #[schema(required = true)]
    pub filter_keys: Vec<String>,
    /// Whether `sort` may name it through this connector.
    #[serde(default)]
    #[schema(required = true)]
    pub is_sortable: bool,
    /// For list fields: the most items a write may hold through this connector, when capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub max_items: Option<u32>,
}

/// One allowed value of a select field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldOption {
    /// The wire value.
    pub value: String,
    /// A human label.
    pub label: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn humanize_splits_camel_case() {
        assert_eq!(humanize("inProgress"), "In progress");
        assert_eq!(humanize("voicemail"), "Voicemail");
    }

    #[test]
    fn tables_are_consistent() {
        for model in ModelId::ALL {
            let mut keys = BTreeSet::new();
            let mut filter_keys = BTreeSet::new();
            for spec in field_specs(*model) {
                assert!(keys.insert(spec.key), "{model}.{} listed twice", spec.key);
                let is_select =
                    matches!(spec.field_type, FieldType::Select | FieldType::ListSelect);
                assert_eq!(
                    is_select,
                    !spec.options.is_empty(),
                    "{model}.{} options",
                    spec.key
                );
                let is_ref = matches!(
                    spec.field_type,
                    FieldType::Reference | FieldType::ListReference
                );
                assert_eq!(
                    is_ref,
                    spec.reference.is_some(),
                    "{model}.{} reference",
                    spec.key
                );
                if spec.required_on_create {
                    assert!(
                        spec.access.writable(WriteMode::Create),
                        "{model}.{}",
                        spec.key
                    );
                }
                for key in spec.filter_keys {
                    assert!(
                        filter_keys.insert(*key),
                        "{model} filter {key} listed twice"
                    );
                }
                if spec.always_present {
                    assert!(spec.required_on_create, "{model}.{}", spec.key);
                }
            }
        }
    }
}
