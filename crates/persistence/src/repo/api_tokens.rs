//! API tokens: stored as a hash of their secret, with the reach they are narrowed to.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Condition, Expr},
};
use terrain_domain::{ProgrammeCode, TerritoryId, TokenAccess, User};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{
    StoreError,
    entities::{api_token, user},
};

/// A token as stored; its territory as an id, which the caller resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Name.
    pub name: String,
    /// Read or write.
    pub access: TokenAccess,
    /// Narrowed to this programme.
    pub programme: Option<ProgrammeCode>,
    /// Narrowed to this territory.
    pub territory: Option<TerritoryId>,
    /// Last day it works.
    pub expires_on: NaiveDate,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn to_token(model: api_token::Model) -> Result<StoredToken, StoreError> {
    Ok(StoredToken {
        id: model.id,
        user_id: model.user_id,
        name: model.name,
        access: model.access.parse().map_err(|_| corrupt(&model.access))?,
        programme: model
            .programme
            .as_deref()
            .map(|p| ProgrammeCode::parse(p).map_err(|_| corrupt(p)))
            .transpose()?,
        territory: model
            .territory
            .as_deref()
            .map(|t| TerritoryId::parse(t).map_err(|_| corrupt(t)))
            .transpose()?,
        expires_on: model.expires_on,
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        revoked_at: model.revoked_at,
    })
}

/// Stores a new token whose secret hashes to `hash`.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    token: &StoredToken,
    hash: String,
) -> Result<(), StoreError> {
    let model = api_token::ActiveModel {
        id: Set(token.id),
        user_id: Set(token.user_id),
        name: Set(token.name.clone()),
        token_hash: Set(hash),
        access: Set(token.access.as_str().to_owned()),
        programme: Set(token.programme.as_ref().map(|p| p.as_str().to_owned())),
        territory: Set(token.territory.as_ref().map(|t| t.as_str().to_owned())),
        expires_on: Set(token.expires_on),
        created_at: Set(token.created_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    api_token::Entity::insert(model).exec(conn).await?;
    Ok(())
}

/// The token whose secret hashes to `hash`, with its owner, in one statement (every request
/// made with a token reads it).
///
/// # Errors
/// When the database fails.
pub async fn find_with_owner(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<(StoredToken, User)>, StoreError> {
    let Some((token, Some(owner))) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .find_also_related(user::Entity)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((
        to_token(token)?,
        super::users::to_user(conn, owner).await?,
    )))
}

/// One token.
///
/// # Errors
/// When the database fails.
pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<StoredToken>, StoreError> {
    api_token::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_token)
        .transpose()
}

/// The tokens of an account that are not revoked, newest first.
///
/// # Errors
/// When the database fails.
pub async fn of_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<StoredToken>, StoreError> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_token)
        .collect()
}

/// Revokes a token; `false` when it was revoked already (or does not exist).
///
/// # Errors
/// When the database fails.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a use of the token, at most once a minute (a write on every request would make
/// each read a write).
///
/// # Errors
/// When the database fails.
pub async fn touch(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(api_token::Column::LastUsedAt.is_null())
                .add(api_token::Column::LastUsedAt.lt(now - Duration::minutes(1))),
        )
        .exec(conn)
        .await?;
    Ok(())
}
