//! Statistics: counters kept up to date by every write, sums over them for the figures without
//! a period, and aggregates computed by the database over the rows of a period.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Alias, Condition, Expr, ExprTrait, OnConflict, Query, SimpleExpr},
};
use terrain_domain::{
    Event, ProgrammeCode, Project, Stage, Status, SupportKind, TerritoryPath,
    stats::{
        self, Delta, EVER_SUBMITTED, FIGURE_MAX, FigureOverflow, Interval, TimelineMetric,
        stage_metric, status_metric,
    },
};

use super::{
    rows::{corrupt, to_event, to_project},
    subtree,
};
use crate::{
    StoreError,
    entities::{event, event_attendance, project, stat_counter, stats_version},
};

const BATCH: usize = 400;

/// A counter's place and name: programme, territory, metric, bucket.
type CounterKey = (String, String, String, String);

/// Adds `delta` to the counters (creating the ones that do not exist yet) and bumps the
/// statistics version of every programme concerned. A change that would take a counter past
/// [`FIGURE_MAX`] (or below zero) changes nothing and fails: the caller's transaction must be
/// rolled back.
///
/// # Errors
/// [`StoreError::Overflow`] naming the metric, or when the database fails.
pub async fn apply(conn: &impl ConnectionTrait, delta: &Delta) -> Result<(), StoreError> {
    let rows: Vec<_> = delta.nonzero().collect();
    if let Some(((_, _, metric, _), _)) = rows
        .iter()
        .find(|(_, value)| !(-FIGURE_MAX..=FIGURE_MAX).contains(value))
    {
        return Err(overflow(metric));
    }
    for chunk in rows.chunks(BATCH) {
        let mut insert = Query::insert();
        insert.into_table(stat_counter::Entity).columns([
            stat_counter::Column::Programme,
            stat_counter::Column::TerritoryId,
            stat_counter::Column::Metric,
            stat_counter::Column::Bucket,
            stat_counter::Column::Value,
        ]);
        for ((programme, territory, metric, bucket), value) in chunk {
            insert.values_panic([
                programme.clone().into(),
                territory.clone().into(),
                metric.clone().into(),
                bucket.clone().into(),
                (*value).into(),
            ]);
        }
        let current = || Expr::col((Alias::new("stat_counters"), Alias::new("value")));
        let change = || Expr::col((Alias::new("excluded"), Alias::new("value")));
        // The new value must stay within [0, FIGURE_MAX]; each bound is compared without
        // computing a sum that could itself overflow.
        let within: SimpleExpr = Expr::case(
            change().gt(0),
            current().lte(Expr::val(FIGURE_MAX).sub(change())),
        )
        .finally(current().gte(Expr::val(0).sub(change())))
        .into();
        insert.on_conflict(
            OnConflict::columns([
                stat_counter::Column::TerritoryId,
                stat_counter::Column::Bucket,
                stat_counter::Column::Programme,
                stat_counter::Column::Metric,
            ])
            .value(stat_counter::Column::Value, current().add(change()))
            .action_and_where(within)
            .to_owned(),
        );
        let written = conn.execute(&insert).await?.rows_affected();
        if written != chunk.len() as u64 {
            return Err(overflow(&first_out_of_bounds(conn, chunk).await?));
        }
    }
    let mut programmes: Vec<&str> = rows.iter().map(|((p, ..), _)| p.as_str()).collect();
    programmes.sort_unstable();
    programmes.dedup();
    for programme in programmes {
        bump_version(conn, programme).await?;
    }
    Ok(())
}

fn overflow(metric: &str) -> StoreError {
    StoreError::Overflow(FigureOverflow {
        metric: metric.to_owned(),
    })
}

/// The metric of the first row of `chunk` whose counter the change would take out of bounds.
async fn first_out_of_bounds(
    conn: &impl ConnectionTrait,
    chunk: &[(&CounterKey, i64)],
) -> Result<String, StoreError> {
    for ((programme, territory, metric, bucket), change) in chunk {
        let current: Option<i64> = stat_counter::Entity::find_by_id((
            territory.clone(),
            bucket.clone(),
            programme.clone(),
            metric.clone(),
        ))
        .one(conn)
        .await?
        .map(|row| row.value);
        let after = current.unwrap_or(0).checked_add(*change);
        if !after.is_some_and(|v| (0..=FIGURE_MAX).contains(&v)) {
            return Ok(metric.clone());
        }
    }
    Ok(chunk
        .first()
        .map(|((_, _, metric, _), _)| metric.clone())
        .unwrap_or_default())
}

