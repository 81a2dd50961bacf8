//! Who follows a project (administrators: the one who starts its review, and whoever chooses
//! to); followers hear of its resubmissions.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use terrain_domain::User;
use uuid::Uuid;

use super::users;
use crate::{StoreError, entities::project_follower};

/// Makes `user` follow `project` (nothing when it does already).
///
/// # Errors
/// When the database fails.
pub async fn follow(
    conn: &impl ConnectionTrait,
    project: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    project_follower::Entity::insert(project_follower::ActiveModel {
        project_id: Set(project),
        user_id: Set(user),
        since: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            project_follower::Column::ProjectId,
            project_follower::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec(conn)
    .await?;
    Ok(())
}

/// Makes `user` stop following `project`.
///
/// # Errors
/// When the database fails.
pub async fn unfollow(
    conn: &impl ConnectionTrait,
    project: Uuid,
    user: Uuid,
) -> Result<(), StoreError> {
    project_follower::Entity::delete_many()
        .filter(project_follower::Column::ProjectId.eq(project))
        .filter(project_follower::Column::UserId.eq(user))
        .exec(conn)
        .await?;
    Ok(())
}

/// The accounts following `project`.
///
/// # Errors
/// When the database fails.
pub async fn of_project(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<User>, StoreError> {
    let rows = project_follower::Entity::find()
        .filter(project_follower::Column::ProjectId.eq(project))
        .all(conn)
        .await?;
    let mut followers = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(user) = users::find(conn, row.user_id).await? {
            followers.push(user);
        }
    }
    Ok(followers)
}
