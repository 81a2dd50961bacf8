//! Decision templates: ready-made comments per programme and action.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use terrain_domain::{Action, ProgrammeCode, review::DecisionTemplate};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{StoreError, entities::decision_template};

fn to_template(row: decision_template::Model) -> Result<DecisionTemplate, StoreError> {
    Ok(DecisionTemplate {
        id: row.id,
        programme: ProgrammeCode::parse(&row.programme).map_err(|_| corrupt(&row.programme))?,
        action: row.action.parse().map_err(|_| corrupt(&row.action))?,
        title: row.title,
        body: row.body,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Stores a template.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    programme: &ProgrammeCode,
    action: Action,
    title: &str,
    body: &str,
    author: Uuid,
    now: DateTime<Utc>,
) -> Result<DecisionTemplate, StoreError> {
    let row = decision_template::Entity::insert(decision_template::ActiveModel {
        id: Set(Uuid::now_v7()),
        programme: Set(programme.as_str().to_owned()),
        action: Set(action.as_str().to_owned()),
        title: Set(title.to_owned()),
        body: Set(body.to_owned()),
        created_by: Set(author),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(conn)
    .await?;
    to_template(row)
}

/// One template.
///
/// # Errors
/// When the database fails.
pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<DecisionTemplate>, StoreError> {
    decision_template::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_template)
        .transpose()
}

/// The templates of the programmes given (every programme when `None`), by programme, action
/// and title.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    programme: Option<&ProgrammeCode>,
    action: Option<Action>,
) -> Result<Vec<DecisionTemplate>, StoreError> {
    let mut select = decision_template::Entity::find();
    if let Some(programme) = programme {
        select = select.filter(decision_template::Column::Programme.eq(programme.as_str()));
    }
    if let Some(action) = action {
        select = select.filter(decision_template::Column::Action.eq(action.as_str()));
    }
    select
        .order_by_asc(decision_template::Column::Programme)
        .order_by_asc(decision_template::Column::Action)
        .order_by_asc(decision_template::Column::Title)
        .all(conn)
        .await?
        .into_iter()
        .map(to_template)
        .collect()
}

/// Replaces a template's title and text.
///
/// # Errors
/// When the database fails.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Option<DecisionTemplate>, StoreError> {
    let Some(row) = decision_template::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut model: decision_template::ActiveModel = row.into();
    model.title = Set(title.to_owned());
    model.body = Set(body.to_owned());
    model.updated_at = Set(now);
    let row = decision_template::Entity::update(model).exec(conn).await?;
    to_template(row).map(Some)
}

/// Deletes a template.
///
/// # Errors
/// When the database fails.
pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    let deleted = decision_template::Entity::delete_by_id(id)
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected > 0)
}
