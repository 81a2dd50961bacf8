//! One router per resource, merged under `/api/v1`.

mod health;
mod programmes;
mod territories;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every documented route: the API under `/api/v1`, and the operational endpoints at the root.
pub fn router() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(programmes::router())
        .merge(territories::router());
    OpenApiRouter::new()
        .nest("/api/v1", api)
        .merge(health::router())
}
