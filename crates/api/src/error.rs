//! One error type for the whole API, rendered as RFC 9457 problem details. Handlers return
//! [`ApiError`]; [`render_problems`] turns every error response (the framework's own rejections
//! included) into the same `application/problem+json` shape, with the request id.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use terrain_app::AppError;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECS: &str = "5";

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request (`title`, `attendance.pupils`, `limit`).
    pub field: String,
    /// What is wrong, in French.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem, as every error response carries it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short French summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A French explanation of this occurrence.
    pub detail: String,
    /// The path of the request.
    pub instance: String,
    /// The request id, also in the `x-request-id` header and in the logs.
    pub request_id: String,
    /// The fields at fault (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// What a handler knows of a problem; the middleware adds the request id and the instance.
#[derive(Debug, Clone)]
struct ProblemDraft {
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

/// Every error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request (bad JSON syntax, unreadable body).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not valid.
    #[error("unauthenticated")]
    Unauthorized,
    /// Authenticated, but the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Missing, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// Not allowed in the current state, or a duplicate.
    #[error("conflict: {0}")]
    Conflict(String),
    /// `If-Match` does not match the current version.
    #[error("precondition failed")]
    PreconditionFailed,
    /// `If-Match` is required and missing.
    #[error("precondition required")]
    PreconditionRequired,
    /// Request body larger than the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Request body not in JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A file larger than accepted; the French reason.
    #[error("file too large: {0}")]
    FileTooLarge(String),
    /// A file of a kind not accepted; the French reason.
    #[error("unsupported file: {0}")]
    UnsupportedFile(String),
    /// One or more fields are invalid.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Too many attempts: try again after `retry_after` seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: i64,
    },
    /// The service is saturated (e.g. every password check slot is taken): try again shortly.
    #[error("busy")]
    Busy,
    /// The database cannot be reached.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug: logged with its cause, answered without it.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge | ApiError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedFile(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn draft(self) -> ProblemDraft {
        let status = self.status();
        let mut draft = ProblemDraft::for_status(status);
        match self {
            ApiError::BadRequest(detail)
            | ApiError::Forbidden(detail)
            | ApiError::Conflict(detail)
            | ApiError::FileTooLarge(detail)
            | ApiError::UnsupportedFile(detail) => draft.detail = detail,
            ApiError::Validation(errors) => draft.errors = errors,
            _ => {}
        }
        draft
    }
}

impl From<terrain_domain::FieldError> for FieldError {
    fn from(error: terrain_domain::FieldError) -> Self {
        FieldError {
            field: error.field,
            message: error.message,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => ApiError::NotFound,
            AppError::Unauthenticated => ApiError::Unauthorized,
            AppError::Forbidden(reason) => ApiError::Forbidden(reason),
            AppError::Conflict(reason) => ApiError::Conflict(reason),
            AppError::TooLarge(reason) => ApiError::FileTooLarge(reason),
            AppError::UnsupportedMedia(reason) => ApiError::UnsupportedFile(reason),
            AppError::Stale => ApiError::PreconditionFailed,
            AppError::VersionRequired => ApiError::PreconditionRequired,
            AppError::Invalid(errors) => {
                ApiError::Validation(errors.into_errors().into_iter().map(Into::into).collect())
            }
            AppError::TooManyRequests { retry_after } => ApiError::TooManyRequests { retry_after },
            AppError::Busy => ApiError::Busy,
            AppError::Unavailable(cause) => ApiError::Unavailable(cause.into()),
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "database unavailable");
            }
            _ => {}
        }
        let unauthorized = matches!(self, ApiError::Unauthorized);
        let mut response = status.into_response();
        if let ApiError::TooManyRequests { retry_after } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after.max(&1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"terrain\""),
            );
        }
        response.extensions_mut().insert(self.draft());
        response
    }
}

impl ProblemDraft {
    fn for_status(status: StatusCode) -> Self {
        let (kind, title, detail) = match status.as_u16() {
            400 => (
                "bad-request",
                "Requête invalide",
                "La requête est mal formée.",
            ),
            401 => (
                "unauthorized",
                "Authentification requise",
                "Un jeton d'accès valide est requis (en-tête Authorization: Bearer).",
            ),
            403 => (
                "forbidden",
                "Action non autorisée",
                "Votre rôle ne permet pas cette action.",
            ),
            404 => (
                "not-found",
                "Ressource introuvable",
                "Cette ressource n'existe pas ou ne vous est pas visible.",
            ),
            405 => (
                "method-not-allowed",
                "Méthode non autorisée",
                "Cette méthode n'est pas permise sur cette ressource (voir l'en-tête Allow).",
            ),
            406 => (
                "not-acceptable",
                "Format non disponible",
                "Le format demandé n'est pas disponible.",
            ),
            408 | 504 => (
                "timeout",
                "Délai dépassé",
                "La requête a pris trop de temps.",
            ),
            409 => (
                "conflict",
                "Conflit",
                "L'action n'est pas possible dans l'état actuel de la ressource.",
            ),
            412 => (
                "precondition-failed",
                "Version périmée",
                "La ressource a changé depuis votre lecture (If-Match) : relisez-la puis recommencez.",
            ),
            413 => (
                "payload-too-large",
                "Corps de requête trop volumineux",
                "Le corps de la requête dépasse 64 Kio.",
            ),
            415 => (
                "unsupported-media-type",
                "Type de contenu non pris en charge",
                "Le corps de la requête doit être du JSON (Content-Type: application/json).",
            ),
            422 => (
                "validation-error",
                "Données invalides",
                "Un ou plusieurs champs sont invalides.",
            ),
            428 => (
                "precondition-required",
                "En-tête If-Match requis",
                "Cette modification exige l'en-tête If-Match avec l'ETag lu.",
            ),
            429 => (
                "too-many-requests",
                "Trop de requêtes",
                "Trop de requêtes : réessayez après le délai indiqué par Retry-After.",
            ),
            503 => (
                "service-unavailable",
                "Service momentanément indisponible",
                "Le service ne peut pas répondre pour le moment : réessayez après le délai indiqué par Retry-After.",
            ),
            s if s >= 500 => (
                "internal-error",
                "Erreur interne",
                "Une erreur inattendue est survenue ; elle a été journalisée avec l'identifiant de requête.",
            ),
            _ => (
                "client-error",
                "Requête refusée",
                "La requête a été refusée.",
            ),
        };
        ProblemDraft {
            kind,
            title,
            detail: detail.to_owned(),
            errors: Vec::new(),
        }
    }
}

/// Renders every 4xx and 5xx response as problem+json, keeping its headers (`Allow`,
/// `Retry-After`, `WWW-Authenticate`) and adding the request id and the instance. Responses
/// built by [`ApiError`] keep their detail; the framework's own get one by status.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let instance = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let draft = response
        .extensions_mut()
        .remove::<ProblemDraft>()
        .unwrap_or_else(|| ProblemDraft::for_status(status));
    let problem = Problem {
        kind: format!("/problems/{}", draft.kind),
        title: draft.title.to_owned(),
        status: status.as_u16(),
        detail: draft.detail,
        instance,
        request_id,
        errors: draft.errors,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        parts
            .headers
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from_static(RETRY_AFTER_SECS));
    }
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// The answer to a request whose handler panicked: logged, then a plain 500 problem.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Answers routes that do not exist.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
