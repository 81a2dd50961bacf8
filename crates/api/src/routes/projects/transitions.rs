use axum::extract::State;
use terrain_app::projects;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    conditional::IfMatch,
    dto::projects::{ProjectView, TransitionRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Tagged,
    state::AppState,
};

/// Applies a workflow action (see the status diagram) with `If-Match`; one transaction with
/// its history entry. `submit` needs the concertation's stakeholders and, for a school
/// programme, the school's UAI (422 naming what is missing).
#[utoipa::path(post, path = "/projects/{id}/transitions", tag = "projects", request_body = TransitionRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("If-Match" = String, Header, description = "L'ETag lu"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le projet dans son nouveau statut.", body = ProjectView,
            headers(("ETag" = String, description = "Nouvelle version"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Votre rôle ne permet pas cette action.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, invisible, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Action impossible depuis le statut actuel.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version périmée.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match manquant.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(project = %id))]
pub(super) async fn apply_transition(
    State(state): State<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Tagged<ProjectView>, ApiError> {
    let expected = if_match.expected();
    let action = body.action.into();
    let reasons: Vec<_> = body.reasons.into_iter().map(Into::into).collect();
    let detail = projects::transition(
        &state.app,
        &user.actor(),
        id,
        expected.as_ref(),
        action,
        body.comment,
        &reasons,
    )
    .await?;
    Ok(Tagged(detail.project.version, detail.into()))
}
