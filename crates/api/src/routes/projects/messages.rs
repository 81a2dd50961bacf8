//! `/projects/{id}/messages`: the conversation between the lead and the administrators in
//! charge; never shown to observers, never exported.

use axum::{Json, extract::State};
use terrain_app::messages;
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    dto::conversation::{MessageRequest, MessageView, MessagesView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Created,
    state::AppState,
};

/// The project's messages, oldest first (its lead and the administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les messages.", body = MessagesView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, ou dont vous ne suivez pas la conversation.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<MessagesView>, ApiError> {
    let items = messages::list(&state.app, &user.actor(), id).await?;
    Ok(Json(MessagesView {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Writes a message; the other side is told by mail.
#[utoipa::path(post, path = "/projects/{id}/messages", tag = "messages", request_body = MessageRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Message envoyé.", body = MessageView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, ou dont vous ne suivez pas la conversation.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Texte ou pièces jointes invalides.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn post_message(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MessageRequest>,
) -> Result<Created<MessageView>, ApiError> {
    let message = messages::post(
        &state.app,
        &user.actor(),
        id,
        &body.body,
        &body.attachment_ids,
    )
    .await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/messages"),
        version: None,
        body: message.into(),
    })
}
