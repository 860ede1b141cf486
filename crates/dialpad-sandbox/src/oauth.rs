//! Dialpad's OAuth 2.0 endpoints (being written).

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
