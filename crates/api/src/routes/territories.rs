//! `/territories`: the tree région → académie → département.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{pagination, reference};
use terrain_domain::TerritoryId;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    dto::reference::{Level, TerritoryDetail, TerritoryView},
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    pagination::{Listed, Page},
    state::AppState,
};

const LIST: &str = "territories";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_territories))
        .routes(routes!(get_territory))
}

/// Filters and pagination of the territory list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this level.
    #[param(inline)]
    kind: Option<Level>,
    /// Only the direct children of this territory (`kind:code`).
    #[param(value_type = Option<crate::openapi::reference::TerritoryId>)]
    parent: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Territories, from the country down, then by identifier.
#[utoipa::path(get, path = "/territories", tag = "reference", params(ListQuery),
    responses(
        (status = 200, description = "Les territoires.", body = Page<TerritoryView>),
        (status = 422, description = "Filtre invalide.", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn list_territories(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<TerritoryView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .map(|c| {
            let key = pagination::decode(LIST, &c)?;
            TerritoryId::parse(&key).map_err(|_| ApiError::invalid("cursor", "curseur invalide"))
        })
        .transpose()?;
    let kind = query.kind.map(Into::into);
    let page = reference::territories(
        &state.app,
        kind,
        query.parent.as_deref(),
        after.as_ref(),
        limit,
    )
    .await?;
    let cursor = |t: &terrain_domain::Territory| pagination::encode(LIST, t.id().as_str());
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// One territory, with its ancestors and its children.
#[utoipa::path(get, path = "/territories/{id}", tag = "reference",
    params(("id" = String, Path, description = "Identifiant kind:code", example = "department:2A")),
    responses(
        (status = 200, description = "Le territoire.", body = TerritoryDetail),
        (status = 404, description = "Territoire inconnu.", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn get_territory(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TerritoryDetail>, ApiError> {
    let (territory, ancestors, children) = reference::territory(&state.app, &id).await?;
    Ok(Json(TerritoryDetail::new(territory, ancestors, children)))
}
