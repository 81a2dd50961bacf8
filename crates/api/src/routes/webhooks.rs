//! `/webhooks`: the change feed pushed to a subscriber, signed (SPEC §14).

use axum::{Json, extract::State, http::StatusCode};
use terrain_app::webhooks;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    dto::integrations::{
        CreateWebhookRequest, CreatedWebhookView, PingView, WebhookDeliveries, WebhookList,
        WebhookView,
    },
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Created,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, delete_webhook))
        .routes(routes!(list_webhook_deliveries))
        .routes(routes!(ping_webhook))
}

/// Registers a webhook (administrators and observers); its secret is in this answer only.
/// Changes are sent from now on, as you may see them.
#[utoipa::path(post, path = "/webhooks", tag = "integrations", request_body = CreateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Webhook enregistré ; son secret n'est montré qu'ici.", body = CreatedWebhookView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs et aux observateurs.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> Result<Created<CreatedWebhookView>, ApiError> {
    let created = webhooks::create(&state.app, &user.actor(), body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/webhooks/{}", created.hook.id),
        version: None,
        body: created.into(),
    })
}

/// Your webhooks, newest first.
#[utoipa::path(get, path = "/webhooks", tag = "integrations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Vos webhooks.", body = WebhookList),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_webhooks(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<WebhookList>, ApiError> {
    let hooks = webhooks::mine(&state.app, &user.actor()).await?;
    Ok(Json(WebhookList {
        items: hooks.into_iter().map(Into::into).collect(),
    }))
}

/// One of your webhooks (never its secret).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du webhook")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le webhook.", body = WebhookView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Webhook inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(
        webhooks::get(&state.app, &user.actor(), id).await?.into(),
    ))
}

/// Deletes one of your webhooks (a national administrator: anyone's).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du webhook")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Webhook supprimé."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Webhook inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&state.app, &user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's latest deliveries: status code, time, error.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du webhook")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les derniers envois.", body = WebhookDeliveries),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Webhook inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_webhook_deliveries(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookDeliveries>, ApiError> {
    let attempts = webhooks::deliveries(&state.app, &user.actor(), id).await?;
    Ok(Json(WebhookDeliveries {
        items: attempts.into_iter().map(Into::into).collect(),
    }))
}

/// Sends a `webhook.ping` to the target, signed like every delivery.
#[utoipa::path(post, path = "/webhooks/{id}/ping", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du webhook")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Ping mis en file d'envoi.", body = PingView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Webhook inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Webhook désactivé.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn ping_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<PingView>), ApiError> {
    let delivery_id = webhooks::ping(&state.app, &user.actor(), id).await?;
    Ok((StatusCode::ACCEPTED, Json(PingView { delivery_id })))
}
