use axum::extract::State;
use terrain_app::projects;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    conditional::IfMatch,
    dto::projects::{ProjectView, StageRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Tagged,
    state::AppState,
};

/// Moves a project along the SILK lifecycle (its lead or an administrator in scope, with
/// `If-Match`); recorded in the history.
#[utoipa::path(post, path = "/projects/{id}/stage", tag = "projects", request_body = StageRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("If-Match" = String, Header, description = "L'ETag lu"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le projet à sa nouvelle étape.", body = ProjectView,
            headers(("ETag" = String, description = "Nouvelle version"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, invisible, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Étape impossible depuis l'étape ou le statut actuels.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version périmée.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match manquant.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(project = %id))]
pub(super) async fn change_stage(
    State(state): State<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<StageRequest>,
) -> Result<Tagged<ProjectView>, ApiError> {
    let expected = if_match.expected();
    let to = body.stage.into();
    let detail = projects::change_stage(
        &state.app,
        &user.actor(),
        id,
        expected.as_ref(),
        to,
        body.note,
    )
    .await?;
    Ok(Tagged(detail.project.version, detail.into()))
}
