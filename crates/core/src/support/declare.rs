//! What a connector declares about one model: which fields it can write on create and on
//! update, which it requires, and which filters, sort keys and search it applies. Static
//! data, built with `const` builders in the connector crate.

use crate::model_id::ModelId;
use crate::validate::WriteMode;

/// How a connector supports writing one field of a model. Fields a connector does not list
/// are read-only through it, whatever the model allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSupport {
    /// The field key, from the model's table.
    pub key: &'static str,
    /// Whether a create may set it.
    pub on_create: bool,
    /// Whether an update may change it.
    pub on_update: bool,
    /// Whether a create must set it, on top of the fields the model itself requires.
    pub required: bool,
    /// For list fields: the most items a write may hold (`users` of a call placed for one user).
    pub max_items: Option<u32>,
}

impl FieldSupport {
    const fn new(key: &'static str, on_create: bool, on_update: bool) -> Self {
        Self {
            key,
            on_create,
            on_update,
            required: false,
            max_items: None,
        }
    }

    /// Settable on create only.
    pub const fn create(key: &'static str) -> Self {
        Self::new(key, true, false)
    }

    /// Changeable on update only.
    pub const fn update(key: &'static str) -> Self {
        Self::new(key, false, true)
    }

    /// Settable on create and changeable on update.
    pub const fn create_update(key: &'static str) -> Self {
        Self::new(key, true, true)
    }

    /// Required on create (and so settable on create).
    pub const fn required(self) -> Self {
        Self {
            required: true,
            on_create: true,
            ..self
        }
    }

    /// At most `n` items in a write of this list field.
    pub const fn max_items(self, n: u32) -> Self {
        Self {
            max_items: Some(n),
            ..self
        }
    }

    /// Whether a write in `mode` may set it.
    pub const fn on(&self, mode: WriteMode) -> bool {
        match mode {
            WriteMode::Create => self.on_create,
            WriteMode::Update => self.on_update,
        }
    }
}

/// What a connector can do with one model's fields. A model the connector declares no
/// `ModelSupport` for has no writable field, filter, sort key or search through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSupport {
    /// The model.
    pub model: ModelId,
    /// The fields it can write.
    pub fields: &'static [FieldSupport],
    /// The `filters` keys it applies (each one the model declares).
    pub filters: &'static [&'static str],
    /// The keys it can `sort` by (each one the model declares sortable).
    pub sort: &'static [&'static str],
    /// Whether it applies the free-text `q` option.
    pub search: bool,
}

impl ModelSupport {
    /// Support for `model` with nothing writable, no filter, sort or search.
    pub const fn new(model: ModelId) -> Self {
        Self {
            model,
            fields: &[],
            filters: &[],
            sort: &[],
            search: false,
        }
    }

    /// The fields it can write.
    pub const fn fields(self, fields: &'static [FieldSupport]) -> Self {
        Self { fields, ..self }
    }

    /// The filters it applies.
    pub const fn filters(self, filters: &'static [&'static str]) -> Self {
        Self { filters, ..self }
    }

    /// The keys it sorts by.
    pub const fn sort(self, sort: &'static [&'static str]) -> Self {
        Self { sort, ..self }
    }

    /// It applies `q`.
    pub const fn search(self) -> Self {
        Self {
            search: true,
            ..self
        }
    }

    /// Its support of field `key`, if it can write it.
    pub fn field(&self, key: &str) -> Option<&FieldSupport> {
        self.fields.iter().find(|f| f.key == key)
    }
}
