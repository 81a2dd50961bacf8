//! `/me/tokens` and `/tokens`: API tokens, managed from a signed-in session (SPEC §12).

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use terrain_app::api_tokens;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::SessionUser,
    dto::integrations::{CreateTokenRequest, CreatedTokenView, TokenList},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    reply::Created,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_my_tokens))
        .routes(routes!(revoke_my_token))
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

/// Creates an API token for your account; its secret is in this answer only.
#[utoipa::path(post, path = "/me/tokens", tag = "integrations", request_body = CreateTokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Jeton créé ; son secret n'est montré qu'ici.", body = CreatedTokenView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Un jeton d'API ne crée pas de jeton.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_token(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<Created<CreatedTokenView>, ApiError> {
    let created = api_tokens::create(&state.app, &user, body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/me/tokens/{}", created.token.id),
        version: None,
        body: created.into(),
    })
}

/// Your API tokens (never their secret), newest first.
#[utoipa::path(get, path = "/me/tokens", tag = "integrations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Vos jetons.", body = TokenList),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Un jeton d'API ne liste pas les jetons.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_my_tokens(
    State(state): State<AppState>,
    user: SessionUser,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = api_tokens::mine(&state.app, &user.actor()).await?;
    Ok(Json(TokenList {
        items: tokens.into_iter().map(Into::into).collect(),
    }))
}

/// Revokes one of your tokens, at once.
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du jeton")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Jeton révoqué."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Un jeton d'API ne révoque pas les jetons.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Jeton inconnu ou déjà révoqué.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_my_token(
    State(state): State<AppState>,
    user: SessionUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    api_tokens::revoke(&state.app, &user.actor(), id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose tokens.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AccountQuery {
    /// The account.
    account: Uuid,
}

/// Any account's tokens (national administrators).
#[utoipa::path(get, path = "/tokens", tag = "integrations", params(AccountQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les jetons du compte.", body = TokenList),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux connectés.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Compte inconnu.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_tokens(
    State(state): State<AppState>,
    user: SessionUser,
    ApiQuery(query): ApiQuery<AccountQuery>,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = api_tokens::of_account(&state.app, &user.actor(), query.account).await?;
    Ok(Json(TokenList {
        items: tokens.into_iter().map(Into::into).collect(),
    }))
}

/// Revokes anyone's token (national administrators).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "integrations",
    params(("id" = Uuid, Path, description = "Identifiant du jeton")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Jeton révoqué."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs nationaux connectés.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Jeton inconnu ou déjà révoqué.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_token(
    State(state): State<AppState>,
    user: SessionUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    api_tokens::revoke(&state.app, &user.actor(), id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}
