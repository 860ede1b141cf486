//! Reading list, retrieve and write options from a query string, the way Morph's client and
//! a person with curl send them: `fields=a,b` or repeated `fields=a&fields=b` (also
//! `fields[]=`), filters as `filters[email]=…`, `filters.email=…` or a JSON object in
//! `filters`, booleans as `true`/`false`/`1`/`0`. Unknown parameters are refused, naming them.

use patchbay_core::{FieldError, ValidationCode, ValidationErrors};
use serde_json::Value;

/// The raw options of one request, before they are typed against a model and connector.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawOptions {
    /// `limit`.
    pub limit: Option<String>,
    /// `cursor`.
    pub cursor: Option<String>,
    /// `fields` keys, in order.
    pub fields: Option<Vec<String>>,
    /// `expand` keys, in order.
    pub expand: Vec<String>,
    /// `filters` pairs, in order.
    pub filters: Vec<(String, String)>,
    /// `sort`.
    pub sort: Option<String>,
    /// `q`.
    pub q: Option<String>,
    /// `raw`: attach the provider's payload.
    pub raw: bool,
    /// `returnResource`: answer a write with the resource instead of a reference.
    pub return_resource: bool,
}

/// Which parameters a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// `GET /v1/resources/{model}`.
    List,
    /// `GET /v1/resources/{model}/{id}`.
    Retrieve,
    /// `POST`/`PATCH`: the retrieve options for the answer, plus `returnResource`.
    Write,
    /// `DELETE`: nothing.
    Delete,
}

impl Accepts {
    fn allows(self, param: &str) -> bool {
        match param {
            "fields" | "expand" | "raw" => self != Accepts::Delete,
            "limit" | "cursor" | "filters" | "sort" | "q" => self == Accepts::List,
            "returnResource" => self == Accepts::Write,
            _ => false,
        }
    }
}

/// Parses a raw query string (`None`: no query) for a route.
pub fn parse(query: Option<&str>, accepts: Accepts) -> Result<RawOptions, ValidationErrors> {
    let mut out = RawOptions::default();
    let mut errors = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let (base, sub) = split_key(&key);
        if !accepts.allows(base) {
            errors.push(FieldError::new(
                key.as_ref(),
                ValidationCode::UnknownField,
                format!("`{key}` is not a parameter of this route"),
            ));
            continue;
        }
        let single = |slot: &mut Option<String>, errors: &mut Vec<FieldError>| {
            if slot.replace(value.to_string()).is_some() {
                errors.push(FieldError::new(
                    base,
                    ValidationCode::InvalidValue,
                    format!("`{base}` is given more than once"),
                ));
            }
        };
        match (base, sub) {
            ("limit", None) => single(&mut out.limit, &mut errors),
            ("cursor", None) => single(&mut out.cursor, &mut errors),
            ("sort", None) => single(&mut out.sort, &mut errors),
            ("q", None) => single(&mut out.q, &mut errors),
            ("fields", Some("") | None) => {
                out.fields.get_or_insert_with(Vec::new).extend(csv(&value));
            }
            ("expand", Some("") | None) => out.expand.extend(csv(&value)),
            ("raw", None) => match boolean(&value) {
                Some(b) => out.raw = b,
                None => errors.push(not_boolean(base)),
            },
            ("returnResource", None) => match boolean(&value) {
                Some(b) => out.return_resource = b,
                None => errors.push(not_boolean(base)),
            },
            ("filters", Some(name)) if !name.is_empty() => {
                out.filters.push((name.to_owned(), value.into_owned()));
            }
            ("filters", None) => match serde_json::from_str::<Value>(&value) {
                Ok(Value::Object(map)) => {
                    for (name, v) in map {
                        let text = match v {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        out.filters.push((name, text));
                    }
                }
                _ => errors.push(FieldError::new(
                    "filters",
                    ValidationCode::InvalidValue,
                    "`filters` takes `filters[key]=value`, `filters.key=value` or a JSON object",
                )),
            },
            _ => errors.push(FieldError::new(
                key.as_ref(),
                ValidationCode::UnknownField,
                format!("`{key}` is not a parameter of this route"),
            )),
        }
    }
    ValidationErrors::from_vec(errors).map_or(Ok(out), Err)
}

/// `filters[email]` → (`filters`, `email`); `filters.email` → same; `fields[]` → (`fields`, ``);
/// `fields[0]` → (`fields`, ``); `limit` → (`limit`, none).
fn split_key(key: &str) -> (&str, Option<&str>) {
    if let Some(open) = key.find('[')
        && let Some(inner) = key[open + 1..].strip_suffix(']')
    {
        let base = &key[..open];
        let inner = if base != "filters" && inner.chars().all(|c| c.is_ascii_digit()) {
            ""
        } else {
            inner
        };
        return (base, Some(inner));
    }
    if let Some((base, rest)) = key.split_once('.')
        && base == "filters"
    {
        return (base, Some(rest));
    }
    (key, None)
}

fn csv(value: &str) -> impl Iterator<Item = String> + '_ {
    patchbay_core::split_csv(value).map(str::to_owned)
}

fn boolean(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "1" | "" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn not_boolean(param: &str) -> FieldError {
    FieldError::new(
        param,
        ValidationCode::InvalidValue,
        format!("`{param}` must be `true` or `false`"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reads_every_spelling_of_lists_and_filters() {
        let o = parse(
            Some("limit=7&fields=firstName,email&fields[]=phone&expand=owner&filters[owner]=u1&filters.visibility=private&raw=true"),
            Accepts::List,
        )
        .unwrap();
        assert_eq!(o.limit.as_deref(), Some("7"));
        assert_eq!(o.fields.unwrap(), ["firstName", "email", "phone"]);
        assert_eq!(o.expand, ["owner"]);
        assert_eq!(
            o.filters,
            [
                ("owner".to_owned(), "u1".to_owned()),
                ("visibility".to_owned(), "private".to_owned())
            ]
        );
        assert!(o.raw);
        let o = parse(
            Some(r#"filters=%7B%22status%22%3A%22active%22%7D"#),
            Accepts::List,
        )
        .unwrap();
        assert_eq!(o.filters, [("status".to_owned(), "active".to_owned())]);
    }

    #[test]
    fn refuses_unknown_and_misplaced_parameters() {
        let e = parse(Some("limt=5&cursor=x"), Accepts::Retrieve).unwrap_err();
        let fields: Vec<_> = e.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["limt", "cursor"]);
        assert!(parse(Some("limit=1&limit=2"), Accepts::List).is_err());
        assert!(parse(Some("returnResource=maybe"), Accepts::Write).is_err());
        assert!(
            parse(Some("returnResource=true"), Accepts::Write)
                .unwrap()
                .return_resource
        );
    }
}
