//! `/stats/*`: public aggregates over the territory tree.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Deserialize;
use terrain_app::statistics::{self, Resolved};
use terrain_domain::{TerritoryKind, stats::Interval};
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
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_overview))
        .routes(routes!(get_territories))
        .routes(routes!(get_timeline))
}

/// Where and when: the filters of every statistic.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsFilter {
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// This territory and what lies below it (default: the whole country).
    #[param(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Projects first submitted, and events starting, on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// … and on or before this day (UTC).
    pub to: Option<NaiveDate>,
}

impl StatsFilter {
    /// The filter checked by the use case.
    pub fn resolve(&self, state: &AppState) -> Result<Resolved, ApiError> {
        Ok(statistics::resolve(
            &state.app,
            self.programme.as_deref(),
            self.territory.as_deref(),
            self.from,
            self.to,
        )?)
    }
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
) -> Result<Json<Overview>, ApiError> {
    let resolved = filter.resolve(&state)?;
    let totals = statistics::overview(&state.app, &resolved).await?;
    Ok(Json(Overview::from(&totals)))
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
    let resolved = filter.resolve(&state)?;
    let level = match query.level {
        StatsLevel::Region => Level::Region,
        StatsLevel::Academy => Level::Academy,
        StatsLevel::Department => Level::Department,
    };
    // A hundred rows of forty figures each: rendered once per statistics version.
    let key = resolved.key(&format!("territories-json|{level:?}"));
    let programme = resolved.scope.programme.clone();
    let body = statistics::memoised(&state.app, key, programme.as_ref(), || async {
        let rows =
            statistics::territories(&state.app, &resolved, TerritoryKind::from(level)).await?;
        let table = TerritoryTable::new(level, rows);
        serde_json::to_vec(&table)
            .map(Bytes::from)
            .map_err(terrain_app::AppError::internal)
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
    let resolved = filter.resolve(&state)?;
    let interval = match query.interval.unwrap_or(IntervalName::Month) {
        IntervalName::Month => Interval::Month,
        IntervalName::Week => Interval::Week,
    };
    let points = statistics::timeline(&state.app, &resolved, interval).await?;
    Ok(Json(Timeline {
        interval: interval.as_str().to_owned(),
        items: points.into_iter().map(Into::into).collect(),
    }))
}
