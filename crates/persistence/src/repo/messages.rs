//! A project's conversation (SPEC §15): append-only messages (the database refuses updates and
//! deletes), and what each person has read of it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use terrain_domain::{Actor, Message};
use uuid::Uuid;

use super::{projects::converses_in, rows::corrupt};
use crate::{
    StoreError,
    entities::{attachment, message_read, project, project_message, user},
};

/// Adds a message by `author`.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    project: Uuid,
    author: &Actor,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    project_message::Entity::insert(project_message::ActiveModel {
        id: Set(id),
        project_id: Set(project),
        author_id: Set(author.id),
        author_role: Set(author.role.as_str().to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(id)
}

/// A project's messages, oldest first, with their authors' names and their files.
///
/// # Errors
/// When the database fails.
pub async fn of_project(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<Message>, StoreError> {
    let rows = project_message::Entity::find()
        .filter(project_message::Column::ProjectId.eq(project))
        .order_by_asc(project_message::Column::CreatedAt)
        .order_by_asc(project_message::Column::Id)
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let authors: Vec<Uuid> = rows.iter().map(|r| r.author_id).collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(authors))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut files: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let attached: Vec<(Uuid, Option<Uuid>)> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::Id)
        .column(attachment::Column::MessageId)
        .filter(attachment::Column::ProjectId.eq(project))
        .filter(attachment::Column::MessageId.is_not_null())
        .order_by_asc(attachment::Column::UploadedAt)
        .order_by_asc(attachment::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, message) in attached {
        if let Some(message) = message {
            files.entry(message).or_default().push(id);
        }
    }
    rows.into_iter()
        .map(|row| {
            Ok(Message {
                id: row.id,
                project_id: row.project_id,
                author_id: row.author_id,
                author_name: names.get(&row.author_id).cloned().unwrap_or_default(),
                author_role: row
                    .author_role
                    .parse()
                    .map_err(|_| corrupt(format!("role of message {}", row.id)))?,
                body: row.body,
                at: row.created_at,
                attachments: files.remove(&row.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Up to when `account` has read `project`'s conversation.
///
/// # Errors
/// When the database fails.
pub async fn read_at(
    conn: &impl ConnectionTrait,
    account: Uuid,
    project: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(message_read::Entity::find_by_id((account, project))
        .one(conn)
        .await?
        .map(|r| r.read_at))
}

/// `account` has read `project`'s conversation up to `now`.
///
/// # Errors
/// When the database fails.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    account: Uuid,
    project: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    message_read::Entity::insert(message_read::ActiveModel {
        account_id: Set(account),
        project_id: Set(project),
        read_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            message_read::Column::AccountId,
            message_read::Column::ProjectId,
        ])
        .update_column(message_read::Column::ReadAt)
        .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// The messages `actor` has not read yet, by project: written by someone else, after the last
/// time they read that conversation, in the projects whose conversation they take part in.
///
/// # Errors
/// When the database fails.
pub async fn unread(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<HashMap<Uuid, u64>, StoreError> {
    let party = Query::select()
        .expr(Expr::val(1))
        .from(project::Entity)
        .and_where(
            Expr::col((project::Entity, project::Column::Id))
                .equals((project_message::Entity, project_message::Column::ProjectId)),
        )
        .cond_where(converses_in(actor))
        .to_owned();
    let read = Query::select()
        .expr(Expr::val(1))
        .from(message_read::Entity)
        .and_where(Expr::col((message_read::Entity, message_read::Column::AccountId)).eq(actor.id))
        .and_where(
            Expr::col((message_read::Entity, message_read::Column::ProjectId))
                .equals((project_message::Entity, project_message::Column::ProjectId)),
        )
        .and_where(
            Expr::col((message_read::Entity, message_read::Column::ReadAt)).gte(Expr::col((
                project_message::Entity,
                project_message::Column::CreatedAt,
            ))),
        )
        .to_owned();
    let rows: Vec<(Uuid, i64)> = project_message::Entity::find()
        .select_only()
        .column(project_message::Column::ProjectId)
        .column_as(project_message::Column::Id.count(), "n")
        .filter(project_message::Column::AuthorId.ne(actor.id))
        .filter(Expr::exists(party))
        .filter(Expr::exists(read).not())
        .group_by(project_message::Column::ProjectId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(project, n)| (project, u64::try_from(n).unwrap_or(0)))
        .collect())
}
