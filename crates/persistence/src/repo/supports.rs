//! Support decisions on projects.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use terrain_domain::{Cents, FundCode, Grant, Support};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{StoreError, entities::support};

/// Records a support decision.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    grant: &Grant,
    note: Option<String>,
    granted_by: Uuid,
    granted_at: DateTime<Utc>,
) -> Result<Support, StoreError> {
    let (fund_code, amount) = match grant {
        Grant::Financial { fund, amount } => (Some(fund.as_str().to_owned()), Some(amount.get())),
        Grant::Other(_) => (None, None),
    };
    let model = support::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        kind: Set(grant.kind().as_str().to_owned()),
        fund_code: Set(fund_code),
        amount_cents: Set(amount),
        note: Set(note),
        granted_by: Set(granted_by),
        granted_at: Set(granted_at),
        paid_cents: Set(0),
    };
    let inserted = support::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    to_support(inserted)
}

/// Writes supports exactly as given (for the demonstration data set). Neither funds nor
/// counters are touched.
///
/// # Errors
/// When the database fails.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    supports: &[Support],
) -> Result<(), StoreError> {
    if supports.is_empty() {
        return Ok(());
    }
    let models = supports.iter().map(|s| {
        let (fund_code, amount) = match &s.grant {
            Grant::Financial { fund, amount } => {
                (Some(fund.as_str().to_owned()), Some(amount.get()))
            }
            Grant::Other(_) => (None, None),
        };
        support::ActiveModel {
            id: Set(s.id),
            project_id: Set(s.project_id),
            kind: Set(s.grant.kind().as_str().to_owned()),
            fund_code: Set(fund_code),
            amount_cents: Set(amount),
            note: Set(s.note.clone()),
            granted_by: Set(s.granted_by),
            granted_at: Set(s.granted_at),
            paid_cents: Set(s.paid_cents),
        }
    });
    support::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// A project's supports, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn for_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<Support>, StoreError> {
    support::Entity::find()
        .filter(support::Column::ProjectId.eq(project_id))
        .order_by_asc(support::Column::GrantedAt)
        .order_by_asc(support::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_support)
        .collect()
}

fn to_support(model: support::Model) -> Result<Support, StoreError> {
    let kind = model.kind.parse().map_err(|_| corrupt(&model.kind))?;
    let grant = match (model.fund_code.as_deref(), model.amount_cents) {
        (Some(fund), Some(amount)) => Grant::Financial {
            fund: FundCode::parse(fund).map_err(|_| corrupt(fund))?,
            amount: Cents::new(amount).map_err(|_| corrupt(amount))?,
        },
        _ => Grant::Other(kind),
    };
    Ok(Support {
        id: model.id,
        project_id: model.project_id,
        grant,
        note: model.note,
        granted_by: model.granted_by,
        granted_at: model.granted_at,
        paid_cents: model.paid_cents,
    })
}
