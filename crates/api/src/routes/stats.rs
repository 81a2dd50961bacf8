//! `/stats/*`: public aggregates over the territory tree.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use terrain_domain::stats::Interval;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::openapi::reference::{ProgrammeCode, TerritoryId};
use crate::{
    dto::{
        reference::Level,
        stats::{Overview, TerritoryTable, Timeline},
    },
    error::{ApiError, Problem},
    extract::ApiQuery,
    state::AppState,
    statistics::{self, StatsFilter},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_overview))
        .routes(routes!(get_territories))
        .routes(routes!(get_timeline))
}

/// Figures of a programme and territory (all by default), optionally over a period of first
/// submissions and event starts. Exact after every write.
#[utoipa::path(get, path = "/stats/overview", tag = "statistics", params(StatsFilter),
    responses(
        (status = 200, description = "Les chiffres.", body = Overview),
        (status = 422, description = "Filtre invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_overview(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<StatsFilter>,
) -> Result<Response, ApiError> {
    let resolved = statistics::resolve(&state, &filter).await?;
    let body = match resolved.period {
        None => Bytes::from(
            serde_json::to_vec(&statistics::overview(&state, &resolved).await?)
                .map_err(|e| ApiError::Internal(e.into()))?,
        ),
        // A period's figures are aggregated by the database: computed once per version.
        Some((from, until)) => {
            let key = format!(
                "overview|{}|{}|{from}|{until}",
                resolved.scope.programme.as_ref().map_or("", |p| p.as_str()),
                resolved.scope.territory.id
            );
            statistics::memoised(&state, key, resolved.scope.programme.as_ref(), || {
                statistics::overview(&state, &resolved)
            })
            .await?
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Parameters of the territory table.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TerritoriesQuery {
    /// The level listed: `region`, `academy` or `department`.
    #[param(inline)]
    level: StatsLevel,
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// Only territories inside this one.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
}

/// A level that has rows.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum StatsLevel {
    /// Régions.
    Region,
    /// Académies.
    Academy,
    /// Départements.
    Department,
}

/// One row per territory of a level, with the same figures as the overview, rolled up from
/// the levels below.
#[utoipa::path(get, path = "/stats/territories", tag = "statistics", params(TerritoriesQuery),
    responses(
        (status = 200, description = "Les chiffres par territoire.", body = TerritoryTable),
        (status = 422, description = "Paramètre invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_territories(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TerritoriesQuery>,
) -> Result<Response, ApiError> {
    let filter = StatsFilter {
        programme: query.programme,
        territory: query.territory,
        ..StatsFilter::default()
    };
    let resolved = statistics::resolve(&state, &filter).await?;
    let level = match query.level {
        StatsLevel::Region => Level::Region,
        StatsLevel::Academy => Level::Academy,
        StatsLevel::Department => Level::Department,
    };
    // A hundred rows of forty figures each: computed once per statistics version.
    let key = format!(
        "territories|{level:?}|{}|{}",
        resolved.scope.programme.as_ref().map_or("", |p| p.as_str()),
        resolved.scope.territory.id
    );
    let body = statistics::memoised(&state, key, resolved.scope.programme.as_ref(), || {
        statistics::territories(&state, &resolved, level)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Parameters of the timeline.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TimelineQuery {
    /// `month` (default) or `week`.
    #[param(inline)]
    interval: Option<IntervalName>,
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// This territory's subtree.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
    /// From this day.
    from: Option<chrono::NaiveDate>,
    /// To this day.
    to: Option<chrono::NaiveDate>,
}

/// A timeline granularity.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum IntervalName {
    /// Calendar months.
    Month,
    /// ISO weeks.
    Week,
}

/// Submissions, validations, events and participants per month or week.
#[utoipa::path(get, path = "/stats/timeline", tag = "statistics", params(TimelineQuery),
    responses(
        (status = 200, description = "La chronologie.", body = Timeline),
        (status = 422, description = "Paramètre invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_timeline(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TimelineQuery>,
) -> Result<Json<Timeline>, ApiError> {
    let filter = StatsFilter {
        programme: query.programme,
        territory: query.territory,
        from: query.from,
        to: query.to,
    };
    let resolved = statistics::resolve(&state, &filter).await?;
    let interval = match query.interval.unwrap_or(IntervalName::Month) {
        IntervalName::Month => Interval::Month,
        IntervalName::Week => Interval::Week,
    };
    Ok(Json(
        statistics::timeline(&state, &resolved, interval).await?,
    ))
}
