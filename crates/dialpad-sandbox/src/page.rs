//! `{items, cursor}` pagination with opaque cursors. A cursor names the last key of
//! the page it ends; the next page starts after it, so inserts and deletes between
//! pages neither repeat nor skip the records that stay.

use std::ops::Bound;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::error::ApiError;
use crate::world::Counter;

/// A page of a collection in Dialpad's shape. `cursor` is absent on the last page.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Encodes the last key of a page of `kind` (the kind stops a cursor of one
/// collection being replayed against another).
pub fn encode(kind: &str, last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}|{last_key}"))
}

/// Decodes a cursor made by [`encode`] for the same `kind`.
pub fn decode(kind: &str, cursor: &str) -> Result<String, ApiError> {
    let bad = || ApiError::bad_request("invalid cursor");
    let raw = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    match text.split_once('|') {
        Some((k, key)) if k == kind => Ok(key.to_owned()),
        _ => Err(bad()),
    }
}

/// Where a page of `kind` starts: after the key its cursor names, or at the
/// beginning without one. A cursor that does not decode, belongs to another
/// collection or names no key of this type is a 400.
pub fn after<K: FromStr>(kind: &str, cursor: Option<&str>) -> Result<Bound<K>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(Bound::Unbounded);
    };
    decode(kind, cursor)?
        .parse()
        .map(Bound::Excluded)
        .map_err(|_| ApiError::bad_request("invalid cursor"))
}

/// The page size of a list that takes Dialpad's soft-deprecated `limit`: at most
/// 100. As Dialpad documents, 20% of the requests asking for more get a 400 so a
/// client that assumed larger pages notices; the sandbox makes it deterministic:
/// every fifth such request of a company (`oversized` counts them) is refused.
pub fn size_with_limit(
    default: usize,
    limit: Option<i64>,
    oversized: &Counter,
) -> Result<usize, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if n < 1 => Err(ApiError::bad_request("limit must be at least 1")),
        Some(n) if n > 100 => {
            if oversized.bump() % 5 == 4 {
                Err(ApiError::bad_request(
                    "limit values greater than 100 are not supported: omit limit",
                ))
            } else {
                Ok(100)
            }
        }
        Some(n) => Ok(n as usize),
    }
}

/// Takes up to `size` items from `iter`; the cursor is the key of the last one when
/// more remain.
pub fn take<T, I>(iter: I, size: usize, kind: &str, key: impl Fn(&T) -> String) -> Page<T>
where
    I: Iterator<Item = T>,
{
    let mut iter = iter.peekable();
    let items: Vec<T> = iter.by_ref().take(size).collect();
    let cursor = match (items.last(), iter.peek()) {
        (Some(last), Some(_)) => Some(encode(kind, &key(last))),
        _ => None,
    };
    Page { items, cursor }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_other_collections() {
        let c = encode("users", "42");
        assert_eq!(decode("users", &c).unwrap(), "42");
        assert!(decode("contacts", &c).is_err());
        assert!(decode("users", "%%%").is_err());
    }

    #[test]
    fn after_reads_a_cursors_key_and_refuses_one_of_another_type() {
        assert_eq!(after::<i64>("users", None).unwrap(), Bound::Unbounded);
        let c = encode("users", "42");
        assert_eq!(
            after::<i64>("users", Some(&c)).unwrap(),
            Bound::Excluded(42)
        );
        assert!(after::<i64>("users", Some(&encode("users", "x"))).is_err());
        assert!(after::<String>("contacts", Some(&c)).is_err());
    }

    #[test]
    fn every_fifth_oversized_limit_is_refused() {
        let counter = Counter::default();
        let refused: Vec<bool> = (0..10)
            .map(|_| size_with_limit(100, Some(500), &counter).is_err())
            .collect();
        let mut want = vec![false; 10];
        want[4] = true;
        want[9] = true;
        assert_eq!(refused, want);
        assert_eq!(size_with_limit(100, Some(7), &counter).unwrap(), 7);
    }

    #[test]
    fn last_page_has_no_cursor() {
        let page = take(1..=3, 3, "n", |n: &i32| n.to_string());
        assert_eq!(page.items, vec![1, 2, 3]);
        assert!(page.cursor.is_none());
        let page = take(1..=4, 3, "n", |n: &i32| n.to_string());
        assert_eq!(decode("n", page.cursor.as_deref().unwrap()).unwrap(), "3");
    }
}
