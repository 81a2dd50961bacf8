//! The stylesheet, compiled into the binary and served under a name that holds a hash of its
//! content, with a year of cache: a new version has a new name, so nothing stale is ever shown.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest as _, Sha256};

const STYLESHEET: &str = include_str!("../assets/terrain.css");

static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("/assets/terrain-{short}.css")
});

/// The path of the stylesheet, for the pages' `<link>`.
pub fn stylesheet() -> &'static str {
    &STYLESHEET_PATH
}

/// `GET /assets/{name}`.
pub async fn serve_asset(Path(name): Path<String>) -> Response {
    if format!("/assets/{name}") == *STYLESHEET_PATH {
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            STYLESHEET,
        )
            .into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
