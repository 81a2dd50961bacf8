//! Logs, request ids and Prometheus metrics.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue, Method},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

use terrain_app::config::{LogFormat, LogSettings};

/// The header carrying the request id, set on every request that lacks one and echoed back.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global log subscriber. `RUST_LOG` overrides the configured filter. Calling it
/// twice is harmless (the first subscriber stays).
pub fn init_tracing(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match settings.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().compact())
            .try_init(),
    };
}

/// Drops a client's `x-request-id` unless it is a short token (at most 64 characters among
/// `A-Z a-z 0-9 - _ .`), so that a fresh one is generated: ids end up in logs and bodies.
pub async fn screen_request_id(mut request: Request, next: Next) -> Response {
    let acceptable = |value: &HeaderValue| {
        let bytes = value.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let headers = request.headers_mut();
    let count = headers.get_all(REQUEST_ID_HEADER).iter().count();
    if count > 1
        || headers
            .get(REQUEST_ID_HEADER)
            .is_some_and(|v| !acceptable(v))
    {
        headers.remove(REQUEST_ID_HEADER);
    }
    next.run(request).await
}

/// The span of one request: every log line inside carries its id.
pub fn request_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %loggable_uri(request.uri()),
        request_id = %request_id,
    )
}

/// The URI as logs may show it: the secret of a password reset link is masked.
fn loggable_uri(uri: &axum::http::Uri) -> String {
    match uri.path().strip_prefix("/mot-de-passe-oublie/") {
        Some(token) if !token.is_empty() => "/mot-de-passe-oublie/…".to_owned(),
        _ => uri.to_string(),
    }
}

/// The process-wide Prometheus recorder (one per process: metrics are global).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (tests build many apps in one process).
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The method as a metric label, from a closed set: a made-up method must not create a series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts requests and their latency by method, matched route and status: every label comes
/// from a closed set (the routes of the router, `unmatched` otherwise), so no request can add
/// series without bound.
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(request.method()).to_owned();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
