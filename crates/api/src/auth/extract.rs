//! Extractors for the caller: a bearer access token read by the accounts use case, so that a
//! disabled account is refused at once and the role comes from the database.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{Method, header, request::Parts},
};
use terrain_app::{accounts, api_tokens, limits};
use terrain_domain::{Actor, Role, User};

use crate::{error::ApiError, state::AppState};

/// Any signed-in user whose account is enabled.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

/// An administrator (of any scope).
#[derive(Debug, Clone)]
pub struct AdminUser(pub User);

/// A person signed in themselves (a session's access token), never a program holding an API
/// token: managing tokens takes a session (SPEC §12).
#[derive(Debug, Clone)]
pub struct SessionUser(pub User);

impl SessionUser {
    /// The caller as permission checks see it.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0)
    }
}

/// The caller if a token is given; anonymous otherwise. A token that is given but invalid is
/// still refused (401): a mistake should not silently downgrade to anonymous.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<User>);

impl AuthUser {
    /// The caller as permission checks see it.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0)
    }
}

impl AdminUser {
    /// The caller as permission checks see it.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0)
    }
}

impl MaybeUser {
    /// The caller as permission checks see it, if signed in.
    pub fn actor(&self) -> Option<Actor> {
        self.0.as_ref().map(Actor::from)
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<User>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    let token = token.trim();
    if api_tokens::is_api_token(token) {
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        return Ok(Some(
            api_tokens::authenticate(&state.app, token, writes).await?,
        ));
    }
    Ok(Some(accounts::authenticate(&state.app, token).await?))
}

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if given.is_some_and(api_tokens::is_api_token) {
            // Still refused as 401 first when the token itself is not valid.
            authenticate(parts, state).await?;
            return Err(ApiError::Forbidden(
                "Un jeton d'API ne gère pas les jetons : connectez-vous avec votre compte.".into(),
            ));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|AuthUser(user)| SessionUser(user))
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(MaybeUser)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state)
            .await?
            .map(AuthUser)
            .ok_or(ApiError::Unauthorized)
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        if user.role == Role::Admin {
            Ok(AdminUser(user))
        } else {
            Err(ApiError::Forbidden(
                "Cette action est réservée aux administrateurs.".into(),
            ))
        }
    }
}

/// The client's address (see `terrain_app::limits::client_address`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        let values = |name: &str| -> Vec<&str> {
            parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect()
        };
        Ok(ClientIp(limits::client_address(
            peer,
            &values("x-forwarded-for"),
            &values("forwarded"),
            state.app.trusted_proxies(),
        )))
    }
}
