//! One router per resource, merged under `/api/v1`.

mod auth;
mod health;
mod programmes;
mod projects;
mod territories;
mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::{config::Settings, state::AppState};

/// Every documented route: the API under `/api/v1`, and the operational endpoints at the root.
pub fn router(settings: &Settings) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(auth::router(&settings.auth))
        .merge(users::router())
        .merge(programmes::router())
        .merge(projects::router())
        .merge(territories::router());
    OpenApiRouter::new()
        .nest("/api/v1", api)
        .merge(health::router())
}
