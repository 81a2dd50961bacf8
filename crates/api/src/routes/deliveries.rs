//! `/deliveries`: what the outbox sent or failed to send (national administrators), and
//! retrying a failed delivery.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{outbox, pagination};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::AdminUser,
    dto::deliveries::{ChannelName, DeliveryStatusName, DeliveryView},
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    pagination::{Listed, Page},
    state::AppState,
};

const LIST: &str = "deliveries";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

/// Filters and pagination of the deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this status (`failed`: what nobody received).
    status: Option<DeliveryStatusName>,
    /// Only this channel.
    channel: Option<ChannelName>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Deliveries, newest first (national administrators).
#[utoipa::path(get, path = "/deliveries", tag = "deliveries", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les envois.", body = Page<DeliveryView>),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_deliveries(
    State(state): State<AppState>,
    admin: AdminUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<DeliveryView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let page = outbox::deliveries(
        &state.app,
        &admin.actor(),
        query.status.map(Into::into),
        query.channel.map(Into::into),
        query.cursor.as_deref(),
        limit,
    )
    .await?;
    let cursor = |d: &terrain_domain::Delivery| pagination::encode_timed(LIST, d.created_at, d.id);
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// Puts a failed delivery back in the queue, its attempts counted afresh (national
/// administrators).
#[utoipa::path(post, path = "/deliveries/{id}/retry", tag = "deliveries",
    params(("id" = Uuid, Path, description = "Identifiant de l'envoi")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "L'envoi, de nouveau en attente.", body = DeliveryView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Envoi inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "L'envoi n'est pas en échec.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn retry_delivery(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeliveryView>, ApiError> {
    Ok(Json(
        outbox::retry(&state.app, &admin.actor(), id).await?.into(),
    ))
}
