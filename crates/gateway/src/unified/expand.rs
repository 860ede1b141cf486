//! `expand`: swapping references for the resources they point at. Each distinct reference
//! of a page is retrieved once, a few at a time; a reference whose resource is gone stays a
//! reference with a warning, while any other failure fails the request (no silent gaps).

use std::collections::HashMap;

use futures_util::{StreamExt, stream};
use patchbay_core::{
    ConnectorError, Link, Operation, OperationKind, Resource, ResourceRef, ResourceWarning,
    RetrieveOptions, WarningCode,
};

use super::target::Target;
use crate::app::AppState;
use crate::http::error::ApiResult;

/// Retrievals in flight at once for one request.
const CONCURRENCY: usize = 8;

/// Expands `keys` of every resource in `resources`.
pub async fn expand(
    state: &AppState,
    target: &Target,
    resources: &mut [Resource],
    keys: &[&'static str],
) -> ApiResult<()> {
    if keys.is_empty() || resources.is_empty() {
        return Ok(());
    }
    let mut wanted: Vec<ResourceRef> = Vec::new();
    for resource in resources.iter_mut() {
        for key in keys {
            for link in resource.fields.links_mut(key) {
                if let Link::Ref(r) = link
                    && !wanted.contains(r)
                {
                    wanted.push(r.clone());
                }
            }
        }
    }
    for model in wanted
        .iter()
        .map(|r| r.model)
        .collect::<std::collections::BTreeSet<_>>()
    {
        target.check(Operation::new(model, OperationKind::Retrieve))?;
    }
    let options = RetrieveOptions::default();
    let fetched: Vec<(ResourceRef, ApiResult<Option<Resource>>)> = stream::iter(wanted)
        .map(|r| {
            let options = &options;
            async move {
                let (model, id) = (r.model, r.id.as_str());
                let result = target
                    .call(state, move |connector, ctx| async move {
                        match connector.retrieve(ctx, model, id, options).await {
                            Ok(found) => Ok(Some(found)),
                            Err(ConnectorError::NotFound { .. }) => Ok(None),
                            Err(other) => Err(other),
                        }
                    })
                    .await;
                (r, result)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut found: HashMap<ResourceRef, Option<Resource>> = HashMap::new();
    for (r, result) in fetched {
        found.insert(r, result?);
    }
    for resource in resources.iter_mut() {
        let mut warnings = Vec::new();
        for key in keys {
            for link in resource.fields.links_mut(key) {
                let Link::Ref(r) = link else { continue };
                match found.get(r) {
                    Some(Some(full)) => *link = Link::Expanded(Box::new(full.clone())),
                    _ => warnings.push(ResourceWarning::new(
                        *key,
                        WarningCode::Unavailable,
                        format!(
                            "{} `{}` could not be expanded: it no longer exists",
                            r.model, r.id
                        ),
                    )),
                }
            }
        }
        resource.warnings.extend(warnings);
    }
    Ok(())
}
