//! The one error of the use cases. Each front door renders it its own way: problem+json in the
//! API, a French page or a message next to the field in the web interface, a line on a terminal.

use terrain_domain::{FieldErrors, access::Denied, stats::FigureOverflow};
use terrain_persistence::{IsRetry, StoreError};

/// Why an operation did not happen. Whatever the variant, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or not visible to the actor (answered as missing).
    #[error("not found")]
    NotFound,
    /// No valid credentials.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The actor may not do this; the French reason.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Not possible in the current state (a transition, an envelope, a duplicate, a limit); the
    /// French reason.
    #[error("conflict: {0}")]
    Conflict(String),
    /// What was sent is larger than accepted; the French reason.
    #[error("too large: {0}")]
    TooLarge(String),
    /// What was sent is of a kind not accepted; the French reason.
    #[error("unsupported media: {0}")]
    UnsupportedMedia(String),
    /// The resource changed since the version the actor read.
    #[error("stale version")]
    Stale,
    /// A change came without the version its author read.
    #[error("version required")]
    VersionRequired,
    /// One or more fields are invalid.
    #[error("invalid fields: {0}")]
    Invalid(FieldErrors),
    /// Too many attempts: try again after `retry_after` seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: i64,
    },
    /// The service is saturated (every password check slot is taken): try again shortly.
    #[error("busy")]
    Busy,
    /// The database cannot be reached, or kept refusing the transaction.
    #[error("unavailable")]
    Unavailable(#[source] StoreError),
    /// A bug: logged with its cause, answered without it.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::one(field, message))
    }

    /// A bug, with its cause.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(cause.into())
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Hidden => AppError::NotFound,
            Denied::Forbidden(reason) => AppError::Forbidden(reason.to_owned()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) | StoreError::Retry(_) => AppError::Unavailable(err),
            StoreError::Conflict(_) => AppError::Conflict("Cette ressource existe déjà.".into()),
            StoreError::Overflow(overflow) => overflow.into(),
            StoreError::Other(_) => AppError::Internal(err.into()),
        }
    }
}

impl From<FigureOverflow> for AppError {
    fn from(overflow: FigureOverflow) -> Self {
        AppError::invalid(
            field_of_metric(&overflow.metric),
            "ce montant ou ce nombre ferait dépasser la borne des chiffres publics \
             (9 × 10^15) : rien n'a été enregistré",
        )
    }
}

/// The request field whose value feeds a statistics metric.
fn field_of_metric(metric: &str) -> String {
    match metric {
        "supports.requested_cents" => "requested_amount_cents".to_owned(),
        "supports.granted_cents" => "amount_cents".to_owned(),
        m if m.starts_with("events.category.") => {
            format!("attendance.{}", m.trim_start_matches("events.category."))
        }
        m if m.contains("participants") => "attendance".to_owned(),
        _ => String::new(),
    }
}

impl IsRetry for AppError {
    fn is_retry(&self) -> bool {
        matches!(self, AppError::Unavailable(StoreError::Retry(_)))
    }
}
