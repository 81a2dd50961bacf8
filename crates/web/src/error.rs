//! Pages for what went wrong, in French, with the site's shell: never a bare status, never a
//! 500 with internal text.

use axum::{
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use maud::html;
use terrain_app::AppError;

use crate::layout::{Page, Rendered};

/// Why a page was not served.
#[derive(Debug)]
pub enum PageError {
    /// Missing, or not for this person (as missing).
    NotFound,
    /// Not allowed; the reason.
    Forbidden(String),
    /// A form without its session's token (forged, or from another session).
    BadToken,
    /// Too many attempts.
    TooMany(i64),
    /// A use case failed in a way the page does not handle itself.
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => PageError::NotFound,
            AppError::Forbidden(reason) => PageError::Forbidden(reason),
            AppError::TooManyRequests { retry_after } => PageError::TooMany(retry_after),
            other => PageError::App(other),
        }
    }
}

/// The error page of a status, for whoever is looking (anonymous: the page does not read the
/// session again).
pub fn error_page(status: StatusCode, detail: Option<&str>) -> Response {
    let (title, text) = match status.as_u16() {
        403 => ("Accès refusé", "Vous ne pouvez pas faire cela."),
        404 => (
            "Page introuvable",
            "Cette page n'existe pas, ou elle ne vous est pas accessible.",
        ),
        413 => (
            "Envoi trop volumineux",
            "Le contenu envoyé est trop volumineux.",
        ),
        429 => (
            "Trop de tentatives",
            "Trop de tentatives en peu de temps : patientez quelques instants avant de recommencer.",
        ),
        400..=499 => ("Requête refusée", "La requête n'a pas pu être traitée."),
        503 => (
            "Service momentanément indisponible",
            "Le service ne peut pas répondre pour le moment : réessayez dans quelques instants.",
        ),
        _ => (
            "Erreur inattendue",
            "Une erreur inattendue est survenue ; elle a été enregistrée. Réessayez plus tard.",
        ),
    };
    let body = html! {
        h1 { (title) }
        p { (detail.unwrap_or(text)) }
        p { a href="/" { "Revenir à l'accueil" } }
    };
    Page::new(title, crate::session::Viewer::nobody(), body)
        .with_status(status)
        .into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::NotFound => error_page(StatusCode::NOT_FOUND, None),
            PageError::Forbidden(reason) => error_page(StatusCode::FORBIDDEN, Some(&reason)),
            PageError::BadToken => error_page(
                StatusCode::FORBIDDEN,
                Some(
                    "Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez. Rien n'a été modifié.",
                ),
            ),
            PageError::TooMany(retry_after) => {
                let mut response = error_page(StatusCode::TOO_MANY_REQUESTS, None);
                if let Ok(value) = retry_after.max(1).to_string().parse() {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            PageError::App(AppError::Unavailable(cause)) => {
                tracing::warn!(error = %cause, "database unavailable");
                error_page(StatusCode::SERVICE_UNAVAILABLE, None)
            }
            PageError::App(AppError::Busy) => error_page(StatusCode::SERVICE_UNAVAILABLE, None),
            PageError::App(other) => {
                tracing::error!(error = format!("{other:#}"), "page failed");
                error_page(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        }
    }
}

/// Renders as a page every error answer that is not one already (the framework's 404, 405,
/// 413, timeouts, panics).
pub async fn render_error_pages(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if (status.is_client_error() || status.is_server_error())
        && response.extensions().get::<Rendered>().is_none()
    {
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut page = error_page(status, None);
        if let Some(value) = retry_after {
            page.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if let Some(value) = allow {
            page.headers_mut().insert(header::ALLOW, value);
        }
        return page;
    }
    response
}
