//! Optimistic concurrency over HTTP: a strong `ETag` from a resource's version, and `If-Match`
//! required on changes (428 without it, 412 when stale).

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
};

use crate::error::ApiError;

/// The strong entity tag of a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The `If-Match` header, if any.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(IfMatch(
            parts
                .headers
                .get(header::IF_MATCH)
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
        ))
    }
}

impl IfMatch {
    /// Checks that the header was sent; its tags are compared by [`IfMatch::check`] once the
    /// request has been validated, so that invalid data is reported as such (422) even with a
    /// stale tag.
    ///
    /// # Errors
    /// 428 when the header is missing.
    pub fn require(&self) -> Result<(), ApiError> {
        if self.0.is_some() {
            Ok(())
        } else {
            Err(ApiError::PreconditionRequired)
        }
    }

    /// Checks the header against the current version, with the strong comparison of RFC 9110
    /// (weak tags never match).
    ///
    /// # Errors
    /// 428 when the header is missing, 412 when no tag matches.
    pub fn check(&self, version: i64) -> Result<(), ApiError> {
        let Some(value) = &self.0 else {
            return Err(ApiError::PreconditionRequired);
        };
        let current = format!("\"{version}\"");
        let matches = value.trim() == "*"
            || value
                .split(',')
                .map(str::trim)
                .any(|tag| !tag.starts_with("W/") && tag == current);
        if matches {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    /// Whether the header was sent at all.
    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_tags_match_weak_and_stale_ones_do_not() {
        assert!(IfMatch(Some("\"3\"".into())).check(3).is_ok());
        assert!(IfMatch(Some("\"2\", \"3\"".into())).check(3).is_ok());
        assert!(IfMatch(Some("*".into())).check(3).is_ok());
        assert!(matches!(
            IfMatch(Some("W/\"3\"".into())).check(3),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(matches!(
            IfMatch(Some("\"2\"".into())).check(3),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(matches!(
            IfMatch(None).check(3),
            Err(ApiError::PreconditionRequired)
        ));
    }
}
