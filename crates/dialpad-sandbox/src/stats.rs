//! Dialpad's Stats API (being written).

use axum::Router;

use crate::state::AppState;

#[derive(Debug, Default)]
pub struct StatsStore {}

pub fn routes() -> Router<AppState> {
    Router::new()
}
