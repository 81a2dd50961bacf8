//! Terrain's JSON front door: one router per resource (extract → call a use case → map to a
//! DTO), extractors whose rejections are problems, the problem+json error type, OpenAPI.

pub mod auth;
pub mod conditional;
pub mod dto;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod pagination;
mod reply;
pub mod routes;
pub mod state;

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use terrain_app::App;
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    openapi::{ApiDoc, CommonErrors},
    state::AppState,
};

pub use error::render_problems;

/// The largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The largest body of a request carrying a file: the file, plus room for the multipart
/// envelope and the fields beside it (a 21 MB body is refused from its declared length).
pub const UPLOAD_LIMIT_BYTES: usize =
    terrain_domain::conversation::MAX_FILE_BYTES as usize + BODY_LIMIT_BYTES;

/// Whether this request is the API's upload, the one route past [`BODY_LIMIT_BYTES`].
pub fn accepts_files(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && path
            .strip_prefix("/api/v1/projects/")
            .and_then(|rest| rest.strip_suffix("/attachments"))
            .is_some_and(|id| !id.contains('/'))
}

/// Every route of the JSON API under `/api/v1`, the operational endpoints (`/health`,
/// `/ready`, `/metrics`) and the documentation (`/docs`, `/api/v1/openapi.json`).
pub fn router(app: App, metrics: PrometheusHandle) -> Router {
    let (routes, mut paths) = routes::router().split_for_parts();
    let mut document = ApiDoc::openapi();
    document.merge(std::mem::take(&mut paths));
    CommonErrors.modify(&mut document);
    openapi::reference::describe(&mut document, &app.catalogue());
    let state = AppState { app, metrics };
    routes
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", document))
        .with_state(state)
}
