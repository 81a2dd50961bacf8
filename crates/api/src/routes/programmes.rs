//! `/programmes`: the public programmes and their themes.

use axum::{
    Json,
    extract::{OriginalUri, State},
    http::StatusCode,
};
use serde::Deserialize;
use terrain_app::{pagination, reference};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::AdminUser,
    dto::reference::{CreateProgrammeRequest, ProgrammeView, UpdateProgrammeRequest},
    error::{ApiError, Problem},
    extract::ApiJson,
    extract::{ApiPath, ApiQuery},
    pagination::{Listed, Page},
    reply::Created,
    state::AppState,
};

const LIST: &str = "programmes";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programmes, create_programme))
        .routes(routes!(get_programme, update_programme))
        .routes(routes!(remove_theme))
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

/// Creates a programme with its themes (national administrators). It is usable at once, on
/// every instance: lists, filters, this document's enums, statistics, the dashboard.
#[utoipa::path(post, path = "/programmes", tag = "reference", request_body = CreateProgrammeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Programme créé.", body = ProgrammeView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code déjà pris, thème en double, ou 1 000 programmes déjà.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_programme(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiJson(body): ApiJson<CreateProgrammeRequest>,
) -> Result<Created<ProgrammeView>, ApiError> {
    let programme = reference::create_programme(&state.app, &admin.actor(), body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/programmes/{}", programme.code),
        version: None,
        body: programme.into(),
    })
}

/// Renames a programme and adds themes to it (national administrators).
#[utoipa::path(patch, path = "/programmes/{code}", tag = "reference", request_body = UpdateProgrammeRequest,
    params(("code" = String, Path, description = "Code du programme", example = "education")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le programme.", body = ProgrammeView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Programme inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Thème déjà présent.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_programme(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateProgrammeRequest>,
) -> Result<Json<ProgrammeView>, ApiError> {
    let themes = body.themes.into_iter().map(|t| (t.code, t.label)).collect();
    let programme =
        reference::update_programme(&state.app, &admin.actor(), &code, body.name, themes).await?;
    Ok(Json(programme.into()))
}

/// Removes a theme from a programme (national administrators); refused while a project uses
/// it.
#[utoipa::path(delete, path = "/programmes/{code}/themes/{theme}", tag = "reference",
    params(
        ("code" = String, Path, description = "Code du programme", example = "mobilites"),
        ("theme" = String, Path, description = "Code du thème", example = "velo"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Thème retiré."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Programme ou thème inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Des projets relèvent de ce thème.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_theme(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath((code, theme)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    reference::remove_theme(&state.app, &admin.actor(), &code, &theme).await?;
    Ok(StatusCode::NO_CONTENT)
}
