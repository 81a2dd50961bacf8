use axum::{extract::State, response::Response};
use terrain_app::{idempotency::Once, projects};

use crate::{
    auth::AuthUser,
    dto::projects::{CreateProjectRequest, ProjectView},
    error::{ApiError, Problem},
    extract::{HashedJson, IdempotencyKey},
    reply::{Created, created_once},
    state::AppState,
};

fn created(detail: projects::ProjectDetail) -> Created<ProjectView> {
    Created {
        location: super::location(detail.project.id),
        version: Some(detail.project.version),
        body: detail.into(),
    }
}

/// Creates a project in `draft` (leads only). Honours `Idempotency-Key`. A lead holds at most
/// `limits.drafts_per_lead` drafts (409 beyond) and creates at most `limits.projects_per_hour`
/// projects an hour (429 with `Retry-After` beyond).
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = CreateProjectRequest,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 à 255 caractères ASCII visibles ; rejoue la première réponse pour la même clé et le même corps")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Projet créé.", body = ProjectView,
            headers(("ETag" = String, description = "Version"), ("Location" = String, description = "Adresse du projet"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux porteurs de projet.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Trop de brouillons en cours.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de projets créés dans l'heure.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn create_project(
    State(state): State<AppState>,
    AuthUser(lead): AuthUser,
    IdempotencyKey(key): IdempotencyKey,
    HashedJson { value: body, hash }: HashedJson<CreateProjectRequest>,
) -> Result<Response, ApiError> {
    let render = |detail: &projects::ProjectDetail| created(detail.clone()).stored();
    let once = key.as_deref().map(|key| Once {
        key,
        hash: &hash,
        render: &render,
    });
    let outcome = projects::create(&state.app, &lead, body.into(), once.as_ref()).await?;
    created_once(outcome, created)
}
