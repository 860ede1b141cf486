//! Unified pages out of Dialpad pages. The caller's `limit` is independent of Dialpad's
//! page size: a unified page is cut from one or more Dialpad pages with `Cursor::cut`, so
//! its `next` carries Dialpad's cursor and how much of that page was already returned, and
//! paging never skips or repeats an item. Items filtered out client-side never count.

use std::future::Future;

use patchbay_core::{ConnectorError, Cursor, Limit};

/// One Dialpad page, already mapped (and filtered) by the caller.
#[derive(Debug)]
pub(crate) struct ProviderPage<T> {
    /// The items that belong in the unified list, in Dialpad's order.
    pub(crate) items: Vec<T>,
    /// Dialpad's cursor of the next page, `None` on the last.
    pub(crate) next: Option<String>,
}

/// Fills a page of at most `limit` items starting at `position`, fetching Dialpad pages
/// with `fetch(cursor)` (at most `max_fetches` of them, so a filter that matches little
/// cannot make one call scan a whole account). Answers the items and where the next page
/// starts (`None` at the end).
pub(crate) async fn fill<T, F, Fut>(
    position: Cursor,
    limit: Limit,
    max_fetches: usize,
    mut fetch: F,
) -> Result<(Vec<T>, Option<Cursor>), ConnectorError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<ProviderPage<T>, ConnectorError>>,
{
    let mut out: Vec<T> = Vec::new();
    let mut position = position;
    for _ in 0..max_fetches.max(1) {
        let wanted = (limit.get() as usize).saturating_sub(out.len());
        let Some(remaining) = u32::try_from(wanted).ok().and_then(|n| Limit::new(n).ok()) else {
            break;
        };
        let page = fetch(position.provider_cursor().map(str::to_owned)).await?;
        let (items, next) = position.cut(page.items, remaining, page.next);
        out.extend(items);
        match next {
            None => return Ok((out, None)),
            Some(next) => position = next,
        }
        if out.len() >= limit.get() as usize {
            break;
        }
    }
    Ok((out, Some(position)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::cell::Cell;

    use patchbay_core::{ListOptions, ModelId};

    use super::*;

    /// Dialpad's pages of 5 items: 0..5, 5..10, 10..12; the cursor is the first index.
    async fn provider(
        cursor: Option<String>,
        calls: &Cell<usize>,
    ) -> Result<ProviderPage<u32>, ConnectorError> {
        calls.set(calls.get() + 1);
        let start: u32 = cursor.map_or(0, |c| c.parse().unwrap());
        let end = (start + 5).min(12);
        Ok(ProviderPage {
            items: (start..end).collect(),
            next: (end < 12).then(|| end.to_string()),
        })
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn all_pages(limit: u32, max_fetches: usize) -> (Vec<Vec<u32>>, usize) {
        let options = ListOptions::default();
        let limit = Limit::new(limit).unwrap();
        let calls = Cell::new(0);
        let mut position = Some(options.position(ModelId::GenericContact));
        let mut pages = Vec::new();
        while let Some(at) = position.take() {
            // The cursor goes through its string form, as between two requests.
            let at =
                Cursor::decode(&at.encode(), options.fingerprint(ModelId::GenericContact)).unwrap();
            let (items, next) = run(fill(at, limit, max_fetches, |c| provider(c, &calls))).unwrap();
            pages.push(items);
            position = next;
        }
        (pages, calls.get())
    }

    #[test]
    fn pages_span_provider_pages_without_skipping_or_repeating() {
        for limit in 1..=13 {
            let (pages, _) = all_pages(limit, 10);
            let flat: Vec<u32> = pages.iter().flatten().copied().collect();
            assert_eq!(flat, (0..12).collect::<Vec<_>>(), "limit {limit}");
            // Every page but the last is full.
            for page in &pages[..pages.len() - 1] {
                assert_eq!(page.len(), limit as usize, "limit {limit}: {pages:?}");
            }
        }
    }

    #[test]
    fn a_fetch_cap_gives_short_pages_that_still_cover_everything() {
        let (pages, calls) = all_pages(100, 1);
        assert_eq!(
            pages,
            [vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8, 9], vec![10, 11]]
        );
        assert_eq!(calls, 3);
    }
}
