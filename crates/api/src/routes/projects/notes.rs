//! `/projects/{id}/notes`: private notes of the administrators in charge, never shown to the
//! lead nor to observers, never exported.

use axum::{Json, extract::State};
use terrain_app::review;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    dto::review::{NoteRequest, NoteView, NotesView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Created,
    state::AppState,
};

/// The private notes of the project, oldest first (administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/notes", tag = "review",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les notes.", body = NotesView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_notes(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<NotesView>, ApiError> {
    let notes = review::notes(&state.app, &user.actor(), id).await?;
    Ok(Json(NotesView {
        items: notes.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a private note (administrators in charge).
#[utoipa::path(post, path = "/projects/{id}/notes", tag = "review", request_body = NoteRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Note ajoutée.", body = NoteView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Texte invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_note(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> Result<Created<NoteView>, ApiError> {
    let note = review::add_note(&state.app, &user.actor(), id, &body.body).await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/notes"),
        version: None,
        body: note.into(),
    })
}