/// Bumps the version of one programme's statistics, in the transaction of the counters' change.
/// One row per programme, so writers of different programmes never wait for each other.
async fn bump_version(conn: &impl ConnectionTrait, programme: &str) -> Result<(), StoreError> {
    let mut insert = Query::insert();
    insert
        .into_table(stats_version::Entity)
        .columns([
            stats_version::Column::Programme,
            stats_version::Column::Version,
        ])
        .values_panic([programme.into(), 1.into()])
        .on_conflict(
            OnConflict::column(stats_version::Column::Programme)
                .value(
                    stats_version::Column::Version,
                    Expr::col((Alias::new("stats_versions"), Alias::new("version"))).add(1),
                )
                .to_owned(),
        );
    conn.execute(&insert).await?;
    Ok(())
}

/// The version of the statistics of `programme` (of every programme when `None`, as one
/// string): it changes in the same transaction as any counter of the programme, so a figure
/// computed at one version stays exact until the version moves.
///
/// # Errors
/// When the database fails.
pub async fn version(
    conn: &impl ConnectionTrait,
    programme: Option<&ProgrammeCode>,
) -> Result<String, StoreError> {
    let mut select = stats_version::Entity::find().order_by_asc(stats_version::Column::Programme);
    if let Some(programme) = programme {
        select = select.filter(stats_version::Column::Programme.eq(programme.as_str()));
    }
    let rows = select.all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| format!("{}={}", r.programme, r.version))
        .collect::<Vec<_>>()
        .join(","))
}

/// Adds `sign` × the figures of `project` to `delta`.
///
/// # Errors
/// [`StoreError::Overflow`] when the sum leaves the bounds of a figure.
pub fn add_project(delta: &mut Delta, project: &Project, sign: i64) -> Result<(), StoreError> {
    delta
        .add(
            &project.fields.programme,
            &project.territory_path,
            &stats::project_figures(project, &project.support_kinds),
            sign,
        )
        .map_err(StoreError::Overflow)
}

/// Adds `sign` × the figures of `event` to `delta`.
///
/// # Errors
/// [`StoreError::Overflow`] when the sum leaves the bounds of a figure.
pub fn add_event(delta: &mut Delta, event: &Event, sign: i64) -> Result<(), StoreError> {
    delta
        .add(
            &event.programme,
            &event.territory,
            &stats::event_figures(event),
            sign,
        )
        .map_err(StoreError::Overflow)
}

/// Sets one counter to `value`, for repairs and for tests that need a counter at the edge of
/// its bound.
///
/// # Errors
/// When the database fails.
pub async fn set_counter(
    conn: &impl ConnectionTrait,
    programme: &ProgrammeCode,
    territory: &str,
    metric: &str,
    value: i64,
) -> Result<(), StoreError> {
    let mut insert = Query::insert();
    insert
        .into_table(stat_counter::Entity)
        .columns([
            stat_counter::Column::Programme,
            stat_counter::Column::TerritoryId,
            stat_counter::Column::Metric,
            stat_counter::Column::Bucket,
            stat_counter::Column::Value,
        ])
        .values_panic([
            programme.as_str().into(),
            territory.into(),
            metric.into(),
            "".into(),
            value.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                stat_counter::Column::TerritoryId,
                stat_counter::Column::Bucket,
                stat_counter::Column::Programme,
                stat_counter::Column::Metric,
            ])
            .update_column(stat_counter::Column::Value)
            .to_owned(),
        );
    conn.execute(&insert).await?;
    bump_version(conn, programme.as_str()).await
}

/// Throws every counter away and computes them again from the projects, supports and events.
/// Used after bulk loads; the result equals what the incremental updates maintain.
///
/// # Errors
/// When the database fails.
pub async fn rebuild(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    const PAGE: u64 = 2_000;
    super::follow_up::recount(conn).await?;
    stat_counter::Entity::delete_many().exec(conn).await?;
    let mut delta = Delta::default();
    let mut after = None;
    loop {
        let mut select = project::Entity::find().order_by_asc(project::Column::Id);
        if let Some(last) = after {
            select = select.filter(project::Column::Id.gt(last));
        }
        let rows = select.limit(PAGE).all(conn).await?;
        after = rows.last().map(|r| r.id);
        for model in rows {
            add_project(&mut delta, &to_project(model)?, 1)?;
        }
        if after.is_none() {
            break;
        }
    }
    for model in event::Entity::find().all(conn).await? {
        add_event(&mut delta, &to_event(model, Vec::new())?, 1)?;
    }
    apply(conn, &delta).await
}

