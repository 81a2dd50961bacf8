use axum::{extract::FromRequestParts, http::request::Parts};

use crate::error::ApiError;

/// The `Idempotency-Key` a client sent, if any: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
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
