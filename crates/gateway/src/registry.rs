//! The connectors this gateway serves, by id. The HTTP layer only ever sees
//! `Arc<dyn Connector>`, so adding a provider touches no route.

use std::collections::BTreeMap;
use std::sync::Arc;

use patchbay_core::Connector;

/// Connectors by id (`dialpad`).
#[derive(Debug, Clone, Default)]
pub struct Connectors(Arc<BTreeMap<&'static str, Arc<dyn Connector>>>);

impl Connectors {
    /// A registry of `connectors`, each under its descriptor's id.
    pub fn new(connectors: impl IntoIterator<Item = Arc<dyn Connector>>) -> Self {
        Self(Arc::new(
            connectors
                .into_iter()
                .map(|c| (c.descriptor().id, c))
                .collect(),
        ))
    }

    /// The connector `id`, if served.
    pub fn get(&self, id: &str) -> Option<&Arc<dyn Connector>> {
        self.0.get(id)
    }

    /// Every served connector, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Connector>> {
        self.0.values()
    }
}
