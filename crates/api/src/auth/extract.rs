//! Who is calling, in the handler's signature: forgetting a check does not compile.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use terrain_domain::{Actor, Role, User};
use terrain_persistence::repo::users;
use uuid::Uuid;

use crate::{error::ApiError, state::AppState};

/// Any signed-in user whose account is enabled.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

/// An administrator (of any scope).
#[derive(Debug, Clone)]
pub struct AdminUser(pub User);

/// An administrator with no scope restriction: manages accounts and programmes.
#[derive(Debug, Clone)]
pub struct NationalAdmin(pub User);

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
    let claims = state
        .keys
        .verify(token.trim())
        .ok_or(ApiError::Unauthorized)?;
    let id = Uuid::parse_str(&claims.sub).map_err(|_| ApiError::Unauthorized)?;
    let user = users::find(state.db.reader(), id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if user.disabled {
        return Err(ApiError::Unauthorized);
    }
    Ok(Some(user))
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

impl FromRequestParts<AppState> for NationalAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        if user.role == Role::Admin && user.scope.is_national() {
            Ok(NationalAdmin(user))
        } else {
            Err(ApiError::Forbidden(
                "Cette action est réservée aux administrateurs nationaux.".into(),
            ))
        }
    }
}