/// Where and what: the filters every statistic takes.
#[derive(Debug, Clone)]
pub struct StatsScope {
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// This territory's subtree.
    pub territory: TerritoryPath,
}

/// Total figures by metric for each of `territories` (no timeline), from the counters.
///
/// # Errors
/// When the database fails.
pub async fn totals(
    conn: &impl ConnectionTrait,
    programme: Option<&ProgrammeCode>,
    territories: &[String],
) -> Result<HashMap<String, BTreeMap<String, i64>>, StoreError> {
    let mut result: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    if territories.is_empty() {
        return Ok(result);
    }
    let mut select = stat_counter::Entity::find()
        .select_only()
        .column(stat_counter::Column::TerritoryId)
        .column(stat_counter::Column::Metric)
        .column_as(
            Expr::col(stat_counter::Column::Value)
                .sum()
                .cast_as("bigint"),
            "total",
        )
        .filter(stat_counter::Column::TerritoryId.is_in(territories.iter().map(String::as_str)))
        .filter(stat_counter::Column::Bucket.eq(""))
        .group_by(stat_counter::Column::TerritoryId)
        .group_by(stat_counter::Column::Metric);
    if let Some(programme) = programme {
        select = select.filter(stat_counter::Column::Programme.eq(programme.as_str()));
    }
    let rows: Vec<(String, String, Option<i64>)> = select.into_tuple().all(conn).await?;
    for (territory, metric, total) in rows {
        result
            .entry(territory)
            .or_default()
            .insert(metric, total.unwrap_or_default());
    }
    Ok(result)
}

/// The timeline of `territory` by bucket and metric, from the counters.
///
/// # Errors
/// When the database fails.
pub async fn timeline(
    conn: &impl ConnectionTrait,
    programme: Option<&ProgrammeCode>,
    territory: &str,
    interval: Interval,
) -> Result<BTreeMap<String, BTreeMap<String, i64>>, StoreError> {
    let prefix = format!("timeline.{}.", interval.as_str());
    let mut select = stat_counter::Entity::find()
        .select_only()
        .column(stat_counter::Column::Bucket)
        .column(stat_counter::Column::Metric)
        .column_as(
            Expr::col(stat_counter::Column::Value)
                .sum()
                .cast_as("bigint"),
            "total",
        )
        .filter(stat_counter::Column::TerritoryId.eq(territory))
        .filter(stat_counter::Column::Metric.starts_with(&prefix))
        .group_by(stat_counter::Column::Bucket)
        .group_by(stat_counter::Column::Metric);
    if let Some(programme) = programme {
        select = select.filter(stat_counter::Column::Programme.eq(programme.as_str()));
    }
    let rows: Vec<(String, String, Option<i64>)> = select.into_tuple().all(conn).await?;
    let mut result: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (bucket, metric, total) in rows {
        let metric = metric.trim_start_matches(&prefix).to_owned();
        result
            .entry(bucket)
            .or_default()
            .insert(metric, total.unwrap_or_default());
    }
    Ok(result)
}

fn project_filter(scope: &StatsScope) -> Condition {
    let mut condition = Condition::all().add(subtree(
        &scope.territory,
        project::Column::TerritoryId,
        project::Column::RegionId,
        project::Column::AcademyId,
    ));
    if let Some(programme) = &scope.programme {
        condition = condition.add(project::Column::Programme.eq(programme.as_str()));
    }
    condition
}

fn event_filter(scope: &StatsScope, from: DateTime<Utc>, until: DateTime<Utc>) -> Condition {
    let mut condition = Condition::all()
        .add(subtree(
            &scope.territory,
            event::Column::TerritoryId,
            event::Column::RegionId,
            event::Column::AcademyId,
        ))
        .add(event::Column::StartsAt.gte(from))
        .add(event::Column::StartsAt.lt(until));
    if let Some(programme) = &scope.programme {
        condition = condition.add(event::Column::Programme.eq(programme.as_str()));
    }
    condition
}

