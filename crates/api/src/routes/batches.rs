//! `/batches`: decisions on up to 500 projects at once, done in the background, one result per
//! project (SPEC §16).

use axum::{Json, extract::State, response::Response};
use terrain_app::{
    batches::{self, BatchInput},
    idempotency::Once,
};
use terrain_domain::review::Batch;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::AdminUser,
    dto::review::{BatchCreated, BatchRequest, BatchView},
    error::{ApiError, Problem},
    extract::{ApiPath, HashedJson, IdempotencyKey},
    reply::{Accepted, created_once},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_batch))
        .routes(routes!(get_batch))
}

fn accepted(batch: Batch) -> Accepted<BatchCreated> {
    Accepted {
        location: format!("/api/v1/batches/{}", batch.id),
        body: BatchCreated { id: batch.id },
    }
}

/// Asks for a batch of decisions (administrators). Honours `Idempotency-Key`. Each project is
/// decided in its own transaction, with its history entry and mails; one out of scope or in
/// the wrong status is skipped with the reason.
#[utoipa::path(post, path = "/batches", tag = "review", request_body = BatchRequest,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 à 255 caractères ASCII visibles ; rejoue la première réponse pour la même clé et le même corps")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Lot accepté, traité en arrière-plan.", body = BatchCreated,
            headers(("Location" = String, description = "Adresse du lot"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Aucun projet, plus de 500, commentaire ou modèle invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_batch(
    State(state): State<AppState>,
    admin: AdminUser,
    IdempotencyKey(key): IdempotencyKey,
    HashedJson { value: body, hash }: HashedJson<BatchRequest>,
) -> Result<Response, ApiError> {
    let render = |batch: &Batch| accepted(batch.clone()).stored();
    let once = key.as_deref().map(|key| Once {
        key,
        hash: &hash,
        render: &render,
    });
    let input = BatchInput {
        action: body.action.into(),
        project_ids: body.project_ids,
        comment: body.comment,
        template_id: body.template_id,
    };
    let outcome = batches::create(&state.app, &admin.actor(), input, once.as_ref()).await?;
    created_once(outcome, accepted)
}

/// A batch and the result of each of its projects (its author, or a national administrator).
#[utoipa::path(get, path = "/batches/{id}", tag = "review",
    params(("id" = Uuid, Path, description = "Identifiant du lot")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le lot.", body = BatchView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Lot inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_batch(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BatchView>, ApiError> {
    Ok(Json(
        batches::get(&state.app, &admin.actor(), id).await?.into(),
    ))
}
