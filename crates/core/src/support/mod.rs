//! Field support per connector. A model's field table defines the model; a connector says,
//! per model, which of those fields it can set on create and on update, which it requires,
//! which filters and sort keys it applies and whether it searches (`ModelSupport`, carried by
//! `ConnectorDescriptor::models`). `SupportedFields` is the merged view that validation,
//! list options and `GET /v1/models/{model}/fields` read.

mod check;
mod declare;

pub use declare::{FieldSupport, ModelSupport};

use crate::connector::ConnectorDescriptor;
use crate::fields::{FieldSpec, UnifiedField, field_options, field_specs};
use crate::model_id::ModelId;
use crate::operation::{Operation, OperationKind};
use crate::validate::{FieldError, ValidationCode, WriteError, WriteMode};

/// The fields of one model as seen through one connector: the model's table narrowed by the
/// connector's [`ModelSupport`] and operations. [`SupportedFields::of_model`] is the model's
/// own rules, for checks that concern no connection.
#[derive(Debug, Clone, Copy)]
pub struct SupportedFields<'a> {
    model: ModelId,
    connector: Option<&'a ConnectorDescriptor>,
}

impl<'a> SupportedFields<'a> {
    /// The model's own rules: everything its table allows.
    pub const fn of_model(model: ModelId) -> SupportedFields<'static> {
        SupportedFields {
            model,
            connector: None,
        }
    }

    /// `model` as `connector` supports it (also `connector.fields(model)`).
    pub const fn of_connector(connector: &'a ConnectorDescriptor, model: ModelId) -> Self {
        Self {
            model,
            connector: Some(connector),
        }
    }

    /// The model.
    pub const fn model(&self) -> ModelId {
        self.model
    }

    /// The connector's id, or `None` for the model's own rules.
    pub fn connector_id(&self) -> Option<&'static str> {
        self.connector.map(|c| c.id)
    }

    /// The model's field table.
    pub fn specs(&self) -> &'static [FieldSpec] {
        field_specs(self.model)
    }

    /// The table entry of `key`, if the model has that field.
    pub fn spec(&self, key: &str) -> Option<&'static FieldSpec> {
        self.specs().iter().find(|s| s.key == key)
    }

    /// `None` for the model's own rules; else the connector's support of the model, if any.
    fn support(&self) -> Option<Option<&'a ModelSupport>> {
        self.connector
            .map(|c| c.models.iter().find(|m| m.model == self.model))
    }

    /// Whether the connector implements `kind` on the model (always, for the model's rules).
    pub fn operation_supported(&self, kind: OperationKind) -> bool {
        self.connector
            .is_none_or(|c| c.supports(Operation::new(self.model, kind)))
    }

    /// Whether a write in `mode` may set `spec`.
    pub fn writable(&self, spec: &FieldSpec, mode: WriteMode) -> bool {
        spec.access.writable(mode)
            && self.operation_supported(mode.kind())
            && match self.support() {
                None => true,
                Some(support) => support
                    .and_then(|s| s.field(spec.key))
                    .is_some_and(|f| f.on(mode)),
            }
    }

    /// Whether a write in `mode` is possible at all: the operation is implemented and at
    /// least one field can be set.
    pub fn accepts(&self, mode: WriteMode) -> bool {
        self.specs().iter().any(|s| self.writable(s, mode))
    }

    /// Whether a create must set `spec`: creating is possible, and the model or the
    /// connector requires it.
    pub fn is_required(&self, spec: &FieldSpec) -> bool {
        self.accepts(WriteMode::Create) && self.must_hold(spec)
    }

    /// Whether the model or the connector requires `spec`, so an update cannot clear it.
    pub(crate) fn must_hold(&self, spec: &FieldSpec) -> bool {
        spec.required_on_create
            || self
                .support()
                .flatten()
                .and_then(|s| s.field(spec.key))
                .is_some_and(|f| f.required)
    }

    /// The most items a write of list field `spec` may hold, when the connector caps it.
    pub fn max_items(&self, spec: &FieldSpec) -> Option<u32> {
        self.support()
            .flatten()
            .and_then(|s| s.field(spec.key))
            .and_then(|f| f.max_items)
    }

    /// Whether `key` is a filter the model declares and the connector applies.
    pub fn supports_filter(&self, key: &str) -> bool {
        self.specs().iter().any(|s| s.filter_keys.contains(&key))
            && self.operation_supported(OperationKind::List)
            && match self.support() {
                None => true,
                Some(support) => support.is_some_and(|s| s.filters.contains(&key)),
            }
    }

    /// The filter keys usable here, in table order.
    pub fn filter_keys(&self) -> Vec<&'static str> {
        self.specs()
            .iter()
            .flat_map(|s| s.filter_keys.iter().copied())
            .filter(|k| self.supports_filter(k))
            .collect()
    }

    /// Whether `spec` is sortable in the model and the connector sorts by it.
    pub fn supports_sort(&self, spec: &FieldSpec) -> bool {
        spec.sortable
            && self.operation_supported(OperationKind::List)
            && match self.support() {
                None => true,
                Some(support) => support.is_some_and(|s| s.sort.contains(&spec.key)),
            }
    }

    /// The keys usable in `sort` here, in table order.
    pub fn sort_keys(&self) -> Vec<&'static str> {
        self.specs()
            .iter()
            .filter(|s| self.supports_sort(s))
            .map(|s| s.key)
            .collect()
    }

    /// Whether the free-text `q` option is applied.
    pub fn supports_search(&self) -> bool {
        self.operation_supported(OperationKind::List)
            && self.support().is_none_or(|s| s.is_some_and(|s| s.search))
    }

    /// Who refuses a list option (`sort`, `q`) in messages.
    pub(crate) fn refuser(&self) -> String {
        match self.connector_id() {
            Some(id) => format!("the {id} connector"),
            None => format!("{}", self.model),
        }
    }

    /// The error for a write that is impossible here.
    pub(crate) fn unsupported(&self, mode: WriteMode) -> WriteError {
        WriteError::Unsupported {
            operation: Operation::new(self.model, mode.kind()),
            connector: self.connector_id().filter(|_| {
                // Blame the connector only when the model itself would allow the write.
                SupportedFields::of_model(self.model).accepts(mode)
            }),
        }
    }

    /// Why a write in `mode` cannot set `spec`, if it cannot.
    pub(crate) fn refusal(&self, spec: &FieldSpec, mode: WriteMode) -> Option<FieldError> {
        let key = spec.key;
        if !spec.access.writable(mode) {
            let why = match mode {
                WriteMode::Update if spec.access.writable(WriteMode::Create) => {
                    "can only be set when creating"
                }
                WriteMode::Create if spec.access.writable(WriteMode::Update) => {
                    "can only be changed by an update"
                }
                _ => "is read-only",
            };
            return Some(FieldError::new(
                key,
                ValidationCode::ReadOnly,
                format!("`{key}` {why}"),
            ));
        }
        if self.writable(spec, mode) {
            return None;
        }
        let can: Vec<&str> = self
            .specs()
            .iter()
            .filter(|s| self.writable(s, mode))
            .map(|s| s.key)
            .collect();
        let verb = match mode {
            WriteMode::Create => "set when creating",
            WriteMode::Update => "changed by an update of",
        };
        Some(FieldError::new(
            key,
            ValidationCode::NotSupported,
            format!(
                "`{key}` cannot be {verb} a {} through {}; it can write: {}",
                self.model,
                self.refuser(),
                can.join(", ")
            ),
        ))
    }

    /// The wire descriptor of `spec` as seen here.
    pub fn unified_field(&self, spec: &FieldSpec) -> UnifiedField {
        let writable_on: Vec<OperationKind> = [WriteMode::Create, WriteMode::Update]
            .into_iter()
            .filter(|m| self.writable(spec, *m))
            .map(WriteMode::kind)
            .collect();
        UnifiedField {
            key: spec.key.to_owned(),
            name: spec.name.to_owned(),
            description: spec.description.to_owned(),
            field_type: spec.field_type,
            format: spec.format,
            is_custom: false,
            is_required: self.is_required(spec),
            is_value_read_only: writable_on.is_empty(),
            writable_on,
            options: field_options(spec),
            reference_model: spec.reference,
            filter_keys: spec
                .filter_keys
                .iter()
                .filter(|k| self.supports_filter(k))
                .map(|k| (*k).to_owned())
                .collect(),
            is_sortable: self.supports_sort(spec),
            max_items: self.max_items(spec),
        }
    }

    /// Every field's wire descriptor, in table order.
    pub fn unified(&self) -> Vec<UnifiedField> {
        self.specs().iter().map(|s| self.unified_field(s)).collect()
    }
}

/// What `GET /v1/models/{model}/fields` lists for a connection of `connector`.
pub fn unified_fields(model: ModelId, connector: &ConnectorDescriptor) -> Vec<UnifiedField> {
    connector.fields(model).unified()
}

impl ConnectorDescriptor {
    /// `model` as this connector supports it.
    pub const fn fields(&self, model: ModelId) -> SupportedFields<'_> {
        SupportedFields::of_connector(self, model)
    }
}
