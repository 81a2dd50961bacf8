//! `/programmes`: the public programmes and their themes.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_domain::ProgrammeCode;
use terrain_persistence::repo::reference;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    dto::reference::ProgrammeView,
    error::{ApiError, Problem},
    extract::{ApiPath, ApiQuery},
    pagination::{self, Cursor, Listed, Page},
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
    let after = query.cursor.map(|c| Cursor::decode(LIST, &c)).transpose()?;
    let page = reference::list_programmes(state.db.reader(), after.as_deref(), limit).await?;
    let next = page
        .more
        .then(|| {
            page.items
                .last()
                .map(|p| Cursor::new(LIST, p.code.as_str()))
        })
        .flatten();
    Ok(Listed::new(
        page.items.into_iter().map(Into::into).collect(),
        next,
        &uri,
    ))
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
    let code = ProgrammeCode::parse(&code).map_err(|_| ApiError::NotFound)?;
    let programme = reference::find_programme(state.db.reader(), &code)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(programme.into()))
}
