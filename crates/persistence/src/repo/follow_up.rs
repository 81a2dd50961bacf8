//! After the decision: milestones, indicators and their measurements, the final report, and
//! payments (never above what a support granted, by one conditional update).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use terrain_domain::{
    Cents, Indicator, Measurement, Milestone, Payment, Report,
    follow_up::{IndicatorDraft, MilestoneDraft, ReportDraft},
};
use uuid::Uuid;

use super::rows::corrupt;
use crate::{
    StoreError,
    entities::{fund, indicator, measurement, milestone, payment, project, report, support},
};

fn to_milestone(m: milestone::Model) -> Milestone {
    Milestone {
        id: m.id,
        project_id: m.project_id,
        title: m.title,
        due_on: m.due_on,
        done_on: m.done_on,
        created_at: m.created_at,
    }
}

fn to_indicator(m: indicator::Model) -> Indicator {
    Indicator {
        id: m.id,
        project_id: m.project_id,
        name: m.name,
        unit: m.unit,
        baseline: m.baseline,
        target: m.target,
        latest: m.latest_value,
        created_at: m.created_at,
    }
}

fn to_measurement(m: measurement::Model) -> Measurement {
    Measurement {
        id: m.id,
        indicator_id: m.indicator_id,
        value: m.value,
        measured_on: m.measured_on,
        note: m.note,
        created_at: m.created_at,
    }
}

fn to_payment(m: payment::Model) -> Result<Payment, StoreError> {
    Ok(Payment {
        id: m.id,
        project_id: m.project_id,
        support_id: m.support_id,
        amount: Cents::new(m.amount_cents).map_err(|_| corrupt(m.amount_cents))?,
        paid_on: m.paid_on,
        created_at: m.created_at,
    })
}

/// A project's milestones, by due date.
///
/// # Errors
/// When the database fails.
pub async fn milestones(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<Milestone>, StoreError> {
    Ok(milestone::Entity::find()
        .filter(milestone::Column::ProjectId.eq(project))
        .order_by_asc(milestone::Column::DueOn)
        .order_by_asc(milestone::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_milestone)
        .collect())
}

/// One milestone of a project.
///
/// # Errors
/// When the database fails.
pub async fn find_milestone(
    conn: &impl ConnectionTrait,
    project: Uuid,
    id: Uuid,
) -> Result<Option<Milestone>, StoreError> {
    Ok(milestone::Entity::find_by_id(id)
        .filter(milestone::Column::ProjectId.eq(project))
        .one(conn)
        .await?
        .map(to_milestone))
}

/// Adds a milestone.
///
/// # Errors
/// When the database fails.
pub async fn insert_milestone(
    conn: &impl ConnectionTrait,
    project: Uuid,
    draft: &MilestoneDraft,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Milestone, StoreError> {
    let model = milestone::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project),
        title: Set(draft.title.clone()),
        due_on: Set(draft.due_on),
        done_on: Set(draft.done_on),
        created_at: Set(now),
        created_by: Set(by),
        updated_at: Set(now),
    };
    Ok(to_milestone(
        milestone::Entity::insert(model)
            .exec_with_returning(conn)
            .await?,
    ))
}

/// Rewrites a milestone if it is still as `old` was read (its done date the same), so that two
/// concurrent changes cannot both count it done. Returns the milestone now, or `None` when it
/// changed meanwhile.
///
/// # Errors
/// When the database fails.
pub async fn update_milestone(
    conn: &impl ConnectionTrait,
    old: &Milestone,
    draft: &MilestoneDraft,
    now: DateTime<Utc>,
) -> Result<Option<Milestone>, StoreError> {
    let mut update = milestone::Entity::update_many()
        .col_expr(milestone::Column::Title, Expr::value(draft.title.clone()))
        .col_expr(milestone::Column::DueOn, Expr::value(draft.due_on))
        .col_expr(milestone::Column::DoneOn, Expr::value(draft.done_on))
        .col_expr(milestone::Column::UpdatedAt, Expr::value(now))
        .filter(milestone::Column::Id.eq(old.id));
    update = match old.done_on {
        Some(day) => update.filter(milestone::Column::DoneOn.eq(day)),
        None => update.filter(milestone::Column::DoneOn.is_null()),
    };
    if update.exec(conn).await?.rows_affected != 1 {
        return Ok(None);
    }
    find_milestone(conn, old.project_id, old.id).await
}

/// A project's indicators, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn indicators(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<Indicator>, StoreError> {
    Ok(indicator::Entity::find()
        .filter(indicator::Column::ProjectId.eq(project))
        .order_by_asc(indicator::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_indicator)
        .collect())
}

