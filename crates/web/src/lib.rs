//! Terrain's HTML front door: pages in French, rendered on the server over the same use cases
//! as the API, usable without JavaScript. Sessions live in a cookie backed by the refresh-token
//! family of the sign-in; every form that changes something carries the session's CSRF token.

pub mod assets;
mod error;
mod form;
mod layout;
mod pages;
mod session;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use terrain_app::App;

pub use error::render_error_pages;

/// What every page handler reads.
#[derive(Debug, Clone)]
pub struct WebState {
    /// The use cases.
    pub app: App,
    /// Whether cookies are `Secure` (`server.public_url` in `https://`).
    pub secure_cookies: bool,
}

/// Every page and the assets.
pub fn router(app: App) -> Router {
    let secure_cookies = app.settings().server.is_https();
    pages::router().with_state(WebState {
        app,
        secure_cookies,
    })
}

/// Whether a path is a page's (not the API's, the documentation's or an operational
/// endpoint's): pages answer errors as pages, the others as problems.
pub fn is_page_path(path: &str) -> bool {
    let api = ["/api/", "/docs", "/health", "/ready", "/metrics"];
    !(path == "/api" || api.iter().any(|prefix| path.starts_with(prefix)))
}

/// Whether this request is a page's form carrying a file (a message or an attachment).
pub fn accepts_files(method: &axum::http::Method, path: &str) -> bool {
    let project_form = |prefix: &str| {
        path.strip_prefix(prefix).is_some_and(|rest| {
            rest.split_once('/').is_some_and(|(id, form)| {
                !id.is_empty() && (form == "pieces" || form == "messages")
            })
        })
    };
    method == axum::http::Method::POST
        && (project_form("/espace/projets/") || project_form("/instruction/projets/"))
}

/// The Content Security Policy of pages: nothing from another origin, no inline script; forms
/// post to the service itself, or lead to the identity provider when one is configured
/// (signing out ends its session too).
#[derive(Debug, Clone)]
pub struct PagePolicy(HeaderValue);

impl PagePolicy {
    /// The policy, with the identity provider's origin (`https://auth.example.gouv.fr`) among
    /// the forms' targets when there is one.
    pub fn new(provider_origin: Option<&str>) -> Self {
        let form_action = match provider_origin {
            Some(origin) if origin.starts_with("http") && !origin.contains([';', ' ', '\'']) => {
                format!("'self' {origin}")
            }
            _ => "'self'".to_owned(),
        };
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        );
        PagePolicy(
            HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        )
    }
}

/// Renders the errors of pages as pages (the framework's 404, 405, 413, timeouts, panics)
/// and adds the pages' security headers.
pub async fn render_pages(policy: &PagePolicy, request: Request, next: Next) -> Response {
    let mut response = render_error_pages(request, next).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.0.clone());
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::is_page_path;

    #[test]
    fn api_documentation_and_operational_paths_are_not_pages() {
        for path in [
            "/api/v1/projects",
            "/api",
            "/docs/",
            "/health",
            "/ready",
            "/metrics",
        ] {
            assert!(!is_page_path(path), "{path}");
        }
        for path in [
            "/",
            "/espace",
            "/connexion",
            "/apiculture",
            "/assets/terrain-x.css",
        ] {
            assert!(is_page_path(path), "{path}");
        }
    }
}
