use axum::{Json, extract::State, http::header, response::IntoResponse};
use terrain_domain::status::Party;
use terrain_persistence::{StoreError, repo::projects};
use uuid::Uuid;

use super::{
    fields::{self, RawFields},
    view_for, visible_project,
};
use crate::{
    auth::AuthUser,
    conditional::{IfMatch, etag},
    dto::projects::{ProjectView, UpdateProjectRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
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
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let project = visible_project(&state, id, Some(&actor)).await?;
    if project.party(&actor) != Party::Owner {
        return Err(ApiError::Forbidden(
            "Seul le porteur modifie son projet.".into(),
        ));
    }
    if_match.require()?;
    if !project.status.is_editable() {
        return Err(ApiError::Conflict(format!(
            "Un projet au statut {} n'est plus modifiable.",
            project.status
        )));
    }
    let (fields, path) = fields::resolve(&state, RawFields::patched(&project, patch)).await?;
    if_match.check(project.version)?;
    let txn = state.db.begin_write().await?;
    let updated = projects::update_fields(&txn, &project, &fields, &path)
        .await?
        .ok_or(ApiError::PreconditionFailed)?;
    txn.commit().await.map_err(StoreError::from)?;
    let version = updated.version;
    let view: ProjectView = view_for(state.db.reader(), updated, Some(&actor)).await?;
    Ok(([(header::ETAG, etag(version))], Json(view)))
}