/// One indicator of a project.
///
/// # Errors
/// When the database fails.
pub async fn find_indicator(
    conn: &impl ConnectionTrait,
    project: Uuid,
    id: Uuid,
) -> Result<Option<Indicator>, StoreError> {
    Ok(indicator::Entity::find_by_id(id)
        .filter(indicator::Column::ProjectId.eq(project))
        .one(conn)
        .await?
        .map(to_indicator))
}

/// Adds an indicator, not measured yet.
///
/// # Errors
/// When the database fails.
pub async fn insert_indicator(
    conn: &impl ConnectionTrait,
    project: Uuid,
    draft: &IndicatorDraft,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Indicator, StoreError> {
    let model = indicator::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project),
        name: Set(draft.name.clone()),
        unit: Set(draft.unit.clone()),
        baseline: Set(draft.baseline),
        target: Set(draft.target),
        latest_value: Set(None),
        latest_on: Set(None),
        latest_at: Set(None),
        created_at: Set(now),
        created_by: Set(by),
    };
    Ok(to_indicator(
        indicator::Entity::insert(model)
            .exec_with_returning(conn)
            .await?,
    ))
}

/// The measurements of a project's indicators, by indicator and date.
///
/// # Errors
/// When the database fails.
pub async fn measurements(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<HashMap<Uuid, Vec<Measurement>>, StoreError> {
    let mut by_indicator: HashMap<Uuid, Vec<Measurement>> = HashMap::new();
    for model in measurement::Entity::find()
        .filter(measurement::Column::ProjectId.eq(project))
        .order_by_asc(measurement::Column::MeasuredOn)
        .order_by_asc(measurement::Column::CreatedAt)
        .order_by_asc(measurement::Column::Id)
        .all(conn)
        .await?
    {
        by_indicator
            .entry(model.indicator_id)
            .or_default()
            .push(to_measurement(model));
    }
    Ok(by_indicator)
}

/// How many measurements an indicator holds.
///
/// # Errors
/// When the database fails.
pub async fn measurement_count(
    conn: &impl ConnectionTrait,
    indicator: Uuid,
) -> Result<u64, StoreError> {
    let count: Option<i64> = measurement::Entity::find()
        .select_only()
        .column_as(Expr::col(measurement::Column::Id).count(), "n")
        .filter(measurement::Column::IndicatorId.eq(indicator))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(u64::try_from(count.unwrap_or_default()).unwrap_or_default())
}

/// Records a measurement, which becomes the indicator's latest unless a later date is already
/// measured (on the same date, the one recorded last wins). Returns it with the indicator
/// before and after. The indicator's row is locked first (on PostgreSQL; SQLite has one writer
/// already), so that concurrent measurements are counted one after the other.
///
/// # Errors
/// When the database fails.
pub async fn insert_measurement(
    conn: &impl ConnectionTrait,
    indicator: &Indicator,
    value: f64,
    measured_on: NaiveDate,
    note: Option<String>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(Measurement, Indicator, Indicator), StoreError> {
    let mut select = indicator::Entity::find_by_id(indicator.id);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select = select.lock(sea_orm::sea_query::LockType::Update);
    }
    let before = select
        .one(conn)
        .await?
        .map(to_indicator)
        .ok_or_else(|| corrupt("indicator vanished"))?;
    let model = measurement::ActiveModel {
        id: Set(Uuid::now_v7()),
        indicator_id: Set(indicator.id),
        project_id: Set(indicator.project_id),
        value: Set(value),
        measured_on: Set(measured_on),
        note: Set(note),
        created_at: Set(now),
        created_by: Set(by),
    };
    let inserted = to_measurement(
        measurement::Entity::insert(model)
            .exec_with_returning(conn)
            .await?,
    );
    indicator::Entity::update_many()
        .col_expr(indicator::Column::LatestValue, Expr::value(value))
        .col_expr(indicator::Column::LatestOn, Expr::value(measured_on))
        .col_expr(indicator::Column::LatestAt, Expr::value(now))
        .filter(indicator::Column::Id.eq(indicator.id))
        .filter(
            sea_orm::Condition::any()
                .add(indicator::Column::LatestOn.is_null())
                .add(indicator::Column::LatestOn.lte(measured_on)),
        )
        .exec(conn)
        .await?;
    let now_is = find_indicator(conn, indicator.project_id, indicator.id)
        .await?
        .ok_or_else(|| corrupt("indicator vanished"))?;
    Ok((inserted, before, now_is))
}

/// A project's final report.
///
/// # Errors
/// When the database fails.
pub async fn report(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Option<Report>, StoreError> {
    Ok(report::Entity::find_by_id(project)
        .one(conn)
        .await?
        .map(|m| Report {
            summary: m.summary,
            results: m.results,
            recommendations: m.recommendations,
            updated_at: m.updated_at,
        }))
}

/// Writes (or rewrites) a project's final report.
///
/// # Errors
/// When the database fails.
pub async fn put_report(
    conn: &impl ConnectionTrait,
    project: Uuid,
    draft: &ReportDraft,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let model = report::ActiveModel {
        project_id: Set(project),
        summary: Set(draft.summary.clone()),
        results: Set(draft.results.clone()),
        recommendations: Set(draft.recommendations.clone()),
        updated_at: Set(now),
        updated_by: Set(by),
    };
    report::Entity::insert(model)
        .on_conflict(
            OnConflict::column(report::Column::ProjectId)
                .update_columns([
                    report::Column::Summary,
                    report::Column::Results,
                    report::Column::Recommendations,
                    report::Column::UpdatedAt,
                    report::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(Report {
        summary: draft.summary.clone(),
        results: draft.results.clone(),
        recommendations: draft.recommendations.clone(),
        updated_at: now,
    })
}

/// A project's payments, by date paid.
///
/// # Errors
/// When the database fails.
pub async fn payments(
    conn: &impl ConnectionTrait,
    project: Uuid,
) -> Result<Vec<Payment>, StoreError> {
    payment::Entity::find()
        .filter(payment::Column::ProjectId.eq(project))
        .order_by_asc(payment::Column::PaidOn)
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_payment)
        .collect()
}

/// A payment to record.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// The project.
    pub project: Uuid,
    /// Its financial support paid from.
    pub support_id: Uuid,
    /// The support's fund.
    pub fund_code: &'a str,
    /// The amount.
    pub amount: Cents,
    /// When it was paid.
    pub paid_on: NaiveDate,
    /// Who records it.
    pub by: Uuid,
}

/// Pays the amount of a financial support if what was paid stays within what was granted, by
/// one conditional update (concurrent payments can never pass the amount), and adds it to the
/// fund's paid amount. Returns the payment, or `None` when it would pass.
///
/// # Errors
/// When the database fails.
pub async fn pay(
    conn: &impl ConnectionTrait,
    new: &NewPayment<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Payment>, StoreError> {
    let NewPayment {
        project,
        support_id,
        fund_code,
        amount,
        paid_on,
        by,
    } = *new;
    let amount_cents = amount.get();
    let paid = support::Entity::update_many()
        .col_expr(
            support::Column::PaidCents,
            Expr::col(support::Column::PaidCents).add(amount_cents),
        )
        .filter(support::Column::Id.eq(support_id))
        .filter(support::Column::ProjectId.eq(project))
        .filter(
            Expr::col(support::Column::PaidCents)
                .add(amount_cents)
                .lte(Expr::col(support::Column::AmountCents)),
        )
        .exec(conn)
        .await?;
    if paid.rows_affected != 1 {
        return Ok(None);
    }
    fund::Entity::update_many()
        .col_expr(
            fund::Column::PaidCents,
            Expr::col(fund::Column::PaidCents).add(amount_cents),
        )
        .filter(fund::Column::Code.eq(fund_code))
        .exec(conn)
        .await?;
    let model = payment::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project),
        support_id: Set(support_id),
        amount_cents: Set(amount_cents),
        paid_on: Set(paid_on),
        created_at: Set(now),
        created_by: Set(by),
    };
    to_payment(
        payment::Entity::insert(model)
            .exec_with_returning(conn)
            .await?,
    )
    .map(Some)
}

/// Writes follow-up rows exactly as given (for the demonstration data set): the projects'
/// figures, supports' and funds' paid amounts are the caller's business.
#[derive(Debug, Default)]
pub struct Bulk {
    /// Milestones.
    pub milestones: Vec<(Milestone, Uuid)>,
    /// Indicators (their latest value set).
    pub indicators: Vec<(Indicator, Uuid)>,
    /// Measurements of those indicators.
    pub measurements: Vec<(Measurement, Uuid, Uuid)>,
    /// Reports.
    pub reports: Vec<(Uuid, Report, Uuid)>,
    /// Payments.
    pub payments: Vec<(Payment, Uuid)>,
}

/// Writes a [`Bulk`] of follow-up rows, in chunks.
///
/// # Errors
/// When the database fails.
pub async fn insert_bulk(conn: &impl ConnectionTrait, bulk: &Bulk) -> Result<(), StoreError> {
    const CHUNK: usize = 500;
    for chunk in bulk.milestones.chunks(CHUNK) {
        milestone::Entity::insert_many(chunk.iter().map(|(m, by)| milestone::ActiveModel {
            id: Set(m.id),
            project_id: Set(m.project_id),
            title: Set(m.title.clone()),
            due_on: Set(m.due_on),
            done_on: Set(m.done_on),
            created_at: Set(m.created_at),
            created_by: Set(*by),
            updated_at: Set(m.created_at),
        }))
        .exec(conn)
        .await?;
    }
    // The latest date measured of each indicator, as the incremental path keeps it.
    let mut latest: HashMap<Uuid, (NaiveDate, DateTime<Utc>, Uuid)> = HashMap::new();
    for (m, ..) in &bulk.measurements {
        let key = (m.measured_on, m.created_at, m.id);
        let entry = latest.entry(m.indicator_id).or_insert(key);
        if key > *entry {
            *entry = key;
        }
    }
    for chunk in bulk.indicators.chunks(CHUNK) {
        indicator::Entity::insert_many(chunk.iter().map(|(i, by)| {
            let last = latest.get(&i.id);
            indicator::ActiveModel {
                id: Set(i.id),
                project_id: Set(i.project_id),
                name: Set(i.name.clone()),
                unit: Set(i.unit.clone()),
                baseline: Set(i.baseline),
                target: Set(i.target),
                latest_value: Set(i.latest),
                latest_on: Set(last.map(|l| l.0)),
                latest_at: Set(last.map(|l| l.1)),
                created_at: Set(i.created_at),
                created_by: Set(*by),
            }
        }))
        .exec(conn)
        .await?;
    }
    for chunk in bulk.measurements.chunks(CHUNK) {
        measurement::Entity::insert_many(chunk.iter().map(|(m, project, by)| {
            measurement::ActiveModel {
                id: Set(m.id),
                indicator_id: Set(m.indicator_id),
                project_id: Set(*project),
                value: Set(m.value),
                measured_on: Set(m.measured_on),
                note: Set(m.note.clone()),
                created_at: Set(m.created_at),
                created_by: Set(*by),
            }
        }))
        .exec(conn)
        .await?;
    }
    for chunk in bulk.reports.chunks(CHUNK) {
        report::Entity::insert_many(chunk.iter().map(|(project, r, by)| report::ActiveModel {
            project_id: Set(*project),
            summary: Set(r.summary.clone()),
            results: Set(r.results.clone()),
            recommendations: Set(r.recommendations.clone()),
            updated_at: Set(r.updated_at),
            updated_by: Set(*by),
        }))
        .exec(conn)
        .await?;
    }
    for chunk in bulk.payments.chunks(CHUNK) {
        payment::Entity::insert_many(chunk.iter().map(|(p, by)| payment::ActiveModel {
            id: Set(p.id),
            project_id: Set(p.project_id),
            support_id: Set(p.support_id),
            amount_cents: Set(p.amount.get()),
            paid_on: Set(p.paid_on),
            created_at: Set(p.created_at),
            created_by: Set(*by),
        }))
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// Recomputes every project's follow-up figures from the rows they sum up (payments,
/// milestones, indicators with their latest measurement, reports): the first step of a
/// statistics rebuild, so that a drift of the figures kept write by write shows as a drift of
/// the counters.
///
/// # Errors
/// When the database fails.
pub async fn recount(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    conn.execute_unprepared(
        "UPDATE projects SET \
         paid_cents = COALESCE((SELECT SUM(p.amount_cents) FROM payments p \
             WHERE p.project_id = projects.id), 0), \
         milestones_total = (SELECT COUNT(*) FROM milestones m WHERE m.project_id = projects.id), \
         milestones_done = (SELECT COUNT(*) FROM milestones m \
             WHERE m.project_id = projects.id AND m.done_on IS NOT NULL), \
         indicators_total = (SELECT COUNT(*) FROM indicators i WHERE i.project_id = projects.id), \
         indicators_met = 0, \
         reported = EXISTS (SELECT 1 FROM reports r WHERE r.project_id = projects.id)",
    )
    .await?;
    // The latest measurement of each indicator decides whether it is met.
    let mut latest: HashMap<Uuid, (NaiveDate, DateTime<Utc>, Uuid, f64)> = HashMap::new();
    for m in measurement::Entity::find().all(conn).await? {
        let key = (m.measured_on, m.created_at, m.id, m.value);
        let entry = latest.entry(m.indicator_id).or_insert(key);
        if (key.0, key.1, key.2) > (entry.0, entry.1, entry.2) {
            *entry = key;
        }
    }
    let mut met: HashMap<Uuid, i32> = HashMap::new();
    for model in indicator::Entity::find().all(conn).await? {
        let mut indicator = to_indicator(model);
        indicator.latest = latest.get(&indicator.id).map(|l| l.3);
        if indicator.met() {
            *met.entry(indicator.project_id).or_default() += 1;
        }
    }
    for (project_id, n) in met {
        project::Entity::update_many()
            .col_expr(project::Column::IndicatorsMet, Expr::value(n))
            .filter(project::Column::Id.eq(project_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}
