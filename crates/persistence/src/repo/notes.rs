//! Private notes of the administrators on a project.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use terrain_domain::review::Note;
use uuid::Uuid;

use super::users;
use crate::{StoreError, entities::project_note};

/// Adds a note.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    project: Uuid,
    author: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    project_note::Entity::insert(project_note::ActiveModel {
        id: Set(id),
        project_id: Set(project),
        author_id: Set(author),
        body: Set(body.to_owned()),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(id)
}

/// A project's notes, oldest first, with their authors' names.
///
/// # Errors
/// When the database fails.
pub async fn of_project(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<Note>, StoreError> {
    let rows = project_note::Entity::find()
        .filter(project_note::Column::ProjectId.eq(project))
        .order_by_asc(project_note::Column::CreatedAt)
        .order_by_asc(project_note::Column::Id)
        .all(conn)
        .await?;
    let mut notes = Vec::with_capacity(rows.len());
    for row in rows {
        let author_name = users::find(conn, row.author_id)
            .await?
            .map_or_else(String::new, |u| u.display_name);
        notes.push(Note {
            id: row.id,
            project_id: row.project_id,
            author_id: row.author_id,
            author_name,
            body: row.body,
            created_at: row.created_at,
        });
    }
    Ok(notes)
}
