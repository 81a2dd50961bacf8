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
        if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Other(err)
        }
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
