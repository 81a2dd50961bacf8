//! `/exports/*.csv` and `/exports/*.xlsx`: the list filters; the CSV streamed page by page, so
//! memory stays flat whatever the size, the workbooks written to disk row by row.

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{Days, NaiveDate};
use futures::stream::{self, Stream, StreamExt as _};
use serde::Deserialize;
use terrain_app::{
    csv::{self, EVENT_COLUMNS, PROJECT_COLUMNS},
    events::EventFilters,
    exports,
    projects::ListFilters,
};
use terrain_domain::Actor;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::events::start_of;
use crate::openapi::reference::{ProgrammeCode, TerritoryId, ThemeCode};
use crate::{
    auth::AuthUser,
    dto::{
        events::EventKindName,
        projects::{StageName, StatusName},
    },
    error::{ApiError, Problem},
    extract::ApiQuery,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_projects))
        .routes(routes!(export_events))
        .routes(routes!(export_projects_xlsx))
        .routes(routes!(export_events_xlsx))
}

/// The media type of a workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}

fn csv_response(
    name: &str,
    columns: &[&str],
    body: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Response {
    let header_row = Bytes::from(csv::encode(&[columns
        .iter()
        .map(|c| (*c).to_owned())
        .collect()]));
    let body = stream::once(async { Ok(header_row) }).chain(body).fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Filters of the projects export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ProjectFilters {
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// Only this territory's subtree.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
    /// Only this status.
    #[param(inline)]
    status: Option<StatusName>,
    /// Only this stage.
    #[param(inline)]
    stage: Option<StageName>,
    /// Only this theme.
    #[param(value_type = Option<ThemeCode>)]
    theme: Option<String>,
    /// Title contains this text.
    #[param(schema_with = crate::openapi::fields::title_search)]
    q: Option<String>,
}

impl ProjectFilters {
    fn into_filters(self) -> ListFilters {
        ListFilters {
            programme: self.programme,
            territory: self.territory,
            status: self.status.map(Into::into),
            stage: self.stage.map(Into::into),
            theme: self.theme,
            q: self.q,
            ..ListFilters::default()
        }
    }
}

/// The projects you may see, as CSV (administrators in scope, observers); the format
/// `terrain import projects` reads.
#[utoipa::path(get, path = "/exports/projects.csv", tag = "exports", params(ProjectFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les projets en CSV.", body = String, content_type = "text/csv"),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et observateurs.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_projects(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(filters): ApiQuery<ProjectFilters>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let query = exports::projects_query(&state.app, &actor, filters.into_filters())?;
    let body = csv::stream_pages(query, move |mut query| {
        let (app, actor): (_, Actor) = (state.app.clone(), actor.clone());
        async move {
            let page = exports::projects_page(&app, &actor, &mut query).await?;
            let records = page.items.iter().map(csv::project_record).collect();
            Ok((records, page.more.then_some(query)))
        }
    });
    Ok(csv_response("projects.csv", &PROJECT_COLUMNS, body))
}

/// Filters of the events export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EventExportFilters {
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// Only this territory's subtree.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
    /// Only this kind.
    #[param(inline)]
    kind: Option<EventKindName>,
    /// Starting on or after this day.
    from: Option<NaiveDate>,
    /// Starting on or before this day.
    to: Option<NaiveDate>,
}

impl EventExportFilters {
    fn into_filters(self) -> EventFilters {
        EventFilters {
            programme: self.programme,
            territory: self.territory,
            kind: self.kind.map(Into::into),
            from: self.from.map(start_of),
            until: self
                .to
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .map(start_of),
        }
    }
}

/// The events as CSV (administrators, observers); linked projects you may not see are left out.
#[utoipa::path(get, path = "/exports/events.csv", tag = "exports", params(EventExportFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les concertations en CSV.", body = String, content_type = "text/csv"),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et observateurs.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_events(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(filters): ApiQuery<EventExportFilters>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let query = exports::events_query(&state.app, &actor, filters.into_filters())?;
    let body = csv::stream_pages(query, move |mut query| {
        let (app, actor): (_, Actor) = (state.app.clone(), actor.clone());
        async move {
            let page = exports::events_page(&app, &actor, &mut query).await?;
            let records = page
                .items
                .iter()
                .map(|e| csv::event_record(&e.event, &e.visible_projects))
                .collect();
            Ok((records, page.more.then_some(query)))
        }
    });
    Ok(csv_response("events.csv", &EVENT_COLUMNS, body))
}

/// The projects you may see, as a workbook (administrators in scope, observers): the filters
/// and columns of the CSV export, dates and times as dates (Paris time), amounts in euros with
/// two decimals, codes as text; the header row frozen, with filters.
#[utoipa::path(get, path = "/exports/projects.xlsx", tag = "exports", params(ProjectFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les projets en classeur.", content((crate::dto::conversation::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et observateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Plus d'un million de lignes.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_projects_xlsx(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(filters): ApiQuery<ProjectFilters>,
) -> Result<Response, ApiError> {
    let bytes =
        terrain_app::xlsx::projects(&state.app, &user.actor(), filters.into_filters()).await?;
    Ok(xlsx_response("projects.xlsx", bytes))
}

/// The events as a workbook (administrators, observers); linked projects you may not see are
/// left out.
#[utoipa::path(get, path = "/exports/events.xlsx", tag = "exports", params(EventExportFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les concertations en classeur.", content((crate::dto::conversation::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et observateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Plus d'un million de lignes.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_events_xlsx(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(filters): ApiQuery<EventExportFilters>,
) -> Result<Response, ApiError> {
    let bytes =
        terrain_app::xlsx::events(&state.app, &user.actor(), filters.into_filters()).await?;
    Ok(xlsx_response("events.xlsx", bytes))
}
