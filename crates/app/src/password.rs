//! Argon2id password hashes (the crate's default parameters), computed off the async runtime,
//! at most two per core at a time: each takes 19 MiB, so a flood of logins waits for a slot
//! (and gets 503 after [`WAIT`]) instead of taking the memory of the machine.

use std::{sync::LazyLock, time::Duration};

use tokio::sync::Semaphore;

use anyhow::anyhow;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use terrain_domain::Password;

use crate::AppError;

/// A hash of nothing anyone knows, verified when the email is unknown so that an unknown
/// address costs the same time as a wrong password.
static DECOY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(uuid::Uuid::new_v4().as_bytes())
        .ok()
        .map(|h| h.to_string())
});

/// The longest a password check waits for a slot before answering 503.
pub const WAIT: Duration = Duration::from_secs(3);

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Semaphore::new(2 * cores)
});

async fn slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    match tokio::time::timeout(WAIT, SLOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Busy),
    }
}

/// Hashes a new password.
///
/// # Errors
/// [`AppError::Busy`] when no slot frees up in time, [`AppError::Internal`] when hashing fails.
pub async fn hash(password: Password) -> Result<String, AppError> {
    let _slot = slot().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(anyhow!("argon2: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `candidate` matches `stored`; with no stored hash, verifies against a decoy and
/// answers false.
///
/// # Errors
/// [`AppError::Busy`] when no slot frees up in time.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    let _slot = slot().await?;
    Ok(tokio::task::spawn_blocking(move || {
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
    .unwrap_or(false))
}
