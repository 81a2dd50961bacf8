use axum::extract::State;
use terrain_app::projects;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    conditional::IfMatch,
    dto::projects::{ProjectView, UpdateProjectRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Tagged,
    state::AppState,
};

/// Changes a project's fields (its lead, in `draft` or `changes_requested`, with `If-Match`).
#[utoipa::path(patch, path = "/projects/{id}", tag = "projects", request_body = UpdateProjectRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("If-Match" = String, Header, description = "L'ETag lu"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le projet modifié.", body = ProjectView,
            headers(("ETag" = String, description = "Nouvelle version"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Seul le porteur modifie son projet.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Le projet n'est plus modifiable.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version périmée.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match manquant.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(project = %id))]
pub(super) async fn update_project(
    State(state): State<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(patch): ApiJson<UpdateProjectRequest>,
) -> Result<Tagged<ProjectView>, ApiError> {
    let expected = if_match.expected();
    let detail = projects::update(
        &state.app,
        &user.actor(),
        id,
        expected.as_ref(),
        patch.into(),
    )
    .await?;
    Ok(Tagged(detail.project.version, detail.into()))
}
