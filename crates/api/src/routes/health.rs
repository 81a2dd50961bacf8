//! `/health`, `/ready` and `/metrics`.

use axum::{Json, extract::State, http::header, response::IntoResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, Problem},
    state::AppState,
};

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_health))
        .routes(routes!(get_ready))
        .routes(routes!(get_metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Le processus répond.", body = Status)))]
async fn get_health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The database answers: the instance can take traffic.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "La base de données répond.", body = Status),
        (status = 503, description = "La base de données ne répond pas.", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn get_ready(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    state
        .app
        .store()
        .ping()
        .await
        .map_err(terrain_app::AppError::from)?;
    Ok(Json(Status { status: "ready" }))
}

/// Request counts and latencies, in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Métriques Prometheus.", body = String,
        content_type = "text/plain")))]
async fn get_metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
