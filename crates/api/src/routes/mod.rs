//! One router per resource, merged under `/api/v1`.

mod auth;
pub(crate) mod dashboard;
pub(crate) mod events;
mod exports;
mod funds;
mod health;
mod programmes;
pub(crate) mod projects;
mod stats;
mod territories;
mod users;

use axum::{
    Json,
    http::{StatusCode, header::HeaderName},
};
use utoipa_axum::router::OpenApiRouter;

use crate::{config::Settings, state::AppState};

/// Every documented route: the API under `/api/v1`, and the operational endpoints at the root.
pub fn router(_settings: &Settings) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
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

/// A 201 answer with the `Location` of what was created.
pub type Created<T> = (StatusCode, [(HeaderName, String); 1], Json<T>);

/// A `Location` header value for a path of this service (paths hold only ASCII).
pub(crate) fn location(path: &str) -> axum::http::HeaderValue {
    axum::http::HeaderValue::from_str(path).unwrap_or(axum::http::HeaderValue::from_static("/"))
}
