//! Optimistic concurrency over HTTP: a strong `ETag` from a resource's version, and `If-Match`
//! required on changes (428 without it, 412 when stale).

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
};

use terrain_app::Expected;

/// The strong entity tag of a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The `If-Match` header, if any.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch(
            parts
                .headers
                .get(header::IF_MATCH)
                .map(|v| v.to_str().unwrap_or_default().to_owned()),
        ))
    }
}

impl IfMatch {
    /// The versions the header names, with the strong comparison of RFC 9110 (weak tags and
    /// tags that are no version never match), for the use case to compare once it has checked
    /// the request; `None` when the header is missing (the use case answers that, in its
    /// order).
    pub fn expected(&self) -> Option<Expected> {
        let value = self.0.as_ref()?;
        if value.trim() == "*" {
            return Some(Expected::Any);
        }
        Some(Expected::OneOf(
            value
                .split(',')
                .map(str::trim)
                .filter(|tag| !tag.starts_with("W/"))
                .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_tags_match_weak_and_stale_ones_do_not() {
        let expected = |h: &str| IfMatch(Some(h.into())).expected().expect("sent");
        assert!(expected("\"3\"").allows(3));
        assert!(expected("\"2\", \"3\"").allows(3));
        assert!(expected("*").allows(3));
        assert!(!expected("W/\"3\"").allows(3));
        assert!(!expected("\"2\"").allows(3));
        assert!(!expected("3").allows(3));
        assert!(IfMatch(None).expected().is_none());
    }
}
