use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header,
};
use serde::de::DeserializeOwned;
use sha2::Digest as _;

use super::field_path;
use crate::error::{ApiError, FieldError};

/// A JSON body. Syntax errors answer 400, a missing or foreign content type 415, a body over
/// the limit 413, and a body of the wrong shape (unknown field, wrong type, missing field) 422
/// naming the field.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&request) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest("Le corps de la requête n'a pas pu être lu.".into())
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

fn is_json(request: &Request) -> bool {
    let Some(content_type) = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A JSON body together with a hash of its content (keys sorted, whitespace ignored), so that
/// an idempotent retry can be recognised.
#[derive(Debug, Clone)]
pub struct HashedJson<T> {
    /// The parsed body.
    pub value: T,
    /// SHA-256 of the canonical JSON, in hex.
    pub hash: String,
}

impl<S, T> FromRequest<S> for HashedJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJson(document) = ApiJson::<serde_json::Value>::from_request(request, state).await?;
        if !document.is_object() {
            return Err(ApiError::invalid("", "un objet JSON est attendu"));
        }
        let canonical =
            serde_json::to_vec(&canonical(&document)).map_err(|e| ApiError::Internal(e.into()))?;
        let hash = sha2::Sha256::digest(&canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let value = serde_path_to_error::deserialize(document).map_err(|e| {
            let field = field_path(e.path());
            ApiError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
        })?;
        Ok(HashedJson { value, hash })
    }
}

/// The document with object keys sorted at every level (parsing bounds the depth to 128).
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Parses a JSON document into `T`, sorting errors into 400 (not JSON) and 422 (wrong shape).
///
/// # Errors
/// [`ApiError::BadRequest`] or [`ApiError::Validation`].
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, so that a document that is not JSON at all is never reported as a field
    // error of its first part.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| ApiError::BadRequest(format!("JSON invalide : {e}")))?;
    // Every body of the API is an object; serde would otherwise accept a struct written as an
    // array of its fields.
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(ApiError::invalid("", "un objet JSON est attendu"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = field_path(e.path());
        let inner = e.into_inner();
        if inner.is_data() {
            ApiError::Validation(vec![FieldError::new(field, inner.to_string())])
        } else {
            ApiError::BadRequest(format!("JSON invalide : {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("JSON invalide : {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parsed")]
    struct Body {
        name: String,
    }

    #[test]
    fn documents_that_are_not_json_are_bad_requests_and_wrong_shapes_are_422() {
        for bad in [
            &b"{\"name\": "[..],
            b"not json",
            b"{} trailing",
            &[0xff, 0xfe],
        ] {
            let outcome = parse::<Body>(bad);
            assert!(
                matches!(outcome, Err(ApiError::BadRequest(_))),
                "{:?}: {outcome:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Well-formed JSON of the wrong shape, however deep, is a field error.
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for shape in [
            &b"{}"[..],
            b"{\"name\": 1}",
            b"{\"name\": \"x\", \"other\": 1}",
            b"[]",
            deep.as_bytes(),
        ] {
            assert!(matches!(parse::<Body>(shape), Err(ApiError::Validation(_))));
        }
    }
}
