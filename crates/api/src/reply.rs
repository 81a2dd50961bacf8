//! Shared shapes of answers: a resource with its `ETag`, a creation with its `Location`, and the
//! replay of an idempotent creation.

use axum::{
    Json,
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use terrain_app::idempotency::{Outcome, StoredResponse};

use crate::{conditional::etag, error::ApiError};

/// A resource with the strong `ETag` of its version.
#[derive(Debug)]
pub struct Tagged<T>(pub i64, pub T);

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        ([(header::ETAG, etag(self.0))], Json(self.1)).into_response()
    }
}

/// A resource just created: 201 with its `Location` (and its `ETag` when it has a version).
#[derive(Debug)]
pub struct Created<T> {
    /// The path of the new resource.
    pub location: String,
    /// Its version, when it has one.
    pub version: Option<i64>,
    /// Its body.
    pub body: T,
}

impl<T: Serialize> Created<T> {
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = vec![(
            header::LOCATION,
            HeaderValue::from_str(&self.location).unwrap_or(HeaderValue::from_static("/")),
        )];
        if let Some(version) = self.version {
            headers.push((header::ETAG, etag(version)));
        }
        headers
    }

    /// The answer as stored for an idempotent replay.
    pub fn stored(&self) -> StoredResponse {
        StoredResponse {
            request_hash: String::new(),
            status_code: StatusCode::CREATED.as_u16(),
            body: serde_json::to_string(&self.body).unwrap_or_default(),
            headers: self
                .headers()
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
        }
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::CREATED, Json(&self.body)).into_response();
        response.headers_mut().extend(self.headers());
        response
    }
}

/// Work accepted and done in the background: 202 with the `Location` to follow it.
#[derive(Debug)]
pub struct Accepted<T> {
    /// Where to follow the work.
    pub location: String,
    /// Its body.
    pub body: T,
}

impl<T: Serialize> Accepted<T> {
    /// The answer as stored for an idempotent replay.
    pub fn stored(&self) -> StoredResponse {
        StoredResponse {
            request_hash: String::new(),
            status_code: StatusCode::ACCEPTED.as_u16(),
            body: serde_json::to_string(&self.body).unwrap_or_default(),
            headers: vec![("location".into(), self.location.clone())],
        }
    }
}

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        let location =
            HeaderValue::from_str(&self.location).unwrap_or(HeaderValue::from_static("/"));
        (
            StatusCode::ACCEPTED,
            [(header::LOCATION, location)],
            Json(&self.body),
        )
            .into_response()
    }
}

/// The answer to an idempotent creation: the new resource, or the first answer replayed with
/// its status, headers and body.
pub fn created_once<T, R: IntoResponse>(
    outcome: Outcome<T>,
    created: impl FnOnce(T) -> R,
) -> Result<Response, ApiError> {
    match outcome {
        Outcome::Done(value) => Ok(created(value).into_response()),
        Outcome::Replayed(stored) => replay(&stored),
    }
}

fn replay(stored: &StoredResponse) -> Result<Response, ApiError> {
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
    Ok(response)
}
