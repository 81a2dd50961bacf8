//! Creations that may be sent twice (`Idempotency-Key` in the API): the same key and body give
//! the first answer again, the same key with another body is refused. Keys are per account and
//! per kind of resource; the answer is stored in the creation's own transaction, so a creation
//! and its key are written together or not at all.

use std::future::Future;

use terrain_persistence::{StoreError, Tx, repo::idempotency, retrying};
use uuid::Uuid;

use crate::{App, AppError};

pub use terrain_persistence::repo::idempotency::StoredResponse;

/// A creation's key, the hash of its request, and how the front door renders its answer (the
/// answer to replay is the front door's business: status, headers, body).
pub struct Once<'a, T> {
    /// The client's key.
    pub key: &'a str,
    /// A hash of the request body, to tell a retry from another request.
    pub hash: &'a str,
    /// The answer to store for a creation.
    pub render: &'a (dyn Fn(&T) -> StoredResponse + Send + Sync),
}

impl<T> std::fmt::Debug for Once<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Once")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What a creation gave.
#[derive(Debug)]
pub enum Outcome<T> {
    /// Created now.
    Done(T),
    /// Created by an earlier request with the same key and body: its answer.
    Replayed(StoredResponse),
}

fn replay(stored: StoredResponse, hash: &str) -> Result<StoredResponse, AppError> {
    if stored.request_hash == hash {
        Ok(stored)
    } else {
        Err(AppError::invalid(
            "Idempotency-Key",
            "cette clé a déjà servi pour une autre requête",
        ))
    }
}

/// The answer stored under the key, if any.
///
/// # Errors
/// 422 when the key was used with another body.
pub async fn prior<T>(
    app: &App,
    user: Uuid,
    scope: &str,
    once: Option<&Once<'_, T>>,
) -> Result<Option<StoredResponse>, AppError> {
    let Some(once) = once else {
        return Ok(None);
    };
    match idempotency::find(app.store().reader(), user, scope, once.key).await? {
        Some(stored) => replay(stored, once.hash).map(Some),
        None => Ok(None),
    }
}

/// Runs a creation once per key: `attempt` writes in the transaction it returns, without
/// committing; the answer is stored beside it and both are committed. A lost race with a
/// request of the same key rolls back and replays that request's answer. The whole attempt is
/// run again on a transaction conflict.
///
/// # Errors
/// Whatever `attempt` fails with; 422 when the key was used with another body.
pub async fn run<T, F, Fut>(
    app: &App,
    user: Uuid,
    scope: &str,
    once: Option<&Once<'_, T>>,
    attempt: F,
) -> Result<Outcome<T>, AppError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(Tx, T), AppError>>,
{
    if let Some(stored) = prior(app, user, scope, once).await? {
        return Ok(Outcome::Replayed(stored));
    }
    retrying(|| async {
        let (txn, value) = attempt().await?;
        if let Some(once) = once {
            let mut stored = (once.render)(&value);
            stored.request_hash = once.hash.to_owned();
            match idempotency::store(&txn, user, scope, once.key, stored, app.now()).await {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => {
                    drop(txn);
                    return match prior(app, user, scope, Some(once)).await? {
                        Some(stored) => Ok(Outcome::Replayed(stored)),
                        None => Err(AppError::Conflict("Réessayez la requête.".into())),
                    };
                }
                Err(other) => return Err(other.into()),
            }
        }
        txn.commit().await?;
        Ok(Outcome::Done(value))
    })
    .await
}
