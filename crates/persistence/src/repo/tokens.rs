//! Refresh tokens: stored as hashes, spent once, grouped in families so that a reused token
//! revokes every token descended from the same login.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use crate::{StoreError, entities::refresh_token};

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// Row id.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// All tokens rotated from one login share a family.
    pub family_id: Uuid,
    /// After this instant the token is refused.
    pub expires_at: DateTime<Utc>,
    /// Set once the token has been exchanged.
    pub used_at: Option<DateTime<Utc>>,
    /// Set when its family was revoked (logout or reuse).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Stores a new refresh token.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let model = refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        created_at: Set(now),
        used_at: Set(None),
        revoked_at: Set(None),
    };
    refresh_token::Entity::insert(model).exec(conn).await?;
    Ok(())
}

/// The token whose hash is `token_hash`.
///
/// # Errors
/// When the database fails.
pub async fn find_by_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<RefreshToken>, StoreError> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .map(|m| RefreshToken {
            id: m.id,
            user_id: m.user_id,
            family_id: m.family_id,
            expires_at: m.expires_at,
            used_at: m.used_at,
            revoked_at: m.revoked_at,
        }))
}

/// Marks a token as spent, if nobody spent it first. Returns whether this call spent it.
///
/// # Errors
/// When the database fails.
pub async fn spend(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every token of a family.
///
/// # Errors
/// When the database fails.
pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every token of every family of an account (when it is disabled or its password is
/// reset): all its sessions end at once.
///
/// # Errors
/// When the database fails.
pub async fn revoke_all_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
