//! The published figures, computed once for every front door: from the counters without a
//! period, aggregated by the database over the rows of a period otherwise.

use std::{
    any::Any,
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Days, NaiveDate, Utc};
use terrain_domain::{
    ProgrammeCode, Territory, TerritoryId, TerritoryKind,
    stats::{Interval, TimelineMetric, Totals},
};
use terrain_persistence::repo::stats;
pub use terrain_persistence::repo::stats::StatsScope;

use crate::{App, AppError};

type Entry = (String, Arc<dyn Any + Send + Sync>);

/// Figures already computed, by key, each tagged with the statistics version it was computed
/// at. The version moves in the same transaction as any counter, so an entry is served only
/// while it is exact: a memo, not a cache that can go stale. Each instance keeps its own; one
/// computation runs per key at a time, the others wait for it.
#[derive(Default)]
pub struct Memo {
    entries: Mutex<HashMap<String, Entry>>,
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo").finish_non_exhaustive()
    }
}

impl Memo {
    /// The most entries kept; beyond, the memo starts afresh.
    const CAPACITY: usize = 512;

    fn get<T: Clone + 'static>(&self, key: &str, version: &str) -> Option<T> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at == version)
            .and_then(|(_, value)| value.downcast_ref::<T>().cloned())
    }

    fn put<T: Send + Sync + 'static>(&self, key: String, version: String, value: T) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(key, (version, Arc::new(value)));
        }
    }

    fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.computing.lock() {
            Ok(mut locks) => {
                if locks.len() >= Self::CAPACITY {
                    locks.retain(|_, lock| Arc::strong_count(lock) > 1);
                }
                locks.entry(key.to_owned()).or_default().clone()
            }
            Err(_) => Arc::default(),
        }
    }
}

/// What `compute` gives, served again while the statistics of `programme` (of every programme
/// when `None`) have not changed.
///
/// # Errors
/// When the database fails or `compute` does.
pub async fn memoised<T, F, Fut>(
    app: &App,
    key: String,
    programme: Option<&ProgrammeCode>,
    compute: F,
) -> Result<T, AppError>
where
    T: Clone + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let version = stats::version(app.store().reader(), programme).await?;
    if let Some(value) = app.memo().get::<T>(&key, &version) {
        return Ok(value);
    }
    let lock = app.memo().lock_for(&key);
    let _computing = lock.lock().await;
    if let Some(value) = app.memo().get::<T>(&key, &version) {
        return Ok(value);
    }
    let value = compute().await?;
    app.memo().put(key, version, value.clone());
    Ok(value)
}

/// Where and when: the filters of every statistic, checked.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Programme and territory.
    pub scope: StatsScope,
    /// `[from, until)` when a period was asked for.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Resolved {
    /// A key naming these filters, for the memo.
    pub fn key(&self, what: &str) -> String {
        format!(
            "{what}|{}|{}|{:?}",
            self.scope.programme.as_ref().map_or("", |p| p.as_str()),
            self.scope.territory.id,
            self.period
        )
    }
}

/// The earliest day a period can start.
const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The day after the latest a period can end.
const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Checks the filters: known programme and territory (the country by default), a period in
/// order (days, both included).
///
/// # Errors
/// 422 naming the parameter at fault.
pub fn resolve(
    app: &App,
    programme: Option<&str>,
    territory: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Resolved, AppError> {
    let catalogue = app.catalogue();
    let programme = catalogue.programme_filter("programme", programme)?;
    let country = TerritoryId::country().to_string();
    let territory = catalogue
        .territory_filter("territory", Some(territory.unwrap_or(&country)))?
        .ok_or_else(|| AppError::invalid("territory", "territoire inconnu"))?;
    let period = match (from, to) {
        (None, None) => None,
        (from, to) => {
            if let (Some(from), Some(to)) = (from, to)
                && to < from
            {
                return Err(AppError::invalid(
                    "to",
                    "la fin de la période précède son début",
                ));
            }
            // Open ends stay four-digit years: SQLite compares timestamps as text.
            let from = start_of(from.unwrap_or(EARLIEST).max(EARLIEST));
            let until = start_of(
                to.and_then(|d| d.checked_add_days(Days::new(1)))
                    .unwrap_or(LATEST)
                    .min(LATEST),
            );
            Some((from, until))
        }
    };
    Ok(Resolved {
        scope: StatsScope {
            programme,
            territory,
        },
        period,
    })
}

/// The figures of a scope: from the counters without a period, aggregated by the database over
/// the period otherwise (computed once per statistics version).
///
/// # Errors
/// When the database fails.
pub async fn overview(app: &App, resolved: &Resolved) -> Result<Totals, AppError> {
    let conn = app.store().reader();
    match resolved.period {
        None => {
            let id = resolved.scope.territory.id.to_string();
            let mut totals = stats::totals(
                conn,
                resolved.scope.programme.as_ref(),
                std::slice::from_ref(&id),
            )
            .await?;
            Ok(Totals(totals.remove(&id).unwrap_or_default()))
        }
        Some((from, until)) => {
            memoised(
                app,
                resolved.key("overview"),
                resolved.scope.programme.as_ref(),
                || async {
                    Ok(Totals(
                        stats::period_totals(conn, &resolved.scope, from, until).await?,
                    ))
                },
            )
            .await
        }
    }
}

/// One row per territory of `level` inside the scope, from the counters.
///
/// # Errors
/// When the database fails.
pub async fn territories(
    app: &App,
    resolved: &Resolved,
    level: TerritoryKind,
) -> Result<Vec<(Territory, Totals)>, AppError> {
    let catalogue = app.catalogue();
    let rows: Vec<Territory> = catalogue
        .of_kind(level)
        .into_iter()
        .filter(|t| resolved.scope.territory.contains(&t.path))
        .cloned()
        .collect();
    let ids: Vec<String> = rows.iter().map(|t| t.id().to_string()).collect();
    let mut totals = stats::totals(
        app.store().reader(),
        resolved.scope.programme.as_ref(),
        &ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|territory| {
            let figures = Totals(totals.remove(territory.id().as_str()).unwrap_or_default());
            (territory, figures)
        })
        .collect())
}

/// One period of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelinePoint {
    /// `2025-03` or `2025-W10`.
    pub period: String,
    /// First submissions.
    pub submitted: i64,
    /// Validations (of projects validated now).
    pub validated: i64,
    /// Events starting.
    pub events: i64,
    /// Their participants.
    pub participants: i64,
}

/// The timeline of a scope by month or week: the periods with any activity, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn timeline(
    app: &App,
    resolved: &Resolved,
    interval: Interval,
) -> Result<Vec<TimelinePoint>, AppError> {
    let conn = app.store().reader();
    let buckets = match resolved.period {
        None => {
            stats::timeline(
                conn,
                resolved.scope.programme.as_ref(),
                resolved.scope.territory.id.as_str(),
                interval,
            )
            .await?
        }
        Some((from, until)) => {
            stats::period_timeline(conn, &resolved.scope, interval, from, until).await?
        }
    };
    Ok(buckets
        .into_iter()
        .map(|(period, metrics)| {
            let get = |m: TimelineMetric| metrics.get(m.as_str()).copied().unwrap_or_default();
            TimelinePoint {
                submitted: get(TimelineMetric::Submitted),
                validated: get(TimelineMetric::Validated),
                events: get(TimelineMetric::Events),
                participants: get(TimelineMetric::Participants),
                period,
            }
        })
        .filter(|p| p.submitted != 0 || p.validated != 0 || p.events != 0 || p.participants != 0)
        .collect())
}
