//! Builds the service: database, migrations, the use cases' context, the front doors with the
//! middleware every request goes through, and the listener.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context;
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode},
    middleware::{self, Next},
    response::Response,
};
use terrain_app::{App, config::Settings};
use terrain_persistence::Database;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{
    server::{self, ServeOptions},
    telemetry::{self, REQUEST_ID_HEADER},
};

/// A bound, migrated application, ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    app: App,
    options: ServeOptions,
}

impl Application {
    /// Connects to the database, applies the migrations, reads the reference data and binds
    /// the listener.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let app = open(settings).await?;
        let server = &app.settings().server;
        let listener = TcpListener::bind(server.addr)
            .await
            .with_context(|| format!("cannot listen on {}", server.addr))?;
        let options = ServeOptions {
            header_read_timeout: Duration::from_secs(server.header_read_timeout_secs),
            keep_alive_timeout: Duration::from_secs(server.keep_alive_timeout_secs),
            max_connections: server::connection_cap(server.max_connections),
            shutdown_grace: Duration::from_secs(server.request_timeout_secs),
        };
        Ok(Application {
            listener,
            router: router(app.clone()),
            app,
            options,
        })
    }

    /// The use cases' context (its store is the application's database).
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The address actually bound (useful with port 0).
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let workers = crate::workers::Workers::start(&self.app).map_err(std::io::Error::other)?;
        let served = server::serve(self.listener, self.router, self.options, shutdown).await;
        workers.stop().await;
        let _ = self.app.store().close().await;
        served
    }
}

/// Connects and migrates the database, then builds the use cases' context. Without a signing
/// secret one is drawn at random (with a warning: tokens will not survive a restart).
///
/// # Errors
/// When the database cannot be reached, migrated or read.
pub async fn open(mut settings: Settings) -> anyhow::Result<App> {
    if settings.auth.jwt_secret.is_none() {
        tracing::warn!(
            "no auth.jwt_secret configured (TERRAIN__AUTH__JWT_SECRET): using a random \
             secret; tokens will not survive a restart"
        );
        settings.auth.jwt_secret = Some(random_secret());
    }
    let db = Database::connect(
        &settings
            .database
            .connect_settings(Duration::from_secs(settings.server.request_timeout_secs)),
    )
    .await
    .context("cannot connect to the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    App::new(db, settings)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the reference data: {e}"))
}

/// The front doors and the middleware of every request: request ids, tracing, compression,
/// error rendering (problems for the API, pages for the pages), panic recovery, CORS, timeout
/// and body limit.
pub fn router(app: App) -> Router {
    let settings = app.settings().clone();
    let api = terrain_api::router(app.clone(), telemetry::metrics_handle());
    let web = terrain_web::router(app);
    let both = api
        .merge(web)
        .fallback(terrain_api::error::not_found)
        .layer(middleware::from_fn(telemetry::track_metrics));
    with_middleware(both, &settings)
}

/// Errors of the API and the operational endpoints are problems (RFC 9457); errors of pages
/// are pages, with the pages' security headers.
async fn render_errors(
    axum::extract::State(csp): axum::extract::State<terrain_web::PagePolicy>,
    request: Request,
    next: Next,
) -> Response {
    if terrain_web::is_page_path(request.uri().path()) {
        terrain_web::render_pages(&csp, request, next).await
    } else {
        terrain_api::render_problems(request, next).await
    }
}

/// Wraps routes in the service's middleware.
pub fn with_middleware(app: Router, settings: &Settings) -> Router {
    app.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(telemetry::screen_request_id))
            .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
            .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn_with_state(
                terrain_web::PagePolicy::new(
                    terrain_app::oidc::provider_origin(settings).as_deref(),
                ),
                render_errors,
            ))
            .layer(CatchPanicLayer::custom(terrain_api::error::panic_response))
            .layer(cors(&settings.server.cors_origins))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(settings.server.request_timeout_secs),
            ))
            .layer(middleware::from_fn(limit_body))
            .layer(axum::extract::DefaultBodyLimit::disable()),
    )
}

/// The body limit of a request: 64 KiB, or 20 MiB and a little for the routes that take a
/// file. A declared length past it is refused before anything is read; a body that grows past
/// it while read is cut off (413 as well).
async fn limit_body(request: Request, next: Next) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    let limit =
        if terrain_api::accepts_files(method, path) || terrain_web::accepts_files(method, path) {
            terrain_api::UPLOAD_LIMIT_BYTES
        } else {
            terrain_api::BODY_LIMIT_BYTES
        };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return axum::response::IntoResponse::into_response(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(tower_http::cors::Any)
        .allow_headers(tower_http::cors::Any)
        .expose_headers([
            axum::http::header::ETAG,
            axum::http::header::LINK,
            axum::http::header::RETRY_AFTER,
            REQUEST_ID_HEADER,
        ])
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested: finishing in-flight requests");
}

fn random_secret() -> secrecy::SecretString {
    use rand::Rng as _;
    let bytes: [u8; 32] = rand::rng().random();
    secrecy::SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get};
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_problem_without_internal_text() {
        let boom = Router::new().route(
            "/api/v1/boom",
            get(|| async {
                if true {
                    panic!("secret internal detail");
                }
                ""
            }),
        );
        let app = with_middleware(boom, &Settings::default());
        let response = app
            .oneshot(
                Request::get("/api/v1/boom")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers().get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/problem+json"[..])
        );
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .expect("request id");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(problem["status"], 500);
        assert_eq!(problem["request_id"], request_id.as_str());
        assert!(!String::from_utf8_lossy(&body).contains("secret internal detail"));
    }

    #[tokio::test]
    async fn a_panicking_page_becomes_a_french_500_page_without_internal_text() {
        let boom = Router::new().route(
            "/espace/boom",
            get(|| async {
                if true {
                    panic!("secret internal detail");
                }
                ""
            }),
        );
        let app = with_middleware(boom, &Settings::default());
        let response = app
            .oneshot(
                Request::get("/espace/boom")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers().get("content-type").map(|v| v.as_bytes()),
            Some(&b"text/html; charset=utf-8"[..])
        );
        assert!(response.headers().contains_key("content-security-policy"));
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let page = String::from_utf8_lossy(&body);
        assert!(page.contains("Erreur inattendue"), "{page}");
        assert!(!page.contains("secret"), "{page}");
    }
}
