//! `/auth/*` and `/me`: registration, login, token rotation, logout, and the caller's account.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use terrain_domain::{Email, Role, User};
use terrain_persistence::{StoreError, repo::tokens, repo::users};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    accounts::{self, AccountInput},
    auth::{
        AuthUser, password,
        tokens::{ACCESS_TTL_SECS, REFRESH_TTL_DAYS, hash_refresh_token, new_refresh_token},
    },
    dto::accounts::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserView},
    error::{ApiError, Problem},
    extract::ApiJson,
    limits::{self, ClientIp},
    state::AppState,
};

/// The routes; the ones that take credentials are rate limited per client address (see
/// [`limits::hit_address`]), and failed logins per account.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh_tokens))
        .routes(routes!(logout))
        .routes(routes!(get_me))
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
    limits::hit_address(&state, "register", client).await?;
    let input = AccountInput {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
        role: Role::Lead,
        programme: None,
        territory: None,
    };
    let user = accounts::create_account(&state.db, &state.reference, input).await?;
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
    limits::hit_address(&state, "login", client).await?;
    let email = Email::parse(&body.email).ok();
    // Failures are counted per address typed, known or not, so the answer says nothing of
    // whether an account exists.
    let account = email
        .as_ref()
        .map_or_else(|| body.email.to_lowercase(), |e| e.as_str().to_owned());
    let failures = limits::account_failures(&state);
    limits::check(&state.db, failures, &account).await?;
    let found = match &email {
        Some(email) => users::find_credentials(state.db.reader(), email).await?,
        None => None,
    };
    let (user, hash) = found.map_or((None, None), |(u, h)| (Some(u), Some(h)));
    let verified = password::verify(body.password, hash).await?;
    match user {
        Some(user) if verified && !user.disabled => {
            issue_tokens(&state, &user, Uuid::now_v7()).await.map(Json)
        }
        _ => {
            limits::hit(&state.db, failures, &account).await?;
            Err(ApiError::Unauthorized)
        }
    }
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
    limits::hit_address(&state, "refresh", client).await?;
    let hash = hash_refresh_token(&body.refresh_token);
    let txn = state.db.begin_write().await?;
    let record = tokens::find_by_hash(&txn, &hash)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if record.revoked_at.is_some() || record.expires_at <= Utc::now() {
        return Err(ApiError::Unauthorized);
    }
    if record.used_at.is_some() || !tokens::spend(&txn, record.id).await? {
        tracing::warn!(family = %record.family_id, "refresh token reused: family revoked");
        tokens::revoke_family(&txn, record.family_id).await?;
        txn.commit().await.map_err(StoreError::from)?;
        return Err(ApiError::Unauthorized);
    }
    let user = users::find(&txn, record.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(ApiError::Unauthorized)?;
    let response = issue_tokens_in(&txn, &state, &user, record.family_id).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Json(response))
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
    limits::hit_address(&state, "refresh", client).await?;
    let hash = hash_refresh_token(&body.refresh_token);
    let record = tokens::find_by_hash(state.db.reader(), &hash)
        .await?
        .filter(|r| r.revoked_at.is_none() && r.expires_at > Utc::now())
        .ok_or(ApiError::Unauthorized)?;
    let txn = state.db.begin_write().await?;
    tokens::revoke_family(&txn, record.family_id).await?;
    txn.commit().await.map_err(StoreError::from)?;
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

async fn issue_tokens(
    state: &AppState,
    user: &User,
    family: Uuid,
) -> Result<TokenResponse, ApiError> {
    let txn = state.db.begin_write().await?;
    let response = issue_tokens_in(&txn, state, user, family).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(response)
}

async fn issue_tokens_in(
    txn: &terrain_persistence::DatabaseTransaction,
    state: &AppState,
    user: &User,
    family: Uuid,
) -> Result<TokenResponse, ApiError> {
    let access_token = state
        .keys
        .issue(user)
        .map_err(|e| ApiError::Internal(e.into()))?;
    let (refresh_token, hash) = new_refresh_token();
    let expires = Utc::now() + chrono::Duration::days(REFRESH_TTL_DAYS);
    tokens::insert(txn, user.id, family, hash, expires).await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_SECS,
        refresh_token,
    })
}
