//! Argon2id password hashes (the crate's default parameters), computed off the async runtime.

use std::sync::LazyLock;

use anyhow::anyhow;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use terrain_domain::Password;

use crate::error::ApiError;

/// A hash of nothing anyone knows, verified when the email is unknown so that an unknown
/// address costs the same time as a wrong password.
static DECOY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(uuid::Uuid::new_v4().as_bytes())
        .ok()
        .map(|h| h.to_string())
});

/// Hashes a new password.
///
/// # Errors
/// [`ApiError::Internal`] when hashing fails.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(anyhow!("argon2: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
}

/// Whether `candidate` matches `stored`; with no stored hash, verifies against a decoy and
/// answers false.
pub async fn verify(candidate: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let Some(hash) = stored.or_else(|| DECOY_HASH.clone()) else {
            return false;
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}
