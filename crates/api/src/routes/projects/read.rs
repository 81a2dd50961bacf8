use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{
    pagination,
    projects::{self, ListFilters, SortKey},
};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::MaybeUser,
    dto::projects::{HistoryView, ProjectView, StageName, StatusName},
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    pagination::{Listed, Page},
    reply::Tagged,
    state::AppState,
};

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

impl Sort {
    /// The key and direction of the order.
    pub(crate) fn order(sort: Option<Sort>) -> (SortKey, bool) {
        match sort.unwrap_or(Sort::CreatedAt) {
            Sort::CreatedAt => (SortKey::CreatedAt, false),
            Sort::CreatedAtDesc => (SortKey::CreatedAt, true),
            Sort::SubmittedAt => (SortKey::SubmittedAt, false),
            Sort::SubmittedAtDesc => (SortKey::SubmittedAt, true),
        }
    }
}

impl ListQuery {
    /// The filters of the use case, with the decoded cursor.
    fn filters(self) -> Result<(String, ListFilters), ApiError> {
        let (sort, descending) = Sort::order(self.sort);
        let list = pagination::project_list(sort, descending);
        let after = self
            .cursor
            .map(|c| pagination::decode_project(&list, &c))
            .transpose()?;
        let filters = ListFilters {
            programme: self.programme,
            territory: self.territory,
            status: self.status.map(Into::into),
            stage: self.stage.map(Into::into),
            theme: self.theme,
            q: self.q,
            lead: None,
            sort,
            descending,
            after,
            limit: pagination::limit(self.limit)?,
        };
        Ok((list, filters))
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
    let (list, filters) = query.filters()?;
    let sort = filters.sort;
    let page = projects::list(&state.app, viewer.actor().as_ref(), filters).await?;
    let cursor = |p: &terrain_domain::Project| {
        let at = match sort {
            SortKey::CreatedAt => Some(p.created_at),
            SortKey::SubmittedAt => p.submitted_at,
        };
        pagination::encode_project(&list, at, p.id)
    };
    Ok(Listed::of(page, &uri, cursor, ProjectView::listed))
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
) -> Result<Tagged<ProjectView>, ApiError> {
    let detail = projects::get(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Tagged(detail.project.version, detail.into()))
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
    let entries = projects::history(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(HistoryView::of(entries)))
}
