//! Repositories: functions over any connection or transaction, returning domain types.

pub mod api_tokens;
pub mod attachments;
pub mod batches;
pub mod changes;
pub mod events;
pub mod follow_up;
pub mod followers;
pub mod funds;
pub mod history;
pub mod idempotency;
pub mod messages;
pub mod notes;
pub mod outbox;
pub mod password_resets;
pub mod projects;
pub mod rate_limits;
pub mod reference;
mod rows;
pub mod sessions;
pub mod stats;
pub mod supports;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod webhooks;

use sea_orm::{ColumnTrait, sea_query::Condition};
use terrain_domain::{TerritoryKind, TerritoryPath};

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

/// The condition selecting rows located in `path`'s subtree, given the row's territory column
/// and its denormalised région and académie columns.
pub(crate) fn subtree<C: ColumnTrait>(
    path: &TerritoryPath,
    territory: C,
    region: C,
    academy: C,
) -> Condition {
    let id = path.id.as_str();
    match path.id.kind() {
        TerritoryKind::Country => Condition::all(),
        TerritoryKind::Region => Condition::all().add(region.eq(id)),
        TerritoryKind::Academy => Condition::all().add(academy.eq(id)),
        TerritoryKind::Department => Condition::all().add(territory.eq(id)),
    }
}
