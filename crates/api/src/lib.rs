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

/// The path of the OpenAPI document.
const DOCUMENT: &str = "/api/v1/openapi.json";

/// Every route of the JSON API under `/api/v1`, the operational endpoints (`/health`,
/// `/ready`, `/metrics`) and the documentation (`/docs`, `/api/v1/openapi.json`).
pub fn router(app: App, metrics: PrometheusHandle) -> Router {
    let (routes, mut paths) = routes::router().split_for_parts();
    let mut document = ApiDoc::openapi();
    document.merge(std::mem::take(&mut paths));
    CommonErrors.modify(&mut document);
    let served = Served {
        base: std::sync::Arc::new(document),
        rendered: std::sync::Arc::default(),
    };
    let state = AppState { app, metrics };
    routes
        .route(
            DOCUMENT,
            axum::routing::get(move |state: axum::extract::State<AppState>| {
                let served = served.clone();
                async move { served.render(&state.app) }
            }),
        )
        .merge(SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::new([DOCUMENT])))
        .with_state(state)
}

/// The document as served: its codes (programmes, themes, territories) are those of the
/// reference data now, so it is rendered again whenever they change, on any instance.
#[derive(Clone)]
struct Served {
    base: std::sync::Arc<utoipa::openapi::OpenApi>,
    rendered: std::sync::Arc<std::sync::Mutex<Option<(i64, axum::body::Bytes)>>>,
}

impl Served {
    fn render(&self, app: &App) -> axum::response::Response {
        use axum::response::IntoResponse;
        let version = app.catalogue_version();
        let mut held = match self.rendered.lock() {
            Ok(held) => held,
            Err(poisoned) => poisoned.into_inner(),
        };
        let body = match held.as_ref() {
            Some((at, body)) if *at == version => body.clone(),
            _ => {
                let mut document = (*self.base).clone();
                openapi::reference::describe(&mut document, &app.catalogue());
                let body =
                    axum::body::Bytes::from(serde_json::to_vec(&document).unwrap_or_default());
                *held = Some((version, body.clone()));
                body
            }
        };
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}