/// `SUM(expr)` as a 64-bit integer on both engines, 0 over no row.
fn sum(expr: SimpleExpr) -> SimpleExpr {
    Expr::expr(expr).sum().cast_as("bigint")
}

/// 1 where `condition` holds, else 0.
fn one_if(condition: SimpleExpr) -> SimpleExpr {
    Expr::case(condition, 1).finally(0).into()
}

/// One group of the projects of a period: how many, and what they sum to.
#[derive(Debug, FromQueryResult)]
struct ProjectGroup {
    status: String,
    stage: String,
    projects: i64,
    requested: Option<i64>,
    granted: Option<i64>,
    supported: Option<i64>,
    financial: Option<i64>,
    methodological: Option<i64>,
    human: Option<i64>,
    training: Option<i64>,
    scientific: Option<i64>,
    paid: Option<i64>,
    indicators: Option<i64>,
    met: Option<i64>,
    measured: Option<i64>,
}

/// Total figures of the projects first submitted in `[from, until)` and the events starting
/// then, aggregated by the database (a few groups come back, whatever the number of rows). The
/// figures are those of [`stats::project_figures`] and [`stats::event_figures`], summed.
///
/// # Errors
/// When the database fails.
pub async fn period_totals(
    conn: &impl ConnectionTrait,
    scope: &StatsScope,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let kind = |kind: SupportKind| {
        sum(one_if(
            Expr::col(project::Column::SupportKinds).like(format!("%{}%", kind.as_str())),
        ))
    };
    let groups = project::Entity::find()
        .select_only()
        .column(project::Column::Status)
        .column(project::Column::Stage)
        .column_as(Expr::col(project::Column::Id).count(), "projects")
        .column_as(
            sum(Expr::col(project::Column::RequestedAmountCents)),
            "requested",
        )
        .column_as(sum(Expr::col(project::Column::GrantedCents)), "granted")
        .column_as(
            sum(one_if(Expr::col(project::Column::SupportCount).gt(0))),
            "supported",
        )
        .column_as(kind(SupportKind::Financial), "financial")
        .column_as(kind(SupportKind::Methodological), "methodological")
        .column_as(kind(SupportKind::Human), "human")
        .column_as(kind(SupportKind::Training), "training")
        .column_as(kind(SupportKind::Scientific), "scientific")
        .column_as(sum(Expr::col(project::Column::PaidCents)), "paid")
        .column_as(
            sum(Expr::col(project::Column::IndicatorsTotal).cast_as("bigint")),
            "indicators",
        )
        .column_as(
            sum(Expr::col(project::Column::IndicatorsMet).cast_as("bigint")),
            "met",
        )
        .column_as(
            sum(one_if(Expr::col(project::Column::IndicatorsTotal).gt(0))),
            "measured",
        )
        .filter(project_filter(scope))
        .filter(project::Column::SubmittedAt.gte(from))
        .filter(project::Column::SubmittedAt.lt(until))
        .group_by(project::Column::Status)
        .group_by(project::Column::Stage)
        .into_model::<ProjectGroup>()
        .all(conn)
        .await?;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |metric: String, value: Option<i64>| {
        let value = value.unwrap_or_default();
        if value != 0 {
            let entry = totals.entry(metric).or_default();
            *entry = entry.saturating_add(value);
        }
    };
    for group in groups {
        let status: Status = group.status.parse().map_err(|_| corrupt(&group.status))?;
        let stage: Stage = group.stage.parse().map_err(|_| corrupt(&group.stage))?;
        add(status_metric(status), Some(group.projects));
        add(EVER_SUBMITTED.to_owned(), Some(group.projects));
        add(stage_metric(stage), Some(group.projects));
        add("supports.requested_cents".into(), group.requested);
        add("supports.granted_cents".into(), group.granted);
        add("supports.supported_projects".into(), group.supported);
        for (kind, count) in [
            (SupportKind::Financial, group.financial),
            (SupportKind::Methodological, group.methodological),
            (SupportKind::Human, group.human),
            (SupportKind::Training, group.training),
            (SupportKind::Scientific, group.scientific),
        ] {
            add(format!("supports.kind.{}", kind.as_str()), count);
        }
        add(stats::PAID_CENTS.into(), group.paid);
        add(stats::INDICATORS_TOTAL.into(), group.indicators);
        add(stats::INDICATORS_MET.into(), group.met);
        add(stats::PROJECTS_WITH_INDICATORS.into(), group.measured);
    }
    let (count, participants): (i64, Option<i64>) = event::Entity::find()
        .select_only()
        .column_as(Expr::col(event::Column::Id).count(), "count")
        .column_as(sum(Expr::col(event::Column::Participants)), "participants")
        .filter(event_filter(scope, from, until))
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or((0, None));
    add("events.count".into(), Some(count));
    add("events.participants".into(), participants);
    let linked = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .cond_where(event_filter(scope, from, until))
        .to_owned();
    let categories: Vec<(String, Option<i64>)> = event_attendance::Entity::find()
        .select_only()
        .column(event_attendance::Column::Category)
        .column_as(sum(Expr::col(event_attendance::Column::Count)), "total")
        .filter(event_attendance::Column::EventId.in_subquery(linked))
        .group_by(event_attendance::Column::Category)
        .into_tuple()
        .all(conn)
        .await?;
    for (category, total) in categories {
        add(format!("events.category.{category}"), total);
    }
    Ok(totals)
}

