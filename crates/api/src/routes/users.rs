//! `/users`: account management by national administrators.

use axum::{
    Json,
    extract::{OriginalUri, State},
};
use serde::Deserialize;
use terrain_app::{
    accounts::{self, AccountInput, UserPatch},
    pagination,
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    dto::accounts::{CreateUserRequest, RoleName, UpdateUserRequest, UserView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    pagination::{Listed, Page},
    reply::Created,
    state::AppState,
};

const LIST: &str = "users";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
}

/// Filters and pagination of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this role.
    #[param(inline)]
    role: Option<RoleName>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Creates an account of any role (national administrators only).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Compte créé.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Adresse déjà utilisée.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_user(
    State(state): State<AppState>,
    admin: AuthUser,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> Result<Created<UserView>, ApiError> {
    let scope = body.scope.unwrap_or_default();
    let input = AccountInput {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: body.role.into(),
        programme: scope.programme,
        territory: scope.territory,
    };
    let user = accounts::create_user(&state.app, &admin.actor(), input).await?;
    Ok(Created {
        location: format!("/api/v1/users/{}", user.id),
        version: None,
        body: user.into(),
    })
}

/// Accounts, oldest first (national administrators only).
#[utoipa::path(get, path = "/users", tag = "accounts", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les comptes.", body = Page<UserView>),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_users(
    State(state): State<AppState>,
    admin: AuthUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<UserView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .map(|c| {
            let key = pagination::decode(LIST, &c)?;
            Uuid::parse_str(&key).map_err(|_| ApiError::invalid("cursor", "curseur invalide"))
        })
        .transpose()?;
    let role = query.role.map(Into::into);
    let page = accounts::list_users(&state.app, &admin.actor(), role, after, limit).await?;
    let cursor = |u: &terrain_domain::User| pagination::encode(LIST, &u.id.to_string());
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// One account (national administrators only).
#[utoipa::path(get, path = "/users/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Identifiant du compte")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le compte.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Compte inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_user(
    State(state): State<AppState>,
    admin: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<UserView>, ApiError> {
    let user = accounts::user(&state.app, &admin.actor(), id).await?;
    Ok(Json(user.into()))
}

/// Changes the role, scope, name or disabled flag of an account (national administrators only).
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "Identifiant du compte")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le compte modifié.", body = UserView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Compte inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Un administrateur ne change pas son propre rôle, périmètre ou état, et il reste toujours un administrateur national actif.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_user(
    State(state): State<AppState>,
    admin: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> Result<Json<UserView>, ApiError> {
    let patch = UserPatch {
        display_name: body.display_name,
        role: body.role.map(Into::into),
        scope: body.scope.map(|s| (s.programme, s.territory)),
        disabled: body.disabled,
    };
    let user = accounts::update_user(&state.app, &admin.actor(), id, patch).await?;
    Ok(Json(user.into()))
}
