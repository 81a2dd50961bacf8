use axum::{Json, extract::State, http::header, response::IntoResponse};
use chrono::Utc;
use terrain_domain::{
    HistoryEntry, HistoryKind, Role,
    stage::{self, StageRefusal},
    status::Party,
};
use terrain_persistence::{StoreError, repo::projects};
use uuid::Uuid;

use super::{view_for, visible_project};
use crate::{
    auth::AuthUser,
    conditional::{IfMatch, etag},
    dto::projects::{ProjectView, StageRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
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
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let project = visible_project(&state, id, Some(&actor)).await?;
    match project.party(&actor) {
        Party::Owner | Party::AdminInScope => {}
        Party::Other if actor.role == Role::Admin => return Err(ApiError::NotFound),
        Party::Other => {
            return Err(ApiError::Forbidden(
                "Seuls le porteur et les administrateurs en charge changent l'étape.".into(),
            ));
        }
    }
    if_match.require()?;
    let note = super::transitions::comment(body.note, "note")?;
    if_match.check(project.version)?;
    let to = stage::advance(project.stage, body.stage.into(), project.status)
        .map_err(|refusal: StageRefusal| ApiError::Conflict(refusal.to_string()))?;
    let now = Utc::now();
    let txn = state.db.begin_write().await?;
    let updated = projects::change_stage(&txn, &project, to)
        .await?
        .ok_or(ApiError::PreconditionFailed)?;
    let entry = HistoryEntry {
        at: now,
        actor_id: actor.id,
        actor_role: actor.role,
        kind: HistoryKind::Stage,
        action: if to < project.stage {
            "refine"
        } else {
            "advance"
        }
        .to_owned(),
        from: Some(project.stage.as_str().to_owned()),
        to: Some(to.as_str().to_owned()),
        comment: note,
    };
    projects::append_history(&txn, id, &entry).await?;
    txn.commit().await.map_err(StoreError::from)?;
    let version = updated.version;
    let view: ProjectView = view_for(state.db.reader(), updated, Some(&actor)).await?;
    Ok(([(header::ETAG, etag(version))], Json(view)))
}
