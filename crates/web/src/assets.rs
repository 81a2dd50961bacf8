//! The stylesheet and the icon, compiled into the binary and served under names that hold a
//! hash of their content, with a year of cache: a new version has a new name, so nothing stale
//! is ever shown, and nothing is loaded from another site.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use sha2::{Digest as _, Sha256};

/// One asset: its hashed path, its type and its bytes.
struct Asset {
    path: String,
    content_type: &'static str,
    body: &'static [u8],
}

fn asset(stem: &str, extension: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let digest = Sha256::digest(body);
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Asset {
        path: format!("/assets/{stem}-{short}.{extension}"),
        content_type,
        body,
    }
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        asset(
            "terrain",
            "css",
            "text/css; charset=utf-8",
            include_bytes!("../assets/terrain.css"),
        ),
        asset(
            "terrain",
            "svg",
            "image/svg+xml",
            include_bytes!("../assets/terrain.svg"),
        ),
        asset(
            "terrain",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/terrain.js"),
        ),
    ]
});

/// The path of the stylesheet, for the pages' `<link>`.
pub fn stylesheet() -> &'static str {
    &ASSETS[0].path
}

/// The path of the icon.
pub fn icon() -> &'static str {
    &ASSETS[1].path
}

/// The path of the enhancement script.
pub fn script() -> &'static str {
    &ASSETS[2].path
}

/// `GET /assets/{name}`.
pub async fn serve_asset(Path(name): Path<String>) -> Response {
    let path = format!("/assets/{name}");
    match ASSETS.iter().find(|a| a.path == path) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /favicon.ico`: browsers ask for it on their own; the icon answers.
pub async fn favicon() -> Redirect {
    Redirect::permanent(icon())
}
