//! A project's history: append-only (the database refuses updates and deletes), read oldest
//! first. Entries are typed [`Change`]s, stored as their codes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use terrain_domain::{Change, CorrectionReason, HistoryEntry};
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
        batch_id: Set(entry.batch),
        reasons: Set((!entry.reasons.is_empty()).then(|| CorrectionReason::join(&entry.reasons))),
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
                batch: row.batch_id,
                reasons: match row.reasons.as_deref() {
                    None => Vec::new(),
                    Some(stored) => CorrectionReason::parse_list(stored)
                        .ok_or_else(|| corrupt(format!("reasons of history entry {}", row.id)))?,
                },
            })
        })
        .collect()
}

/// When each of `projects` last entered its current status by a transition (a draft never
/// did): one query for a whole list.
///
/// # Errors
/// When the database fails.
pub async fn entered_current_status(
    conn: &impl ConnectionTrait,
    projects: &[(Uuid, &str)],
) -> Result<HashMap<Uuid, DateTime<Utc>>, StoreError> {
    if projects.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Option<String>, DateTime<Utc>)> = project_history::Entity::find()
        .select_only()
        .column(project_history::Column::ProjectId)
        .column(project_history::Column::ToValue)
        .column_as(project_history::Column::At.max(), "at")
        .filter(project_history::Column::Kind.eq("transition"))
        .filter(project_history::Column::ProjectId.is_in(projects.iter().map(|(id, _)| *id)))
        .group_by(project_history::Column::ProjectId)
        .group_by(project_history::Column::ToValue)
        .into_tuple()
        .all(conn)
        .await?;
    let current: HashMap<Uuid, &str> = projects.iter().copied().collect();
    Ok(rows
        .into_iter()
        .filter(|(id, to, _)| current.get(id).copied() == to.as_deref())
        .map(|(id, _, at)| (id, at))
        .collect())
}

/// The submissions (first or again) made in `[from, to)`: the project, when, and whether it
/// was a resubmission after changes were requested.
///
/// # Errors
/// When the database fails.
pub async fn submissions_between(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Uuid, DateTime<Utc>, bool)>, StoreError> {
    let rows = project_history::Entity::find()
        .filter(project_history::Column::Kind.eq("transition"))
        .filter(project_history::Column::ToValue.eq("submitted"))
        .filter(project_history::Column::At.gte(from))
        .filter(project_history::Column::At.lt(to))
        .order_by_asc(project_history::Column::At)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let again = row.from_value.as_deref() == Some("changes_requested");
            (row.project_id, row.at, again)
        })
        .collect())
}
