//! `/programmes`: the public programmes and their themes.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{pagination, reference};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    dto::reference::ProgrammeView,
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    pagination::{Listed, Page},
    state::AppState,
};

const LIST: &str = "programmes";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programmes))
        .routes(routes!(get_programme))
}

/// Pagination of the programme list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// The programmes, by code.
#[utoipa::path(get, path = "/programmes", tag = "reference", params(ListQuery),
    responses(
        (status = 200, description = "Les programmes.", body = Page<ProgrammeView>),
        (status = 422, description = "Paramètre invalide.", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn list_programmes(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<ProgrammeView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .map(|c| pagination::decode(LIST, &c))
        .transpose()?;
    let page = reference::programmes(&state.app, after.as_deref(), limit).await?;
    let cursor = |p: &terrain_domain::Programme| pagination::encode(LIST, p.code.as_str());
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// One programme with its themes.
#[utoipa::path(get, path = "/programmes/{code}", tag = "reference",
    params(("code" = String, Path, description = "Code du programme", example = "education")),
    responses(
        (status = 200, description = "Le programme.", body = ProgrammeView),
        (status = 404, description = "Programme inconnu.", body = Problem,
            content_type = "application/problem+json"),
    ))]
async fn get_programme(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProgrammeView>, ApiError> {
    Ok(Json(reference::programme(&state.app, &code).await?.into()))
}
