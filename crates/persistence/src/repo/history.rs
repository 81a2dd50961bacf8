//! A project's history: append-only (the database refuses updates and deletes), read oldest
//! first. Entries are typed [`Change`]s, stored as their codes.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use terrain_domain::{Change, HistoryEntry};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{StoreError, entities::project_history};

fn model(project_id: Uuid, entry: &HistoryEntry) -> project_history::ActiveModel {
    project_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        at: Set(entry.at),
        actor_id: Set(entry.actor_id),
        actor_role: Set(entry.actor_role.as_str().to_owned()),
        kind: Set(entry.change.kind().to_owned()),
        action: Set(entry.change.action().to_owned()),
        from_value: Set(entry.change.from_code()),
        to_value: Set(entry.change.to_code()),
        comment: Set(entry.comment.clone()),
    }
}

/// Appends an entry to a project's history.
///
/// # Errors
/// When the database fails.
pub async fn append(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    entry: &HistoryEntry,
) -> Result<(), StoreError> {
    project_history::Entity::insert(model(project_id, entry))
        .exec(conn)
        .await?;
    Ok(())
}

/// Appends many entries at once (bulk loads).
///
/// # Errors
/// When the database fails.
pub async fn append_many(
    conn: &impl ConnectionTrait,
    entries: &[(Uuid, HistoryEntry)],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    project_history::Entity::insert_many(entries.iter().map(|(id, entry)| model(*id, entry)))
        .exec(conn)
        .await?;
    Ok(())
}

/// A project's history, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn of_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let rows = project_history::Entity::find()
        .filter(project_history::Column::ProjectId.eq(project_id))
        .order_by_asc(project_history::Column::At)
        .order_by_asc(project_history::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let change = Change::parse(
                &row.kind,
                &row.action,
                row.from_value.as_deref(),
                row.to_value.as_deref(),
            )
            .ok_or_else(|| corrupt(format!("history entry {}", row.id)))?;
            Ok(HistoryEntry {
                at: row.at,
                actor_id: row.actor_id,
                actor_role: row
                    .actor_role
                    .parse()
                    .map_err(|_| corrupt(&row.actor_role))?,
                change,
                comment: row.comment,
            })
        })
        .collect()
}
