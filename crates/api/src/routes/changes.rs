//! `/changes`: the change feed (SPEC §13).

use axum::{Json, extract::State};
use serde::Deserialize;
use terrain_app::{changes, pagination};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::AuthUser,
    dto::integrations::ChangesPage,
    error::{ApiError, Problem},
    extract::ApiQuery,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_changes))
}

/// Where to read from.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// The `next_cursor` of the previous page (a `seq`); 0 or absent: from the start.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
}

/// Every change in commit order, among what you may see now (deletions included). Poll with
/// the `next_cursor` of each page: once caught up, an empty page keeps the same cursor.
#[utoipa::path(get, path = "/changes", tag = "integrations", params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les changements qui suivent le curseur.", body = ChangesPage),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_changes(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, ApiError> {
    let after = query.after.unwrap_or(0);
    let limit = pagination::limit(query.limit)?;
    let page = changes::after(&state.app, &user.actor(), after, limit).await?;
    let next_cursor = page.items.last().map_or(after, |c| c.seq);
    Ok(Json(ChangesPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
