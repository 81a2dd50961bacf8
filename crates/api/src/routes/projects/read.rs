use axum::{
    Json,
    extract::{OriginalUri, State},
    http::header,
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use terrain_domain::{ProgrammeCode, TerritoryPath};
use terrain_persistence::repo::projects::{self, ProjectCursor, ProjectQuery, SortKey};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{view_for, visible_project};
use crate::{
    auth::MaybeUser,
    conditional::etag,
    dto::projects::{HistoryView, ProjectView, StageName, StatusName},
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    openapi::fields,
    pagination::{self, Cursor, Listed, Page},
    state::AppState,
};

const LIST: &str = "projects";

/// The order of the list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub(super) enum Sort {
    /// Oldest first (default).
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first.
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    /// First submitted first; never-submitted last.
    #[serde(rename = "submitted_at")]
    SubmittedAt,
    /// Last submitted first; never-submitted last.
    #[serde(rename = "-submitted_at")]
    SubmittedAtDesc,
}

/// Filters, order and pagination of the project list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only this programme.
    #[param(value_type = Option<crate::openapi::reference::ProgrammeCode>)]
    programme: Option<String>,
    /// Only this territory and what lies below it.
    #[param(value_type = Option<crate::openapi::reference::TerritoryId>)]
    territory: Option<String>,
    /// Only this status.
    #[param(inline)]
    status: Option<StatusName>,
    /// Only this stage.
    #[param(inline)]
    stage: Option<StageName>,
    /// Only this theme.
    #[param(value_type = Option<crate::openapi::reference::ThemeCode>)]
    theme: Option<String>,
    /// Title contains this text (case-insensitive).
    #[param(schema_with = crate::openapi::fields::title_search)]
    q: Option<String>,
    /// Order (default `created_at`).
    #[param(inline)]
    sort: Option<Sort>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// A theme filter: one of some programme's themes.
///
/// # Errors
/// 422 for an unknown theme.
pub(crate) fn theme_filter(
    state: &AppState,
    theme: Option<String>,
) -> Result<Option<String>, ApiError> {
    match theme {
        Some(t) if !state.reference.programmes().iter().any(|p| p.has_theme(&t)) => {
            Err(ApiError::invalid("theme", "thème inconnu"))
        }
        theme => Ok(theme),
    }
}

/// A title search: 1 to 200 characters, none of them a control character (titles hold none);
/// blanks only means no search.
///
/// # Errors
/// 422 when empty, longer than 200 characters or holding a control character.
pub(crate) fn title_search(q: Option<String>) -> Result<Option<String>, ApiError> {
    match q {
        Some(q)
            if !(1..=fields::SEARCH_MAX).contains(&q.chars().count())
                || q.chars()
                    .any(|c| c.is_control() || terrain_domain::text::is_invisible(c)) =>
        {
            Err(ApiError::invalid(
                "q",
                "de 1 à 200 caractères, sans caractère de contrôle",
            ))
        }
        q => Ok(q.filter(|q| !q.trim().is_empty())),
    }
}

/// Projects the caller may see: validated ones for everyone, plus their own, plus those in
/// scope for administrators and all but drafts for observers.
#[utoipa::path(get, path = "/projects", tag = "projects", params(ListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les projets visibles.", body = Page<ProjectView>,
            headers(("Link" = String, description = "Page suivante"))),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_projects(
    State(state): State<AppState>,
    viewer: MaybeUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<ProjectView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let conn = state.db.reader();
    let (programme, territory) = scope_filters(
        &state,
        query.programme.as_deref(),
        query.territory.as_deref(),
    )
    .await?;
    let (sort, descending) = match query.sort.unwrap_or(Sort::CreatedAt) {
        Sort::CreatedAt => (SortKey::CreatedAt, false),
        Sort::CreatedAtDesc => (SortKey::CreatedAt, true),
        Sort::SubmittedAt => (SortKey::SubmittedAt, false),
        Sort::SubmittedAtDesc => (SortKey::SubmittedAt, true),
    };
    let list = format!("{LIST}:{sort:?}:{descending}");
    let after = query.cursor.map(|c| decode_cursor(&list, &c)).transpose()?;
    let actor = viewer.actor();
    let page = projects::list(
        conn,
        actor.as_ref(),
        &ProjectQuery {
            programme,
            territory,
            status: query.status.map(Into::into),
            stage: query.stage.map(Into::into),
            theme: theme_filter(&state, query.theme)?,
            q: title_search(query.q)?,
            sort,
            descending,
            after,
            limit,
        },
    )
    .await?;
    let next = page
        .more
        .then(|| {
            page.items.last().map(|p| {
                let at = match sort {
                    SortKey::CreatedAt => Some(p.created_at),
                    SortKey::SubmittedAt => p.submitted_at,
                };
                let at = at.map(|t| t.to_rfc3339()).unwrap_or_default();
                Cursor::new(&list, &format!("{at}|{}", p.id))
            })
        })
        .flatten();
    let items = page
        .items
        .into_iter()
        .map(|p| ProjectView::new(p, None))
        .collect();
    Ok(Listed::new(items, next, &uri))
}

/// Resolves the `programme` and `territory` filters of a list or an export.
///
/// # Errors
/// 422 on an unknown programme or territory.
pub(crate) async fn scope_filters(
    state: &AppState,
    programme: Option<&str>,
    territory: Option<&str>,
) -> Result<(Option<ProgrammeCode>, Option<TerritoryPath>), ApiError> {
    let programme = match programme {
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
    let territory = match territory {
        Some(id) => Some(
            state
                .reference
                .territory(id)
                .ok_or_else(|| ApiError::invalid("territory", "territoire inconnu"))?
                .path
                .clone(),
        ),
        None => None,
    };
    Ok((programme, territory))
}

fn decode_cursor(list: &str, cursor: &str) -> Result<ProjectCursor, ApiError> {
    let invalid = || ApiError::invalid("cursor", "curseur invalide");
    let key = Cursor::decode(list, cursor)?;
    let (at, id) = key.split_once('|').ok_or_else(invalid)?;
    let at = if at.is_empty() {
        None
    } else {
        Some(
            DateTime::parse_from_rfc3339(at)
                .map_err(|_| invalid())?
                .with_timezone(&Utc),
        )
    };
    Ok(ProjectCursor {
        at,
        id: Uuid::parse_str(id).map_err(|_| invalid())?,
    })
}

/// One project, with a strong `ETag`.
#[utoipa::path(get, path = "/projects/{id}", tag = "projects",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Le projet.", body = ProjectView,
            headers(("ETag" = String, description = "Version"))),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_project(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = viewer.actor();
    let project = visible_project(&state, id, actor.as_ref()).await?;
    let version = project.version;
    let view = view_for(state.db.reader(), project, actor.as_ref()).await?;
    Ok(([(header::ETAG, etag(version))], Json(view)))
}

/// Every transition, stage change and support decision, oldest first.
#[utoipa::path(get, path = "/projects/{id}/history", tag = "projects",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "L'historique.", body = HistoryView),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_history(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<HistoryView>, ApiError> {
    let project = visible_project(&state, id, viewer.actor().as_ref()).await?;
    let entries = projects::history(state.db.reader(), project.id).await?;
    Ok(Json(HistoryView {
        items: entries.into_iter().map(Into::into).collect(),
    }))
}
