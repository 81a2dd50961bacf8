//! Funds. Money is committed by one conditional update that checks the envelope in the same
//! statement, so no interleaving of concurrent grants can overspend it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use terrain_domain::{Cents, Fund, FundCode, NewFund, ProgrammeCode, TerritoryPath};

use super::{Page, rows::to_fund, subtree};
use crate::{StoreError, entities::fund};

/// Creates a fund with nothing committed.
///
/// # Errors
/// [`StoreError::Conflict`] when the code is taken.
pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewFund,
    now: DateTime<Utc>,
) -> Result<Fund, StoreError> {
    let territory = new.territory.as_ref();
    let model = fund::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(new.name),
        programme: Set(new.programme.as_str().to_owned()),
        territory_id: Set(territory.map(|t| t.id.as_str().to_owned())),
        region_id: Set(territory
            .and_then(|t| t.region.as_ref())
            .map(|r| r.as_str().to_owned())),
        academy_id: Set(territory
            .and_then(|t| t.academy.as_ref())
            .map(|a| a.as_str().to_owned())),
        year: Set(new.year),
        envelope_cents: Set(new.envelope.get()),
        committed_cents: Set(0),
        paid_cents: Set(0),
        created_at: Set(now),
    };
    let inserted = fund::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    to_fund(inserted)
}

/// Writes funds exactly as given, committed amounts included (for the demonstration data set).
///
/// # Errors
/// When the database fails.
pub async fn insert_many(conn: &impl ConnectionTrait, funds: &[Fund]) -> Result<(), StoreError> {
    if funds.is_empty() {
        return Ok(());
    }
    let models = funds.iter().map(|f| {
        let territory = f.territory.as_ref();
        fund::ActiveModel {
            code: Set(f.code.as_str().to_owned()),
            name: Set(f.name.clone()),
            programme: Set(f.programme.as_str().to_owned()),
            territory_id: Set(territory.map(|t| t.id.as_str().to_owned())),
            region_id: Set(territory
                .and_then(|t| t.region.as_ref())
                .map(|r| r.as_str().to_owned())),
            academy_id: Set(territory
                .and_then(|t| t.academy.as_ref())
                .map(|a| a.as_str().to_owned())),
            year: Set(f.year),
            envelope_cents: Set(f.envelope.get()),
            committed_cents: Set(f.committed_cents),
            paid_cents: Set(f.paid_cents),
            created_at: Set(f.created_at),
        }
    });
    fund::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// One fund.
///
/// # Errors
/// When the database fails.
pub async fn find(
    conn: &impl ConnectionTrait,
    code: &FundCode,
) -> Result<Option<Fund>, StoreError> {
    fund::Entity::find_by_id(code.as_str())
        .one(conn)
        .await?
        .map(to_fund)
        .transpose()
}

/// Filters of the fund list.
#[derive(Debug, Clone, Default)]
pub struct FundQuery {
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// Only funds whose territory lies in this subtree.
    pub territory: Option<TerritoryPath>,
    /// Only this year.
    pub year: Option<i32>,
}

/// Funds by code, after `after`.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    query: &FundQuery,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Fund>, StoreError> {
    let mut select = fund::Entity::find();
    if let Some(programme) = &query.programme {
        select = select.filter(fund::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &query.territory {
        select = select.filter(subtree(
            territory,
            fund::Column::TerritoryId,
            fund::Column::RegionId,
            fund::Column::AcademyId,
        ));
    }
    if let Some(year) = query.year {
        select = select.filter(fund::Column::Year.eq(year));
    }
    if let Some(after) = after {
        select = select.filter(fund::Column::Code.gt(after));
    }
    let rows = select
        .order_by_asc(fund::Column::Code)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let funds = rows
        .into_iter()
        .map(to_fund)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(funds, limit))
}

/// Commits `amount` on the fund if the envelope still holds it. Returns whether it did.
///
/// # Errors
/// When the database fails.
pub async fn commit(
    conn: &impl ConnectionTrait,
    code: &FundCode,
    amount: Cents,
) -> Result<bool, StoreError> {
    let result = fund::Entity::update_many()
        .col_expr(
            fund::Column::CommittedCents,
            Expr::col(fund::Column::CommittedCents).add(amount.get()),
        )
        .filter(fund::Column::Code.eq(code.as_str()))
        .filter(
            Expr::col(fund::Column::CommittedCents)
                .add(amount.get())
                .lte(Expr::col(fund::Column::EnvelopeCents)),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
