//! Idempotency keys: the first response to a creation, replayed for the same key and body.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::{StoreError, entities::idempotency_key};

/// A response stored under a key.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// Hash of the request body that produced it.
    pub request_hash: String,
    /// HTTP status.
    pub status_code: u16,
    /// JSON body.
    pub body: String,
    /// The headers to replay with it (`ETag`, `Location`), by name.
    pub headers: Vec<(String, String)>,
}

/// The response stored for `(user, scope, key)`.
///
/// # Errors
/// When the database fails.
pub async fn find(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    scope: &str,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    Ok(
        idempotency_key::Entity::find_by_id((user_id, scope.to_owned(), key.to_owned()))
            .one(conn)
            .await?
            .map(|m| StoredResponse {
                request_hash: m.request_hash,
                status_code: u16::try_from(m.status_code).unwrap_or(500),
                body: m.response_body,
                headers: serde_json::from_str(&m.response_headers).unwrap_or_default(),
            }),
    )
}

/// Stores the response of a creation, in the creation's transaction.
///
/// # Errors
/// [`StoreError::Conflict`] when another request stored one for the same key first.
pub async fn store(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    scope: &str,
    key: &str,
    response: StoredResponse,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let model = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(response.request_hash),
        status_code: Set(i32::from(response.status_code)),
        response_body: Set(response.body),
        response_headers: Set(serde_json::to_string(&response.headers).unwrap_or_default()),
        created_at: Set(now),
    };
    idempotency_key::Entity::insert(model).exec(conn).await?;
    Ok(())
}