/// The day (UTC) of a timestamp column, as `YYYY-MM-DD` text.
fn day_of(backend: DbBackend, column: &str) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        )),
        // SQLite holds timestamps as RFC 3339 text in UTC: the day is their first ten
        // characters.
        _ => Expr::cust(format!("substr({column}, 1, 10)")),
    }
}

/// The timeline of `[from, until)` by bucket and metric: the database counts per day (at most
/// one row per day of the period), the days are then put in their month or week.
///
/// # Errors
/// When the database fails.
pub async fn period_timeline(
    conn: &impl ConnectionTrait,
    scope: &StatsScope,
    interval: Interval,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<BTreeMap<String, BTreeMap<String, i64>>, StoreError> {
    let backend = conn.get_database_backend();
    let mut result: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut add = |metric: TimelineMetric, day: &str, value: i64| -> Result<(), StoreError> {
        let day: NaiveDate = day.parse().map_err(|_| corrupt(day))?;
        let at = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let entry = result
            .entry(interval.bucket(at))
            .or_default()
            .entry(metric.as_str().to_owned())
            .or_default();
        *entry = entry.saturating_add(value);
        Ok(())
    };
    let per_day = |column: project::Column| {
        project::Entity::find()
            .select_only()
            .column_as(day_of(backend, column.as_str()), "day")
            .column_as(Expr::col(project::Column::Id).count(), "count")
            .filter(project_filter(scope))
            .filter(column.gte(from))
            .filter(column.lt(until))
            .group_by(day_of(backend, column.as_str()))
    };
    let submitted: Vec<(String, i64)> = per_day(project::Column::SubmittedAt)
        .into_tuple()
        .all(conn)
        .await?;
    for (day, count) in submitted {
        add(TimelineMetric::Submitted, &day, count)?;
    }
    let validated: Vec<(String, i64)> = per_day(project::Column::DecidedAt)
        .filter(project::Column::Status.eq(Status::Validated.as_str()))
        .filter(project::Column::SubmittedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    for (day, count) in validated {
        add(TimelineMetric::Validated, &day, count)?;
    }
    let starts = day_of(backend, "starts_at");
    let events: Vec<(String, i64, Option<i64>)> = event::Entity::find()
        .select_only()
        .column_as(starts.clone(), "day")
        .column_as(Expr::col(event::Column::Id).count(), "count")
        .column_as(sum(Expr::col(event::Column::Participants)), "participants")
        .filter(event_filter(scope, from, until))
        .group_by(starts)
        .into_tuple()
        .all(conn)
        .await?;
    for (day, count, participants) in events {
        add(TimelineMetric::Events, &day, count)?;
        add(
            TimelineMetric::Participants,
            &day,
            participants.unwrap_or_default(),
        )?;
    }
    Ok(result)
}

/// Every counter, for checks that incremental updates and a rebuild agree.
///
/// # Errors
/// When the database fails.
pub async fn snapshot(
    conn: &impl ConnectionTrait,
) -> Result<BTreeMap<(String, String, String, String), i64>, StoreError> {
    let rows = stat_counter::Entity::find().all(conn).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.value != 0)
        .map(|r| ((r.programme, r.territory_id, r.metric, r.bucket), r.value))
        .collect())
}
