//! `/auth/*` and `/me`: registration, login, token rotation, logout, and the caller's account.

use axum::{Json, extract::State, http::StatusCode};
use terrain_app::accounts::{self, Tokens};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{AuthUser, ClientIp},
    dto::{
        accounts::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserView},
        deliveries::{PreferencesRequest, PreferencesView},
    },
    error::{ApiError, Problem},
    extract::ApiJson,
    state::AppState,
};

/// The routes; the ones that take credentials are rate limited per client address, and
/// failed logins per account.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh_tokens))
        .routes(routes!(logout))
        .routes(routes!(get_me))
        .routes(routes!(set_preferences))
}

impl From<Tokens> for TokenResponse {
    fn from(tokens: Tokens) -> Self {
        TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
        }
    }
}

/// Creates a project lead account.
#[utoipa::path(post, path = "/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Compte créé.", body = UserView),
        (status = 409, description = "Adresse déjà utilisée.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de tentatives.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = accounts::register(
        &state.app,
        client,
        body.email,
        body.password,
        body.display_name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Exchanges an email and a password for tokens.
#[utoipa::path(post, path = "/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Jetons émis.", body = TokenResponse),
        (status = 401, description = "Adresse ou mot de passe incorrect.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de tentatives.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = accounts::login(&state.app, client, &body.email, body.password).await?;
    Ok(Json(tokens.into()))
}

/// Exchanges a refresh token for a new pair; the old one is spent. Presenting a spent token
/// revokes every token of its family.
#[utoipa::path(post, path = "/auth/refresh", tag = "accounts", request_body = RefreshRequest,
    responses(
        (status = 200, description = "Nouveaux jetons.", body = TokenResponse),
        (status = 401, description = "Jeton inconnu, expiré, révoqué ou déjà utilisé.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de tentatives.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn refresh_tokens(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = accounts::refresh(&state.app, client, &body.refresh_token).await?;
    Ok(Json(tokens.into()))
}

/// Revokes the refresh token's family: every token of that sign-in stops working.
#[utoipa::path(post, path = "/auth/logout", tag = "accounts", request_body = RefreshRequest,
    responses(
        (status = 204, description = "Session fermée."),
        (status = 401, description = "Jeton inconnu, expiré ou déjà révoqué.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de tentatives.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn logout(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::logout(&state.app, client, &body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own account.
#[utoipa::path(get, path = "/me", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "Votre compte.", body = UserView),
        (status = 401, description = "Jeton absent ou invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_me(AuthUser(user): AuthUser) -> Json<UserView> {
    Json(user.into())
}

/// Sets how you hear about projects: `instant` (a mail at once, the default), `daily` (one
/// digest a working day at 9:00 Paris time, administrators) or `none`.
#[utoipa::path(put, path = "/me/preferences", tag = "accounts", security(("bearer" = [])),
    request_body = PreferencesRequest,
    responses(
        (status = 200, description = "Vos préférences.", body = PreferencesView),
        (status = 401, description = "Jeton absent ou invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Préférence inconnue.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_preferences(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<PreferencesRequest>,
) -> Result<Json<PreferencesView>, ApiError> {
    let user = accounts::set_mail_preference(&state.app, &user.actor(), body.mail.into()).await?;
    Ok(Json(PreferencesView {
        mail: user.mail.into(),
    }))
}
