//! Attached files: their rows (the content lives in the object store), and the bytes each
//! project holds, raised by one conditional update that checks the quota in the same
//! statement, so no interleaving of concurrent uploads passes it.

use std::collections::HashSet;

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use terrain_domain::{Attachment, FileKind, FileName};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{
    StoreError,
    entities::{attachment, project_storage},
};

fn to_attachment(row: attachment::Model) -> Result<(Attachment, Option<Uuid>), StoreError> {
    Ok((
        Attachment {
            kind: row
                .content_type
                .parse::<FileKind>()
                .map_err(|_| corrupt(format!("type of attachment {}", row.id)))?,
            id: row.id,
            project_id: row.project_id,
            name: FileName::stored(row.name),
            size: u64::try_from(row.size).map_err(|_| corrupt("attachment size"))?,
            sha256: row.sha256,
            uploaded_at: row.uploaded_at,
            uploaded_by: row.uploaded_by,
        },
        row.message_id,
    ))
}

/// Records a stored file.
///
/// # Errors
/// When the database fails.
pub async fn insert(conn: &impl ConnectionTrait, file: &Attachment) -> Result<(), StoreError> {
    attachment::Entity::insert(attachment::ActiveModel {
        id: Set(file.id),
        project_id: Set(file.project_id),
        message_id: Set(None),
        name: Set(file.name.as_str().to_owned()),
        size: Set(i64::try_from(file.size).map_err(|_| corrupt("attachment size"))?),
        content_type: Set(file.kind.as_str().to_owned()),
        sha256: Set(file.sha256.clone()),
        uploaded_at: Set(file.uploaded_at),
        uploaded_by: Set(file.uploaded_by),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// A project's files, oldest first, each with the message that carries it, if any.
///
/// # Errors
/// When the database fails.
pub async fn of_project(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<(Attachment, Option<Uuid>)>, StoreError> {
    attachment::Entity::find()
        .filter(attachment::Column::ProjectId.eq(project))
        .order_by_asc(attachment::Column::UploadedAt)
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_attachment)
        .collect()
}

/// One file of a project, with the message that carries it, if any.
///
/// # Errors
/// When the database fails.
pub async fn find(
    conn: &impl ConnectionTrait,
    project: Uuid,
    id: Uuid,
) -> Result<Option<(Attachment, Option<Uuid>)>, StoreError> {
    attachment::Entity::find_by_id(id)
        .filter(attachment::Column::ProjectId.eq(project))
        .one(conn)
        .await?
        .map(to_attachment)
        .transpose()
}

/// Removes a file's row; whether it was there.
///
/// # Errors
/// When the database fails.
pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    let result = attachment::Entity::delete_by_id(id).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

/// Joins `files` to `message`: only those of `project` sent by `uploader` and not carried by
/// another message; how many were joined.
///
/// # Errors
/// When the database fails.
pub async fn join_message(
    conn: &impl ConnectionTrait,
    project: Uuid,
    uploader: Uuid,
    files: &[Uuid],
    message: Uuid,
) -> Result<u64, StoreError> {
    if files.is_empty() {
        return Ok(0);
    }
    let result = attachment::Entity::update_many()
        .col_expr(attachment::Column::MessageId, Expr::value(message))
        .filter(attachment::Column::Id.is_in(files.iter().copied()))
        .filter(attachment::Column::ProjectId.eq(project))
        .filter(attachment::Column::UploadedBy.eq(uploader))
        .filter(attachment::Column::MessageId.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Which of `ids` have a row (the sweeper keeps their objects).
///
/// # Errors
/// When the database fails.
pub async fn existing(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, StoreError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Uuid> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::Id)
        .filter(attachment::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// The bytes a project's files weigh.
///
/// # Errors
/// When the database fails.
pub async fn used(conn: &impl ConnectionTrait, project: Uuid) -> Result<u64, StoreError> {
    let bytes: Option<i64> = project_storage::Entity::find_by_id(project)
        .select_only()
        .column(project_storage::Column::Bytes)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(bytes.map_or(0, |b| u64::try_from(b).unwrap_or(0)))
}

/// Adds `bytes` to what `project` holds if the total stays within `quota`; whether it did.
///
/// # Errors
/// When the database fails.
pub async fn reserve(
    conn: &impl ConnectionTrait,
    project: Uuid,
    bytes: u64,
    quota: u64,
) -> Result<bool, StoreError> {
    let bytes = i64::try_from(bytes).map_err(|_| corrupt("attachment size"))?;
    let quota = i64::try_from(quota).map_err(|_| corrupt("quota"))?;
    project_storage::Entity::insert(project_storage::ActiveModel {
        project_id: Set(project),
        bytes: Set(0),
    })
    .on_conflict(
        OnConflict::column(project_storage::Column::ProjectId)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(conn)
    .await?;
    let result = project_storage::Entity::update_many()
        .col_expr(
            project_storage::Column::Bytes,
            Expr::col(project_storage::Column::Bytes).add(bytes),
        )
        .filter(project_storage::Column::ProjectId.eq(project))
        .filter(
            Expr::col(project_storage::Column::Bytes)
                .add(bytes)
                .lte(quota),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives back `bytes` of `project`'s quota (a file removed).
///
/// # Errors
/// When the database fails.
pub async fn release(
    conn: &impl ConnectionTrait,
    project: Uuid,
    bytes: u64,
) -> Result<(), StoreError> {
    let bytes = i64::try_from(bytes).map_err(|_| corrupt("attachment size"))?;
    project_storage::Entity::update_many()
        .col_expr(
            project_storage::Column::Bytes,
            Expr::col(project_storage::Column::Bytes).sub(bytes),
        )
        .filter(project_storage::Column::ProjectId.eq(project))
        .exec(conn)
        .await?;
    Ok(())
}
