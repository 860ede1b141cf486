//! Typed list and retrieve options: page size, cursor, filters, sort, search, field
//! selection and expansion, each parsed against the model's field table (and the connector's
//! support, for what selects or orders items) before any connector sees it.

use serde_json::{Map, Value};

use crate::cursor::{Cursor, Fingerprint};
use crate::fields::{field_spec, field_specs};
use crate::filter::Filters;
use crate::model_id::ModelId;
use crate::sort::{SearchQuery, Sort};
use crate::validate::{FieldError, ValidationCode, ValidationErrors};

/// A page size: 1 to [`Limit::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Limit(u32);

impl Limit {
    /// The largest page a caller may ask for.
    pub const MAX: u32 = 100;
    /// The page size when the caller gives none.
    pub const DEFAULT: Limit = Limit(50);

    /// A limit, if `n` is within 1 to [`Limit::MAX`].
    pub fn new(n: u32) -> Result<Self, ValidationErrors> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(Self::error())
        }
    }

    /// Parses the `limit` query parameter.
    pub fn parse(s: &str) -> Result<Self, ValidationErrors> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| Self::error())
            .and_then(Self::new)
    }

    fn error() -> ValidationErrors {
        ValidationErrors::single(FieldError::new(
            "limit",
            ValidationCode::InvalidValue,
            format!("`limit` must be a whole number from 1 to {}", Self::MAX),
        ))
    }

    /// The page size.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Splits a comma-separated query value (`firstName,email`), dropping empty items.
pub fn split_csv(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|item| !item.is_empty())
}

/// The `fields` option: which fields of the model to return. Keys come from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelection {
    model: ModelId,
    keys: Vec<&'static str>,
}

impl FieldSelection {
    /// Parses field keys of `model`; unknown keys are reported on `fields`.
    pub fn parse<'a>(
        model: ModelId,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ValidationErrors> {
        let mut selected = Vec::new();
        let mut errors = Vec::new();
        for key in keys {
            match field_spec(model, key) {
                Some(spec) if !selected.contains(&spec.key) => selected.push(spec.key),
                Some(_) => {}
                None => errors.push(unknown("fields", model, key)),
            }
        }
        ValidationErrors::from_vec(errors).map_or(
            Ok(Self {
                model,
                keys: selected,
            }),
            Err,
        )
    }

    /// The selected keys, in request order.
    pub fn keys(&self) -> &[&'static str] {
        &self.keys
    }

    /// Whether `key` is selected.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }

    /// Removes unselected keys from a serialised fields object (what the gateway answers).
    /// Keys every resource of the model carries (a workspace's `name`) are kept even when
    /// not selected, so a projected resource still reads back as one.
    pub fn project(&self, fields: &mut Map<String, Value>) {
        let specs = field_specs(self.model);
        fields.retain(|k, _| {
            self.contains(k)
                || specs
                    .iter()
                    .any(|s| s.always_present && s.key == k.as_str())
        });
    }
}

/// The `expand` option: which reference fields to return as full resources.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expand {
    keys: Vec<&'static str>,
}

impl Expand {
    /// Parses reference field keys of `model`; unknown or non-reference keys are reported on `expand`.
    pub fn parse<'a>(
        model: ModelId,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ValidationErrors> {
        let mut selected = Vec::new();
        let mut errors = Vec::new();
        for key in keys {
            match field_spec(model, key) {
                Some(spec) if spec.is_expandable() => {
                    if !selected.contains(&spec.key) {
                        selected.push(spec.key);
                    }
                }
                Some(_) => {
                    let refs: Vec<&str> = field_specs(model)
                        .iter()
                        .filter(|s| s.is_expandable())
                        .map(|s| s.key)
                        .collect();
                    errors.push(FieldError::new(
                        "expand",
                        ValidationCode::InvalidValue,
                        format!(
                            "`{key}` is not a reference and cannot be expanded; expandable: {}",
                            refs.join(", ")
                        ),
                    ));
                }
                None => errors.push(unknown("expand", model, key)),
            }
        }
        ValidationErrors::from_vec(errors).map_or(Ok(Self { keys: selected }), Err)
    }

    /// The keys to expand.
    pub fn keys(&self) -> &[&'static str] {
        &self.keys
    }

    /// Whether `key` should be expanded.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }

    /// Whether nothing is to be expanded.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn unknown(option: &str, model: ModelId, key: &str) -> FieldError {
    FieldError::new(
        option,
        ValidationCode::UnknownField,
        format!("`{key}` is not a field of {model}"),
    )
}

/// Options of a list call.
///
/// Paging contract: a connector answers at most `limit` items and a `next` cursor made with
/// [`Cursor`] ([`Cursor::encode`]), `None` only on the last page; a page may hold fewer than
/// `limit` items without being the last. The gateway decodes a caller's cursor with
/// [`Cursor::decode`] and this list's [`ListOptions::fingerprint`], so a cursor replayed with
/// another model, other filters, `sort` or `q` is refused with `INVALID_CURSOR` before any
/// connector runs; `limit`, `fields` and `expand` may change between pages. A connector
/// starts at [`ListOptions::position`], fetches the provider page at
/// [`Cursor::provider_cursor`], and cuts it with [`Cursor::cut`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOptions {
    /// Page size; the connector uses [`Limit::DEFAULT`] when `None`.
    pub limit: Option<Limit>,
    /// Where to resume: the decoded `next` of the previous page.
    pub cursor: Option<Cursor>,
    /// Typed filters, each one the connector applies.
    pub filters: Filters,
    /// The order asked for, on a key the connector sorts by; the provider's order when `None`.
    pub sort: Option<Sort>,
    /// Free-text search, only when the connector supports it.
    pub q: Option<SearchQuery>,
    /// Fields to return; all when `None`. Connectors may use it to skip costly lookups;
    /// the gateway projects the answer either way.
    pub fields: Option<FieldSelection>,
    /// Reference fields to return expanded. A connector may expand them itself; whatever it
    /// leaves as a `ResourceRef`, the gateway expands with `retrieve`.
    pub expand: Expand,
    /// Whether to attach the provider's payload as `rawResource`.
    pub include_raw: bool,
}

impl ListOptions {
    /// The page size to answer with.
    pub fn limit_or_default(&self) -> Limit {
        self.limit.unwrap_or_default()
    }

    /// What a cursor of this list must have been issued for.
    pub fn fingerprint(&self, model: ModelId) -> Fingerprint {
        Fingerprint::of(model, self)
    }

    /// Where this page starts: the caller's cursor, or the start of the list.
    pub fn position(&self, model: ModelId) -> Cursor {
        self.cursor
            .clone()
            .unwrap_or_else(|| Cursor::start(self.fingerprint(model)))
    }
}

/// Options of a retrieve call (same meaning as in [`ListOptions`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetrieveOptions {
    /// Fields to return; all when `None`.
    pub fields: Option<FieldSelection>,
    /// Reference fields to return expanded.
    pub expand: Expand,
    /// Whether to attach the provider's payload as `rawResource`.
    pub include_raw: bool,
}
