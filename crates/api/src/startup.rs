//! Builds the application: database, migrations, router and middleware, listener.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{Router, http::HeaderValue, http::StatusCode, middleware};
use terrain_persistence::Database;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    config::Settings,
    error::{self, render_problems},
    openapi::{ApiDoc, CommonErrors},
    routes,
    state::AppState,
    telemetry::{self, REQUEST_ID_HEADER},
};

/// The largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// A bound, migrated application, ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
}

impl Application {
    /// Connects to the database, applies the migrations and binds the listener.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Database::connect(&settings.database.connect_settings())
            .await
            .context("cannot connect to the database")?;
        db.migrate().await.context("cannot migrate the database")?;
        let listener = TcpListener::bind(settings.server.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.server.addr))?;
        let state = AppState {
            db: db.clone(),
            settings: Arc::new(settings),
            metrics: telemetry::metrics_handle(),
        };
        Ok(Application {
            listener,
            router: router(state),
            db,
        })
    }

    /// The database the application runs on.
    pub fn database(&self) -> &Database {
        &self.db
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
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        let _ = self.db.close().await;
        Ok(())
    }
}

/// The router with every route and middleware, for a given state.
pub fn router(state: AppState) -> Router {
    let (api, mut openapi) = routes::router().split_for_parts();
    let mut document = ApiDoc::openapi();
    document.merge(std::mem::take(&mut openapi));
    CommonErrors.modify(&mut document);
    let settings = state.settings.clone();

    let app = api
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", document))
        .fallback(error::not_found)
        .route_layer(middleware::from_fn(telemetry::track_metrics))
        .with_state(state);

    app.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
            .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn(render_problems))
            .layer(CatchPanicLayer::custom(error::panic_response))
            .layer(cors(&settings.server.cors_origins))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(settings.server.request_timeout_secs),
            ))
            .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES)),
    )
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
