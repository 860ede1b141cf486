//! Consistency checks of a connector descriptor against the model tables, so a typo in a
//! field key or an impossible declaration fails the connector's own tests.

use crate::connector::ConnectorDescriptor;
use crate::fields::{FieldType, field_specs};
use crate::operation::OperationKind;
use crate::support::ModelSupport;
use crate::validate::WriteMode;

impl ConnectorDescriptor {
    /// Inconsistencies between this descriptor and the model tables, one sentence each;
    /// empty when it is sound. Connector crates assert this in a test, so a typo in a field
    /// key fails their build instead of silently making a field read-only.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, support) in self.models.iter().enumerate() {
            let model = support.model;
            if self.models[..i].iter().any(|m| m.model == model) {
                out.push(format!("{model} is declared twice"));
            }
            check_model(self, support, &mut out);
        }
        for op in self.operations {
            let mode = match op.kind {
                OperationKind::Create => WriteMode::Create,
                OperationKind::Update => WriteMode::Update,
                _ => continue,
            };
            if !self.fields(op.model).accepts(mode) {
                out.push(format!(
                    "{op} is declared but no field can be written by it"
                ));
            }
        }
        for scopes in self.operation_scopes {
            if !self.supports(scopes.operation) {
                out.push(format!(
                    "scopes are declared for {} which is not an operation",
                    scopes.operation
                ));
            }
        }
        out
    }
}

fn check_model(connector: &ConnectorDescriptor, support: &ModelSupport, out: &mut Vec<String>) {
    let model = support.model;
    for (i, field) in support.fields.iter().enumerate() {
        let key = field.key;
        if support.fields[..i].iter().any(|f| f.key == key) {
            out.push(format!("{model}.{key} is declared twice"));
        }
        let Some(spec) = field_specs(model).iter().find(|s| s.key == key) else {
            out.push(format!("{model}.{key} is not a field of the model"));
            continue;
        };
        for mode in [WriteMode::Create, WriteMode::Update] {
            if field.on(mode) && !spec.access.writable(mode) {
                out.push(format!(
                    "{model}.{key} is declared writable on {} but the model forbids it",
                    mode.kind()
                ));
            }
        }
        let is_list = matches!(
            spec.field_type,
            FieldType::ListText | FieldType::ListSelect | FieldType::ListReference
        );
        if field.max_items.is_some_and(|n| n == 0 || !is_list) {
            out.push(format!(
                "{model}.{key}: max_items must be at least 1 and only on list fields"
            ));
        }
    }
    let fields = connector.fields(model);
    if fields.operation_supported(OperationKind::Create) {
        for spec in field_specs(model).iter().filter(|s| s.required_on_create) {
            if !fields.writable(spec, WriteMode::Create) {
                out.push(format!(
                    "{model}.{} is required by the model but not writable on create",
                    spec.key
                ));
            }
        }
    }
    let table_filters: Vec<&str> = field_specs(model)
        .iter()
        .flat_map(|s| s.filter_keys.iter().copied())
        .collect();
    for key in support.filters {
        if !table_filters.contains(key) {
            out.push(format!("{model} has no filter `{key}`"));
        }
    }
    for key in support.sort {
        if !field_specs(model)
            .iter()
            .any(|s| s.key == *key && s.sortable)
        {
            out.push(format!("{model}.{key} is not sortable in the model"));
        }
    }
}
