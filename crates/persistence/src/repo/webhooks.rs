//! Webhooks: subscriptions to the change feed, and how far each has been handed to the outbox.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use terrain_domain::{ChangeType, ProgrammeCode, TerritoryId};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{StoreError, entities::webhook};

/// A hook as stored; its territory as an id, which the caller resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHook {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub owner_id: Uuid,
    /// Target.
    pub url: String,
    /// Which changes.
    pub types: Vec<ChangeType>,
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// Only this territory.
    pub territory: Option<TerritoryId>,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// The last `seq` handed to the outbox.
    pub cursor: i64,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Failing since.
    pub failing_since: Option<DateTime<Utc>>,
    /// Disabled at.
    pub disabled_at: Option<DateTime<Utc>>,
}

fn to_hook(model: webhook::Model) -> Result<StoredHook, StoreError> {
    let types = model
        .types
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| corrupt(t)))
        .collect::<Result<Vec<ChangeType>, _>>()?;
    Ok(StoredHook {
        id: model.id,
        owner_id: model.owner_id,
        url: model.url,
        types,
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
        secret: model.secret,
        cursor: model.cursor,
        created_at: model.created_at,
        failing_since: model.failing_since,
        disabled_at: model.disabled_at,
    })
}

/// Stores a new hook.
///
/// # Errors
/// When the database fails.
pub async fn insert(conn: &impl ConnectionTrait, hook: &StoredHook) -> Result<(), StoreError> {
    let types: Vec<&str> = hook.types.iter().map(|t| t.as_str()).collect();
    let model = webhook::ActiveModel {
        id: Set(hook.id),
        owner_id: Set(hook.owner_id),
        url: Set(hook.url.clone()),
        types: Set(types.join(",")),
        programme: Set(hook.programme.as_ref().map(|p| p.as_str().to_owned())),
        territory: Set(hook.territory.as_ref().map(|t| t.as_str().to_owned())),
        secret: Set(hook.secret.clone()),
        cursor: Set(hook.cursor),
        created_at: Set(hook.created_at),
        failing_since: Set(None),
        disabled_at: Set(None),
    };
    webhook::Entity::insert(model).exec(conn).await?;
    Ok(())
}

/// One hook.
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<StoredHook>, StoreError> {
    webhook::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_hook)
        .transpose()
}

/// The hooks of an account, newest first.
///
/// # Errors
/// When the database fails.
pub async fn of_owner(
    conn: &impl ConnectionTrait,
    owner: Uuid,
) -> Result<Vec<StoredHook>, StoreError> {
    webhook::Entity::find()
        .filter(webhook::Column::OwnerId.eq(owner))
        .order_by_desc(webhook::Column::CreatedAt)
        .order_by_desc(webhook::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_hook)
        .collect()
}

/// The hooks still enabled.
///
/// # Errors
/// When the database fails.
pub async fn enabled(conn: &impl ConnectionTrait) -> Result<Vec<StoredHook>, StoreError> {
    webhook::Entity::find()
        .filter(webhook::Column::DisabledAt.is_null())
        .order_by_asc(webhook::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_hook)
        .collect()
}

/// Deletes a hook; `false` when it did not exist.
///
/// # Errors
/// When the database fails.
pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    Ok(webhook::Entity::delete_by_id(id)
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

/// Moves a hook's cursor from `from` to `to`; `false` when another worker moved it first.
///
/// # Errors
/// When the database fails.
pub async fn advance(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: i64,
    to: i64,
) -> Result<bool, StoreError> {
    let result = webhook::Entity::update_many()
        .col_expr(webhook::Column::Cursor, Expr::value(to))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::Cursor.eq(from))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records the outcome of a delivery: a success clears `failing_since`; a failure sets it when
/// unset.
///
/// # Errors
/// When the database fails.
pub async fn answered(
    conn: &impl ConnectionTrait,
    id: Uuid,
    ok: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let update = webhook::Entity::update_many().filter(webhook::Column::Id.eq(id));
    if ok {
        update
            .col_expr(
                webhook::Column::FailingSince,
                Expr::value(None::<DateTime<Utc>>),
            )
            .exec(conn)
            .await?;
    } else {
        update
            .col_expr(webhook::Column::FailingSince, Expr::value(now))
            .filter(webhook::Column::FailingSince.is_null())
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Disables a hook; `false` when it was disabled already.
///
/// # Errors
/// When the database fails.
pub async fn disable(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = webhook::Entity::update_many()
        .col_expr(webhook::Column::DisabledAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::DisabledAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
