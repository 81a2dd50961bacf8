//! `Idempotency-Key` on creations: the same key and body replay the first response; the same
//! key with another body is refused with 422. Keys are per user and per kind of resource, and
//! the stored response is written in the creation's own transaction.

use axum::{
    Json,
    extract::FromRequestParts,
    http::{HeaderName, HeaderValue, StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use terrain_persistence::{ConnectionTrait, StoreError, repo::idempotency};
use uuid::Uuid;

use crate::error::ApiError;

/// The header's name.
pub const HEADER: &str = "idempotency-key";

/// The key a client sent, if any: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::invalid("Idempotency-Key", "de 1 à 255 caractères ASCII visibles")
            })?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

/// A previous answer to replay, or the go-ahead to create.
#[derive(Debug)]
pub enum Prior {
    /// Nothing stored under this key: create.
    None,
    /// The first response, to send again.
    Replay(Response),
}

fn replay(stored: idempotency::StoredResponse, hash: &str) -> Result<Prior, ApiError> {
    if stored.request_hash != hash {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "cette clé a déjà servi pour une autre requête",
        ));
    }
    let body: serde_json::Value = serde_json::from_str(&stored.body)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored idempotent response: {e}")))?;
    let status = StatusCode::from_u16(stored.status_code).unwrap_or(StatusCode::OK);
    let mut response = (status, Json(body)).into_response();
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(Prior::Replay(response))
}

/// Looks for a response already stored under the key.
///
/// # Errors
/// 422 when the key was used with another body.
pub async fn prior(
    conn: &impl ConnectionTrait,
    user: Uuid,
    scope: &str,
    key: &IdempotencyKey,
    hash: &str,
) -> Result<Prior, ApiError> {
    let Some(key) = &key.0 else {
        return Ok(Prior::None);
    };
    match idempotency::find(conn, user, scope, key).await? {
        Some(stored) => replay(stored, hash),
        None => Ok(Prior::None),
    }
}

/// Stores the response (status, headers such as `ETag` and `Location`, body) under the key,
/// inside the creation's transaction. Returns `false` when another request with the same key
/// stored its response first: the caller then rolls back and replays that one with [`prior`].
///
/// # Errors
/// When the database fails.
#[expect(
    clippy::too_many_arguments,
    reason = "a key is scoped by user and resource, and a response is status, headers and body"
)]
pub async fn remember<T: Serialize>(
    conn: &impl ConnectionTrait,
    user: Uuid,
    scope: &str,
    key: &IdempotencyKey,
    hash: &str,
    status: StatusCode,
    headers: &[(HeaderName, HeaderValue)],
    body: &T,
) -> Result<bool, ApiError> {
    let Some(key) = &key.0 else {
        return Ok(true);
    };
    let stored = idempotency::StoredResponse {
        request_hash: hash.to_owned(),
        status_code: status.as_u16(),
        body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.into()))?,
        headers: headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    match idempotency::store(conn, user, scope, key, stored).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}
