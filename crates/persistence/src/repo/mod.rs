//! Repositories: functions over any connection or transaction, returning domain types.

pub mod idempotency;
pub mod projects;
pub mod reference;
pub mod tokens;
pub mod users;

use sea_orm::DbErr;

use crate::StoreError;

/// One page of a keyset-paginated list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page, at most the limit asked for.
    pub items: Vec<T>,
    /// Whether more items follow the last one.
    pub more: bool,
}

impl<T> Page<T> {
    /// Builds a page from a query that fetched `limit + 1` rows.
    fn from_overfetch(mut rows: Vec<T>, limit: u64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        Page { items: rows, more }
    }
}

/// A stored value that the domain refuses: the database holds something the service never
/// writes.
fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(DbErr::Custom(format!("corrupt stored value: {what}")))
}
