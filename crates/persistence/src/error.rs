//! Database errors sorted once, at the boundary, into what callers can act on.

use std::ops::Deref;

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

/// A storage failure, sorted by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness or foreign-key rule refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is saturated: try again later.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// The transaction lost a race (PostgreSQL serialization failure or deadlock) and was rolled
    /// back: running it again may succeed.
    #[error("transaction conflict")]
    Retry(#[source] DbErr),
    /// A figure would leave its bounds; nothing was written.
    #[error(transparent)]
    Overflow(#[from] terrain_domain::stats::FigureOverflow),
    /// Anything else: a bug or corrupted data.
    #[error("database error")]
    Other(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if let Some(
            SqlErr::UniqueConstraintViolation(msg) | SqlErr::ForeignKeyConstraintViolation(msg),
        ) = err.sql_err()
        {
            return StoreError::Conflict(msg);
        }
        if is_retryable(&err) {
            StoreError::Retry(err)
        } else if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Other(err)
        }
    }
}

/// PostgreSQL's serialization failure (40001) and deadlock (40P01).
fn is_retryable(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.deref() {
                sqlx::Error::Database(db) => db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|pg| matches!(pg.code(), "40001" | "40P01")),
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_unavailable(err: &DbErr) -> bool {
    match err {
        // Whatever stops a connection from being established or handed out.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            is_sqlx_unavailable(e.deref())
        }
        _ => false,
    }
}

fn is_sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                // Connection exceptions (08…), operator intervention (57…, e.g. the database
                // is shutting down), insufficient resources (53…).
                code.starts_with("08") || code.starts_with("57") || code.starts_with("53")
            } else {
                // SQLite: BUSY (5), LOCKED (6), READONLY (8), IOERR (10) and CANTOPEN (14),
                // with their extended codes. (A PostgreSQL SQLSTATE such as 22021 must not be
                // read this way: its low byte is 5.)
                let primary = code.parse::<i32>().ok().map(|c| c & 0xff);
                matches!(primary, Some(5 | 6 | 8 | 10 | 14))
            }
        }
        _ => false,
    }
}

/// Runs `attempt` again, up to four more times with a short growing pause, while it fails with
/// [`StoreError::Retry`]; past that the database counts as unavailable (503, `Retry-After`).
/// `attempt` must do its whole transaction, from the first read to the commit.
///
/// # Errors
/// The last error of `attempt`.
pub async fn retrying<T, E, F, Fut>(attempt: F) -> Result<T, E>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: From<StoreError> + IsRetry,
{
    let mut pause = std::time::Duration::from_millis(5);
    for _ in 0..4 {
        match attempt().await {
            Err(error) if error.is_retry() => {
                tracing::debug!("transaction conflict: running it again");
                tokio::time::sleep(pause).await;
                pause *= 3;
            }
            outcome => return outcome,
        }
    }
    match attempt().await {
        Err(error) if error.is_retry() => Err(E::from(StoreError::Unavailable(DbErr::Custom(
            "transaction conflicts persisted".into(),
        )))),
        outcome => outcome,
    }
}

/// Errors that can say they are a lost race worth running again.
pub trait IsRetry {
    /// Whether the failed transaction may succeed if run again.
    fn is_retry(&self) -> bool;
}

impl IsRetry for StoreError {
    fn is_retry(&self) -> bool {
        matches!(self, StoreError::Retry(_))
    }
}
