use axum::{extract::FromRequestParts, http::request::Parts};
use serde::de::DeserializeOwned;

use super::field_path;
use crate::error::{ApiError, FieldError};

/// Query parameters. A parameter of the wrong type or an unknown one answers 422 naming it.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // An empty value (`?to=`) is a value like any other: refused where it does not parse.
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            parts.uri.query().unwrap_or_default().as_bytes(),
        ));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let field = field_path(e.path());
                ApiError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
            })
    }
}
