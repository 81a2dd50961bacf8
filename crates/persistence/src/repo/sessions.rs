//! Web sessions: rows a cookie points at, by the hash of the cookie's value.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait as _, Query},
};
use uuid::Uuid;

use crate::{
    StoreError,
    entities::{refresh_token, session},
};

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The account.
    pub user_id: Uuid,
    /// The refresh-token family of its sign-in.
    pub family_id: Uuid,
    /// The token its forms carry.
    pub csrf: String,
    /// Last request seen.
    pub last_seen_at: DateTime<Utc>,
    /// A one-shot notice for the next page.
    pub notice: Option<String>,
    /// The identity provider's ID token, when the provider opened the session.
    pub id_token: Option<String>,
}

/// Stores a new session.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    user_id: Uuid,
    family_id: Uuid,
    csrf: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    session::Entity::insert(session::ActiveModel {
        id_hash: Set(id_hash.to_owned()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        csrf: Set(csrf.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        notice: Set(None),
        id_token: Set(None),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Keeps the identity provider's ID token of a session it opened (signing out hands it back).
///
/// # Errors
/// When the database fails.
pub async fn set_id_token(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    id_token: &str,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::IdToken, Expr::value(id_token))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// The session of a cookie, when its sign-in is still alive: its family has a token that was
/// not revoked (signing out, a reused refresh token or disabling the account revokes them).
///
/// # Errors
/// When the database fails.
pub async fn find_alive(
    conn: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<SessionRow>, StoreError> {
    // One query: the session, if a token of its family is still unrevoked.
    let alive = Query::select()
        .expr(Expr::val(1))
        .from(refresh_token::Entity)
        .and_where(
            Expr::col((refresh_token::Entity, refresh_token::Column::FamilyId))
                .equals((session::Entity, session::Column::FamilyId)),
        )
        .and_where(Expr::col((refresh_token::Entity, refresh_token::Column::RevokedAt)).is_null())
        .to_owned();
    let Some(row) = session::Entity::find_by_id(id_hash.to_owned())
        .filter(Expr::exists(alive))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SessionRow {
        user_id: row.user_id,
        family_id: row.family_id,
        csrf: row.csrf,
        last_seen_at: row.last_seen_at,
        notice: row.notice,
        id_token: row.id_token,
    }))
}

/// Notes the time of a request, and sets (or clears) the notice for the next page.
///
/// # Errors
/// When the database fails.
pub async fn touch(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
    notice: Option<Option<String>>,
) -> Result<(), StoreError> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .filter(session::Column::IdHash.eq(id_hash));
    if let Some(notice) = notice {
        update = update.col_expr(session::Column::Notice, Expr::value(notice));
    }
    update.exec(conn).await?;
    Ok(())
}

/// Forgets a session.
///
/// # Errors
/// When the database fails.
pub async fn delete(conn: &impl ConnectionTrait, id_hash: &str) -> Result<(), StoreError> {
    session::Entity::delete_many()
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets the sessions idle since before `before`.
///
/// # Errors
/// When the database fails.
pub async fn purge_idle(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::LastSeenAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}
