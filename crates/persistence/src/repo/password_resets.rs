//! Password reset links: stored by the hash of their token, valid until `expires_at`, usable
//! once.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use crate::{StoreError, entities::password_reset};

/// Stores a new link.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    user: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    password_reset::Entity::insert(password_reset::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        user_id: Set(user),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The account of a link that is unused and unexpired, whether it is still so; nothing is
/// changed (the form is shown only for a live link).
///
/// # Errors
/// When the database fails.
pub async fn live(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    Ok(password_reset::Entity::find_by_id(token_hash.to_owned())
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
        .map(|row| row.user_id))
}

/// Uses a link: the account it resets, if the link was live, and it is not any more. Two
/// uses at once: one wins.
///
/// # Errors
/// When the database fails.
pub async fn spend(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let Some(user) = live(conn, token_hash, now).await? else {
        return Ok(None);
    };
    let spent = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok((spent.rows_affected == 1).then_some(user))
}
