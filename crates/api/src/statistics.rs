//! The published figures, computed once for the JSON API and the dashboard alike.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Deserialize;
use terrain_domain::{
    TerritoryId, TerritoryKind,
    stats::{Interval, TimelineMetric},
};
use terrain_persistence::repo::stats::{self, StatsScope};
use utoipa::IntoParams;

use crate::{
    dto::{
        reference::Level,
        stats::{Overview, TerritoryFigures, TerritoryTable, Timeline, TimelinePoint},
    },
    error::ApiError,
    state::AppState,
};

/// Serialised figures by request, each tagged with the statistics version it was computed at.
/// The version moves in the same transaction as any counter, so an entry is served only while
/// it is exact; this is a memo, not a cache that can go stale, and each instance keeps its own.
#[derive(Debug, Default)]
pub struct Memo(std::sync::Mutex<std::collections::HashMap<String, (String, axum::body::Bytes)>>);

impl Memo {
    /// The most entries kept; beyond, the memo starts afresh.
    const CAPACITY: usize = 512;

    /// The entry of `key` if it was computed at `version`.
    pub fn get(&self, key: &str, version: &str) -> Option<axum::body::Bytes> {
        let entries = self.0.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at == version)
            .map(|(_, bytes)| bytes.clone())
    }

    /// Keeps `bytes` for `key` at `version`.
    pub fn put(&self, key: String, version: String, bytes: axum::body::Bytes) {
        if let Ok(mut entries) = self.0.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(key, (version, bytes));
        }
    }
}

/// Where and when: the filters of every statistic.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsFilter {
    /// Only this programme.
    #[param(value_type = Option<crate::openapi::reference::ProgrammeCode>)]
    pub programme: Option<String>,
    /// This territory and what lies below it (default: the whole country).
    #[param(value_type = Option<crate::openapi::reference::TerritoryId>)]
    pub territory: Option<String>,
    /// Projects first submitted, and events starting, on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// … and on or before this day (UTC).
    pub to: Option<NaiveDate>,
}

/// A filter checked against the reference data.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Programme and territory.
    pub scope: StatsScope,
    /// `[from, until)` when a period was asked for.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The earliest day a period can start.
const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The day after the latest a period can end.
const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Checks the filter: known programme and territory, a period in order.
///
/// # Errors
/// 422 naming the parameter at fault.
pub async fn resolve(state: &AppState, filter: &StatsFilter) -> Result<Resolved, ApiError> {
    let programme = match filter.programme.as_deref() {
        Some(code) => Some(
            state
                .reference
                .programme(code)
                .ok_or_else(|| ApiError::invalid("programme", "programme inconnu"))?
                .code
                .clone(),
        ),
        None => None,
    };
    let territory_id = filter
        .territory
        .clone()
        .unwrap_or_else(|| TerritoryId::country().to_string());
    let territory = state
        .reference
        .territory(&territory_id)
        .ok_or_else(|| ApiError::invalid("territory", "territoire inconnu"))?
        .path
        .clone();
    let period = match (filter.from, filter.to) {
        (None, None) => None,
        (from, to) => {
            if let (Some(from), Some(to)) = (from, to)
                && to < from
            {
                return Err(ApiError::invalid(
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

/// The JSON of `compute`, served again from the memo while the statistics of `programme` (of
/// every programme when `None`) have not changed.
///
/// # Errors
/// When the database fails or `compute` does.
pub async fn memoised<T, F, Fut>(
    state: &AppState,
    key: String,
    programme: Option<&terrain_domain::ProgrammeCode>,
    compute: F,
) -> Result<axum::body::Bytes, ApiError>
where
    T: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let version = stats::version(state.db.reader(), programme).await?;
    if let Some(body) = state.memo.get(&key, &version) {
        return Ok(body);
    }
    let value = compute().await?;
    let body = axum::body::Bytes::from(
        serde_json::to_vec(&value).map_err(|e| ApiError::Internal(e.into()))?,
    );
    state.memo.put(key, version, body.clone());
    Ok(body)
}

/// The overview of a scope: from the counters without a period, from the rows with one.
///
/// # Errors
/// When the database fails.
pub async fn overview(state: &AppState, resolved: &Resolved) -> Result<Overview, ApiError> {
    let conn = state.db.reader();
    let totals = match resolved.period {
        None => {
            let id = resolved.scope.territory.id.to_string();
            stats::totals(
                conn,
                resolved.scope.programme.as_ref(),
                std::slice::from_ref(&id),
            )
            .await?
            .remove(&id)
            .unwrap_or_default()
        }
        Some((from, until)) => stats::period_totals(conn, &resolved.scope, from, until).await?,
    };
    Ok(Overview::from_totals(&totals))
}

/// One row per territory of `level` inside the scope, from the counters.
///
/// # Errors
/// When the database fails.
pub async fn territories(
    state: &AppState,
    resolved: &Resolved,
    level: Level,
) -> Result<TerritoryTable, ApiError> {
    let conn = state.db.reader();
    let kind: TerritoryKind = level.into();
    let rows: Vec<_> = state
        .reference
        .of_kind(kind)
        .into_iter()
        .filter(|t| resolved.scope.territory.contains(&t.path))
        .cloned()
        .collect();
    let ids: Vec<String> = rows.iter().map(|t| t.id().to_string()).collect();
    let mut totals = stats::totals(conn, resolved.scope.programme.as_ref(), &ids).await?;
    let empty = BTreeMap::new();
    let items = rows
        .into_iter()
        .map(|territory| {
            let figures = Overview::from_totals(
                totals
                    .remove(territory.id().as_str())
                    .as_ref()
                    .unwrap_or(&empty),
            );
            TerritoryFigures {
                territory: territory.into(),
                projects: figures.projects,
                supports: figures.supports,
                events: figures.events,
                stages: figures.stages,
            }
        })
        .collect();
    Ok(TerritoryTable { level, items })
}

/// The timeline of a scope by month or week.
///
/// # Errors
/// When the database fails.
pub async fn timeline(
    state: &AppState,
    resolved: &Resolved,
    interval: Interval,
) -> Result<Timeline, ApiError> {
    let conn = state.db.reader();
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
    let items = buckets
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
        .collect();
    Ok(Timeline {
        interval: interval.as_str().to_owned(),
        items,
    })
}
