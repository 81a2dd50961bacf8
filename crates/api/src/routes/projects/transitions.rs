use axum::{Json, extract::State, http::header, response::IntoResponse};
use chrono::Utc;
use terrain_domain::{
    HistoryEntry, HistoryKind, Role, history,
    status::{self, Circumstances, Party, Refusal},
};
use terrain_persistence::{StoreError, repo::projects};
use uuid::Uuid;

use super::{view_for, visible_project};
use crate::{
    auth::AuthUser,
    conditional::{IfMatch, etag},
    dto::projects::{ProjectView, TransitionRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    state::AppState,
};

/// Applies a workflow action (see the status diagram) with `If-Match`; one transaction with
/// its history entry.
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
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let project = visible_project(&state, id, Some(&actor)).await?;
    let party = project.party(&actor);
    if actor.role == Role::Admin && party == Party::Other {
        return Err(ApiError::NotFound);
    }
    if_match.require()?;
    let comment = comment(body.comment, "comment")?;
    if_match.check(project.version)?;
    let action = body.action.into();
    let circumstances = Circumstances {
        has_comment: comment.is_some(),
        has_financial_support: project.granted_cents > 0,
    };
    let to = status::apply(project.status, action, party, circumstances).map_err(refusal)?;
    let now = Utc::now();
    let txn = state.db.begin_write().await?;
    let updated = projects::change_status(&txn, &project, to, now)
        .await?
        .ok_or(ApiError::PreconditionFailed)?;
    let entry = HistoryEntry {
        at: now,
        actor_id: actor.id,
        actor_role: actor.role,
        kind: HistoryKind::Transition,
        action: action.as_str().to_owned(),
        from: Some(project.status.as_str().to_owned()),
        to: Some(to.as_str().to_owned()),
        comment,
    };
    projects::append_history(&txn, id, &entry).await?;
    txn.commit().await.map_err(StoreError::from)?;
    let version = updated.version;
    let view: ProjectView = view_for(state.db.reader(), updated, Some(&actor)).await?;
    Ok(([(header::ETAG, etag(version))], Json(view)))
}

fn refusal(refusal: Refusal) -> ApiError {
    let detail = refusal.to_string();
    match refusal {
        Refusal::Forbidden { .. } => ApiError::Forbidden(detail),
        Refusal::NotFromStatus { .. } | Refusal::FinanciallySupported => ApiError::Conflict(detail),
        Refusal::CommentRequired { .. } => ApiError::invalid("comment", detail),
    }
}

/// A comment or note: empty counts as absent; otherwise [`history::COMMENT`] applies.
///
/// # Errors
/// 422 when too long, blank at an end or holding control characters.
pub(super) fn comment(text: Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    let text = text.filter(|c| !c.is_empty());
    if let Some(Err(e)) = text.as_deref().map(|c| history::COMMENT.check(c)) {
        return Err(ApiError::invalid(field, e.to_string()));
    }
    Ok(text)
}
