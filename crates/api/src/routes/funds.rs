//! `/funds`: envelopes of money, never overspent.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{
    funding::{self, FundFilters},
    pagination,
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::openapi::reference::{ProgrammeCode, TerritoryId};
use crate::{
    auth::{AdminUser, AuthUser},
    dto::funding::{CreateFundRequest, FundView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    pagination::{Listed, Page},
    reply::Created,
    state::AppState,
};

const LIST: &str = "funds";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_fund, list_funds))
        .routes(routes!(get_fund))
}

/// Creates a fund (a national administrator, or one whose scope covers the fund's).
#[utoipa::path(post, path = "/funds", tag = "funding", request_body = CreateFundRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Fonds créé.", body = FundView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code déjà utilisé.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
async fn create_fund(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiJson(body): ApiJson<CreateFundRequest>,
) -> Result<Created<FundView>, ApiError> {
    let fund = funding::create_fund(&state.app, &admin.actor(), body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/funds/{}", fund.code),
        version: None,
        body: fund.into(),
    })
}

/// Filters and pagination of the fund list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// Only funds whose territory lies in this subtree.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
    /// Only this year.
    year: Option<i32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Funds, by code (any signed-in user).
#[utoipa::path(get, path = "/funds", tag = "funding", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les fonds.", body = Page<FundView>),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_funds(
    State(state): State<AppState>,
    _user: AuthUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<FundView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .map(|c| pagination::decode(LIST, &c))
        .transpose()?;
    let filters = FundFilters {
        programme: query.programme,
        territory: query.territory,
        year: query.year,
    };
    let page = funding::list_funds(&state.app, filters, after.as_deref(), limit).await?;
    let cursor = |f: &terrain_domain::Fund| pagination::encode(LIST, f.code.as_str());
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// One fund, with what is committed and what remains (any signed-in user).
#[utoipa::path(get, path = "/funds/{code}", tag = "funding",
    params(("code" = String, Path, description = "Code du fonds")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le fonds.", body = FundView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Fonds inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_fund(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<FundView>, ApiError> {
    Ok(Json(funding::fund(&state.app, &code).await?.into()))
}
