//! Rate-limit counters: one row per key and fixed window (its start, in seconds since the
//! epoch), counted by the database so that every instance counts for the same service.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};

use crate::{StoreError, entities::rate_limit};

/// Counts one more hit on `key` in the window starting at `window_start`; returns the count
/// including this hit.
///
/// # Errors
/// When the database fails.
pub async fn hit(
    conn: &impl ConnectionTrait,
    key: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    let mut insert = Query::insert();
    insert
        .into_table(rate_limit::Entity)
        .columns([
            rate_limit::Column::Key,
            rate_limit::Column::WindowStart,
            rate_limit::Column::Count,
        ])
        .values_panic([key.into(), window_start.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([rate_limit::Column::Key, rate_limit::Column::WindowStart])
                .value(
                    rate_limit::Column::Count,
                    Expr::col((Alias::new("rate_limits"), Alias::new("count"))).add(1),
                )
                .to_owned(),
        )
        .returning_col(rate_limit::Column::Count);
    let row = conn.query_one(&insert).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "count"))
        .transpose()?
        .unwrap_or(1))
}

/// The hits counted on `key` in the window starting at `window_start`.
///
/// # Errors
/// When the database fails.
pub async fn count(
    conn: &impl ConnectionTrait,
    key: &str,
    window_start: i64,
) -> Result<i64, StoreError> {
    Ok(
        rate_limit::Entity::find_by_id((key.to_owned(), window_start))
            .one(conn)
            .await?
            .map_or(0, |row| row.count),
    )
}

/// Forgets the windows that started before `before`.
///
/// # Errors
/// When the database fails.
pub async fn purge(conn: &impl ConnectionTrait, before: i64) -> Result<u64, StoreError> {
    Ok(rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowStart.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}
