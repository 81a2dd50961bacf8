//! Batches of decisions: the batch, one item per project with its outcome. A worker claims a
//! running batch with a lease (as the outbox does), works through its items one transaction
//! each, and marks it done; a batch whose worker died is taken up again when the lease runs out.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, sea_query::Expr,
};
use terrain_domain::review::{Batch, BatchAction, BatchItem, BatchStatus, Outcome};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{
    StoreError,
    entities::{batch, batch_item},
};

/// Writes a running batch and its items, in the order given.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    actor: Uuid,
    action: BatchAction,
    comment: Option<&str>,
    projects: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    batch::Entity::insert(batch::ActiveModel {
        id: Set(id),
        actor_id: Set(actor),
        action: Set(action.as_str().to_owned()),
        comment: Set(comment.map(str::to_owned)),
        status: Set(BatchStatus::Running.as_str().to_owned()),
        total: Set(i32::try_from(projects.len()).unwrap_or(i32::MAX)),
        locked_until: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    })
    .exec(conn)
    .await?;
    let items = projects
        .iter()
        .enumerate()
        .map(|(position, project)| batch_item::ActiveModel {
            batch_id: Set(id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            project_id: Set(*project),
            outcome: Set(None),
            reason: Set(None),
        });
    for chunk in items.collect::<Vec<_>>().chunks(100) {
        batch_item::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(id)
}

/// A batch with its items.
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Batch>, StoreError> {
    let Some(row) = batch::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let items = batch_item::Entity::find()
        .filter(batch_item::Column::BatchId.eq(id))
        .order_by_asc(batch_item::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|item| {
            Ok(BatchItem {
                project_id: item.project_id,
                outcome: item
                    .outcome
                    .as_deref()
                    .map(|o| o.parse().map_err(|_| corrupt(o)))
                    .transpose()?,
                reason: item.reason,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(Batch {
        id: row.id,
        actor_id: row.actor_id,
        action: row.action.parse().map_err(|_| corrupt(&row.action))?,
        comment: row.comment,
        status: row.status.parse().map_err(|_| corrupt(&row.status))?,
        created_at: row.created_at,
        finished_at: row.finished_at,
        items,
    }))
}

/// Takes one running batch whose lease has run out (or never started) until `lease_until`.
///
/// # Errors
/// When the database fails.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let backend = conn.get_database_backend();
    let (skip_locked, p) = match backend {
        DbBackend::Postgres => (" FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3"]),
        _ => ("", ["?1", "?2", "?3"]),
    };
    let sql = format!(
        "UPDATE batches SET locked_until = {lease} WHERE id IN (SELECT id FROM batches \
         WHERE status = {running} AND (locked_until IS NULL OR locked_until <= {now}) \
         ORDER BY created_at LIMIT 1{skip_locked}) RETURNING id",
        lease = p[0],
        running = p[1],
        now = p[2],
    );
    let statement = Statement::from_sql_and_values(
        backend,
        sql,
        [
            lease_until.into(),
            BatchStatus::Running.as_str().into(),
            now.into(),
        ],
    );
    match conn.query_one_raw(statement).await? {
        Some(row) => Ok(Some(row.try_get("", "id")?)),
        None => Ok(None),
    }
}

/// Extends the lease of a batch being worked on.
///
/// # Errors
/// When the database fails.
pub async fn extend(
    conn: &impl ConnectionTrait,
    id: Uuid,
    lease_until: DateTime<Utc>,
) -> Result<(), StoreError> {
    batch::Entity::update_many()
        .col_expr(batch::Column::LockedUntil, Expr::value(lease_until))
        .filter(batch::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The next items without an outcome, in order: `(position, project)`.
///
/// # Errors
/// When the database fails.
pub async fn pending_items(
    conn: &impl ConnectionTrait,
    id: Uuid,
    limit: u64,
) -> Result<Vec<(i32, Uuid)>, StoreError> {
    Ok(batch_item::Entity::find()
        .select_only()
        .column(batch_item::Column::Position)
        .column(batch_item::Column::ProjectId)
        .filter(batch_item::Column::BatchId.eq(id))
        .filter(batch_item::Column::Outcome.is_null())
        .order_by_asc(batch_item::Column::Position)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Records the outcome of one item (once: an item that has one keeps it).
///
/// # Errors
/// When the database fails.
pub async fn record(
    conn: &impl ConnectionTrait,
    id: Uuid,
    position: i32,
    outcome: Outcome,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    batch_item::Entity::update_many()
        .col_expr(batch_item::Column::Outcome, Expr::value(outcome.as_str()))
        .col_expr(
            batch_item::Column::Reason,
            Expr::value(reason.map(str::to_owned)),
        )
        .filter(batch_item::Column::BatchId.eq(id))
        .filter(batch_item::Column::Position.eq(position))
        .filter(batch_item::Column::Outcome.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Marks a batch done.
///
/// # Errors
/// When the database fails.
pub async fn finish(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    batch::Entity::update_many()
        .col_expr(
            batch::Column::Status,
            Expr::value(BatchStatus::Done.as_str()),
        )
        .col_expr(batch::Column::FinishedAt, Expr::value(now))
        .col_expr(
            batch::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(batch::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
