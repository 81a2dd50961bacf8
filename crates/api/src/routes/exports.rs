//! `/exports/*.csv`: the list filters, streamed row by row in pages, so memory stays flat
//! whatever the size.

use std::collections::HashSet;

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{Days, NaiveDate};
use futures::stream::{self, Stream, StreamExt as _};
use serde::Deserialize;
use terrain_domain::{Actor, Role};
use terrain_persistence::repo::{
    events::{self, EventQuery},
    projects::{self, ProjectCursor, ProjectQuery},
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::projects::read::{scope_filters, theme_filter, title_search};
use crate::openapi::reference::{ProgrammeCode, TerritoryId, ThemeCode};
use crate::{
    auth::AuthUser,
    csv_format::{self, EVENT_COLUMNS, PROJECT_COLUMNS},
    dto::{
        events::EventKindName,
        projects::{StageName, StatusName},
    },
    error::{ApiError, Problem},
    extract::ApiQuery,
    routes::events::start_of,
    state::AppState,
};

/// Rows fetched per query while streaming.
const PAGE: u64 = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_projects))
        .routes(routes!(export_events))
}

/// Exports are for administrators and observers.
fn exporter(user: &AuthUser) -> Result<Actor, ApiError> {
    let actor = user.actor();
    match actor.role {
        Role::Admin | Role::Observer => Ok(actor),
        Role::Lead => Err(ApiError::Forbidden(
            "Les exports sont réservés aux administrateurs et aux observateurs.".into(),
        )),
    }
}

fn csv_response(
    name: &str,
    body: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Response {
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

fn header_row(columns: &[&str]) -> Bytes {
    Bytes::from(csv_format::encode(&[columns
        .iter()
        .map(|c| (*c).to_owned())
        .collect()]))
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
    let actor = exporter(&user)?;
    let (programme, territory) = scope_filters(
        &state,
        filters.programme.as_deref(),
        filters.territory.as_deref(),
    )
    .await?;
    let query = ProjectQuery {
        programme,
        territory,
        status: filters.status.map(Into::into),
        stage: filters.stage.map(Into::into),
        theme: theme_filter(&state, filters.theme)?,
        q: title_search(filters.q)?,
        limit: PAGE,
        ..ProjectQuery::default()
    };
    let pages = stream::unfold(Some(query), move |query| {
        let state = state.clone();
        let actor = actor.clone();
        async move {
            let mut query = query?;
            let page = match projects::list(state.db.reader(), Some(&actor), &query).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(error = %error, "projects export interrupted");
                    return Some((Err(std::io::Error::other("export interrupted")), None));
                }
            };
            let records: Vec<Vec<String>> =
                page.items.iter().map(csv_format::project_record).collect();
            let next = page.more.then(|| {
                query.after = page.items.last().map(|p| ProjectCursor {
                    at: Some(p.created_at),
                    id: p.id,
                });
                query
            });
            Some((Ok(Bytes::from(csv_format::encode(&records))), next))
        }
    });
    let body = stream::once(async { Ok(header_row(&PROJECT_COLUMNS)) })
        .chain(pages)
        .fuse();
    Ok(csv_response("projects.csv", body))
}

/// Filters of the events export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EventFilters {
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

/// The events as CSV (administrators, observers); linked projects you may not see are left out.
#[utoipa::path(get, path = "/exports/events.csv", tag = "exports", params(EventFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les concertations en CSV.", body = String, content_type = "text/csv"),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et observateurs.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn export_events(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(filters): ApiQuery<EventFilters>,
) -> Result<Response, ApiError> {
    let actor = exporter(&user)?;
    let (programme, territory) = scope_filters(
        &state,
        filters.programme.as_deref(),
        filters.territory.as_deref(),
    )
    .await?;
    let query = EventQuery {
        programme,
        territory,
        kind: filters.kind.map(Into::into),
        from: filters.from.map(start_of),
        until: filters
            .to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .map(start_of),
        after: None,
        limit: PAGE,
    };
    let pages = stream::unfold(Some(query), move |query| {
        let state = state.clone();
        let actor = actor.clone();
        async move {
            let mut query = query?;
            let conn = state.db.reader();
            let page = match events::list(conn, &query).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(error = %error, "events export interrupted");
                    return Some((Err(std::io::Error::other("export interrupted")), None));
                }
            };
            let linked: Vec<Uuid> = page
                .items
                .iter()
                .flat_map(|e| e.project_ids.clone())
                .collect();
            let visible: HashSet<Uuid> = match projects::find_many(conn, &linked).await {
                Ok(found) => found
                    .into_iter()
                    .filter(|p| p.is_visible_to(Some(&actor)))
                    .map(|p| p.id)
                    .collect(),
                Err(_) => return Some((Err(std::io::Error::other("export interrupted")), None)),
            };
            let records: Vec<Vec<String>> = page
                .items
                .iter()
                .map(|e| {
                    let shown: Vec<Uuid> = e
                        .project_ids
                        .iter()
                        .copied()
                        .filter(|p| visible.contains(p))
                        .collect();
                    csv_format::event_record(e, &shown)
                })
                .collect();
            let next = page.more.then(|| {
                query.after = page.items.last().map(|e| (e.starts_at, e.id));
                query
            });
            Some((Ok(Bytes::from(csv_format::encode(&records))), next))
        }
    });
    let body = stream::once(async { Ok(header_row(&EVENT_COLUMNS)) })
        .chain(pages)
        .fuse();
    Ok(csv_response("events.csv", body))
}
