//! Statistics: counters kept up to date by every write, sums over them for the figures without
//! a period, and scans bounded by the period when one is asked for.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Alias, Condition, Expr, ExprTrait, OnConflict, Query},
};
use terrain_domain::{
    Event, ProgrammeCode, Project, TerritoryPath,
    stats::{self, Delta, Figures, Interval, TimelineMetric},
};

use super::{events::to_event, projects::to_project, subtree};
use crate::{
    StoreError,
    entities::{event, project, stat_counter},
};

const BATCH: usize = 400;

/// Adds `delta` to the counters (creating the ones that do not exist yet) and bumps the
/// statistics version.
///
/// # Errors
/// When the database fails.
pub async fn apply(conn: &impl ConnectionTrait, delta: &Delta) -> Result<(), StoreError> {
    let rows: Vec<_> = delta.nonzero().collect();
    if !rows.is_empty() {
        bump_version(conn).await?;
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
        insert.on_conflict(
            OnConflict::columns([
                stat_counter::Column::TerritoryId,
                stat_counter::Column::Bucket,
                stat_counter::Column::Programme,
                stat_counter::Column::Metric,
            ])
            .value(
                stat_counter::Column::Value,
                Expr::col((Alias::new("stat_counters"), Alias::new("value")))
                    .add(Expr::col((Alias::new("excluded"), Alias::new("value")))),
            )
            .to_owned(),
        );
        conn.execute(&insert).await?;
    }
    Ok(())
}

async fn bump_version(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    let bump = Query::update()
        .table(Alias::new("stats_version"))
        .value(
            Alias::new("version"),
            Expr::col(Alias::new("version")).add(1),
        )
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    conn.execute(&bump).await?;
    Ok(())
}

/// The statistics version: it changes in the same transaction as any counter, so a figure
/// computed at one version stays exact until the version moves.
///
/// # Errors
/// When the database fails.
pub async fn version(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let query = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("stats_version"))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    let row = conn.query_one(&query).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "version"))
        .transpose()?
        .unwrap_or_default())
}

/// Adds `sign` × the figures of `project` to `delta`.
pub fn add_project(delta: &mut Delta, project: &Project, sign: i64) {
    delta.add(
        &project.fields.programme,
        &project.territory_path,
        &stats::project_figures(project, &project.support_kinds),
        sign,
    );
}

/// Adds `sign` × the figures of `event` to `delta`.
pub fn add_event(delta: &mut Delta, event: &Event, sign: i64) {
    delta.add(
        &event.programme,
        &event.territory,
        &stats::event_figures(event),
        sign,
    );
}

/// Throws every counter away and computes them again from the projects, supports and events.
/// Used after bulk loads; the result equals what the incremental updates maintain.
///
/// # Errors
/// When the database fails.
pub async fn rebuild(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    stat_counter::Entity::delete_many().exec(conn).await?;
    bump_version(conn).await?;
    let mut delta = Delta::default();
    for model in project::Entity::find().all(conn).await? {
        add_project(&mut delta, &to_project(model)?, 1);
    }
    for model in event::Entity::find().all(conn).await? {
        add_event(&mut delta, &to_event(model, Vec::new())?, 1);
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

/// Total figures of the projects first submitted in `[from, until)` and the events starting
/// then, computed from the rows themselves.
///
/// # Errors
/// When the database fails.
pub async fn period_totals(
    conn: &impl ConnectionTrait,
    scope: &StatsScope,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let projects = project::Entity::find()
        .filter(project_filter(scope))
        .filter(project::Column::SubmittedAt.gte(from))
        .filter(project::Column::SubmittedAt.lt(until))
        .all(conn)
        .await?
        .into_iter()
        .map(to_project)
        .collect::<Result<Vec<_>, _>>()?;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |figures: Figures| {
        for (metric, value) in figures.totals() {
            *totals.entry(metric.to_owned()).or_default() += value;
        }
    };
    for project in &projects {
        add(stats::project_figures(project, &project.support_kinds));
    }
    let events = event::Entity::find()
        .filter(event_filter(scope, from, until))
        .all(conn)
        .await?;
    for model in events {
        add(stats::event_figures(&to_event(model, Vec::new())?));
    }
    Ok(totals)
}

/// The timeline of `[from, until)` by bucket and metric, computed from the rows themselves.
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
    let within = |at: &DateTime<Utc>| *at >= from && *at < until;
    let mut result: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut add = |metric: TimelineMetric, at: DateTime<Utc>, value: i64| {
        if within(&at) {
            *result
                .entry(interval.bucket(at))
                .or_default()
                .entry(metric.as_str().to_owned())
                .or_default() += value;
        }
    };
    let projects = project::Entity::find()
        .filter(project_filter(scope))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(project::Column::SubmittedAt.gte(from))
                        .add(project::Column::SubmittedAt.lt(until)),
                )
                .add(
                    Condition::all()
                        .add(project::Column::DecidedAt.gte(from))
                        .add(project::Column::DecidedAt.lt(until)),
                ),
        )
        .all(conn)
        .await?;
    for model in projects {
        for (metric, at, value) in stats::project_points(&to_project(model)?) {
            add(metric, at, value);
        }
    }
    let events = event::Entity::find()
        .filter(event_filter(scope, from, until))
        .all(conn)
        .await?;
    for model in events {
        for (metric, at, value) in stats::event_points(&to_event(model, Vec::new())?) {
            add(metric, at, value);
        }
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
