//! One router per resource, merged under `/api/v1`.

mod auth;
mod batches;
mod changes;
mod deliveries;
pub(crate) mod events;
mod exports;
mod funds;
mod health;
mod programmes;
pub(crate) mod projects;
pub(crate) mod review;
pub(crate) mod stats;
mod templates;
mod territories;
mod tokens;
mod users;
mod webhooks;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every documented route: the API under `/api/v1`, and the operational endpoints at the root.
pub fn router() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(deliveries::router())
        .merge(tokens::router())
        .merge(changes::router())
        .merge(webhooks::router())
        .merge(review::router())
        .merge(templates::router())
        .merge(batches::router())
        .merge(events::router())
        .merge(exports::router())
        .merge(funds::router())
        .merge(programmes::router())
        .merge(projects::router())
        .merge(stats::router())
        .merge(territories::router());
    OpenApiRouter::new()
        .nest("/api/v1", api)
        .merge(health::router())
}
