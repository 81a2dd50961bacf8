//! `/funds`: envelopes of money, never overspent.

use axum::{
    Json,
    extract::{OriginalUri, State},
    http::{StatusCode, header},
};
use serde::Deserialize;
use terrain_domain::{Cents, FundCode, Scope, funding};
use terrain_persistence::{
    StoreError,
    repo::funds::{self, FundQuery, NewFund},
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::projects::read::scope_filters;
use crate::openapi::reference::{ProgrammeCode, TerritoryId};
use crate::{
    auth::{AdminUser, AuthUser},
    dto::funding::{CreateFundRequest, FundView},
    error::{ApiError, FieldError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    pagination::{self, Cursor, Listed, Page},
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
) -> Result<super::Created<FundView>, ApiError> {
    let mut errors = Vec::new();
    let code = FundCode::parse(&body.code)
        .map_err(|e| errors.push(FieldError::new("code", e.to_string())))
        .ok();
    let name = body.name;
    if let Err(e) = funding::FUND_NAME.check(&name) {
        errors.push(FieldError::new("name", e.to_string()));
    }
    let programme = state
        .reference
        .programme(&body.programme)
        .map(|p| p.code.clone());
    if programme.is_none() {
        errors.push(FieldError::new("programme", "programme inconnu"));
    }
    let territory = match body.territory.as_deref() {
        Some(id) => {
            let found = state.reference.territory(id).map(|t| t.path.clone());
            if found.is_none() {
                errors.push(FieldError::new("territory", "territoire inconnu"));
            }
            found
        }
        None => None,
    };
    if !(2000..=2100).contains(&body.year) {
        errors.push(FieldError::new("year", "entre 2000 et 2100"));
    }
    let envelope = Cents::new(body.envelope_cents).ok().filter(|c| c.get() > 0);
    if envelope.is_none() {
        let message = if body.envelope_cents > Cents::MAX {
            "au plus 10^14 centimes (mille milliards d'euros)"
        } else {
            "un montant supérieur à zéro"
        };
        errors.push(FieldError::new("envelope_cents", message));
    }
    let (Some(code), Some(programme), Some(envelope), true) =
        (code, programme, envelope, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let reach = Scope {
        programme: Some(programme.clone()),
        territory: territory.clone(),
    };
    if !admin.0.scope.covers(&reach) {
        return Err(ApiError::Forbidden(
            "Ce fonds dépasse votre périmètre d'administration.".into(),
        ));
    }
    let txn = state.db.begin_write().await?;
    let fund = funds::insert(
        &txn,
        NewFund {
            code,
            name,
            programme,
            territory,
            year: body.year,
            envelope,
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::Conflict("Un fonds porte déjà ce code.".into()),
        other => other.into(),
    })?;
    txn.commit().await.map_err(StoreError::from)?;
    let location = format!("/api/v1/funds/{}", fund.code);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(fund.into()),
    ))
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
    let conn = state.db.reader();
    let (programme, territory) = scope_filters(
        &state,
        query.programme.as_deref(),
        query.territory.as_deref(),
    )
    .await?;
    let after = query.cursor.map(|c| Cursor::decode(LIST, &c)).transpose()?;
    let filter = FundQuery {
        programme,
        territory,
        year: query.year,
    };
    let page = funds::list(conn, &filter, after.as_deref(), limit).await?;
    let next = page
        .more
        .then(|| {
            page.items
                .last()
                .map(|f| Cursor::new(LIST, f.code.as_str()))
        })
        .flatten();
    Ok(Listed::new(
        page.items.into_iter().map(Into::into).collect(),
        next,
        &uri,
    ))
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
    let code = FundCode::parse(&code).map_err(|_| ApiError::NotFound)?;
    let fund = funds::find(state.db.reader(), &code)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(fund.into()))
}
