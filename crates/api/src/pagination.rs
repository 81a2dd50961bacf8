//! Lists: `?limit=` (1–100, default 20), opaque `?cursor=`, a `{items, next_cursor}` body and a
//! `Link: <…>; rel="next"` header.

use axum::{
    Json,
    http::{HeaderValue, Uri, header},
    response::{IntoResponse, Response},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Items per page when `limit` is absent.
pub const DEFAULT_LIMIT: u64 = 20;
/// The largest `limit` accepted.
pub const MAX_LIMIT: u64 = 100;

/// Checks `limit`.
///
/// # Errors
/// 422 on `limit` outside 1–100.
pub fn limit(requested: Option<u64>) -> Result<u64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("doit être compris entre 1 et {MAX_LIMIT}"),
        )),
    }
}

/// An opaque position in a list: the list's name and the key of the last item seen. Clients
/// must not build them; a cursor of another list or of no list is refused with 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor after `key` in the list `list`.
    pub fn new(list: &str, key: &str) -> Self {
        Cursor(URL_SAFE_NO_PAD.encode(format!("{list}\n{key}")))
    }

    /// The key carried by a cursor of the list `list`.
    ///
    /// # Errors
    /// 422 on `cursor` when the cursor was not made by this list.
    pub fn decode(list: &str, cursor: &str) -> Result<String, ApiError> {
        let invalid = || ApiError::invalid("cursor", "curseur invalide");
        if cursor.len() > 512 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        match text.split_once('\n') {
            Some((name, key)) if name == list && !key.is_empty() => Ok(key.to_owned()),
            _ => Err(invalid()),
        }
    }

    /// The opaque string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The body of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A list response: the page, and the `Link` header to the next one.
#[derive(Debug)]
pub struct Listed<T> {
    page: Page<T>,
    next_link: Option<String>,
}

impl<T> Listed<T> {
    /// Builds the response for `items`; `next` is the cursor of the following page, if any,
    /// and `uri` the request's, to which the `Link` header points with the cursor replaced.
    pub fn new(items: Vec<T>, next: Option<Cursor>, uri: &Uri) -> Self {
        let next_link = next.as_ref().map(|cursor| link_to(uri, cursor));
        Listed {
            page: Page {
                items,
                next_cursor: next.map(|c| c.0),
            },
            next_link,
        }
    }
}

impl<T: Serialize> IntoResponse for Listed<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.page).into_response();
        if let Some(link) = self.next_link
            && let Ok(value) = HeaderValue::from_str(&format!("<{link}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

fn link_to(uri: &Uri, cursor: &Cursor) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", cursor.as_str());
    format!("{}?{}", uri.path(), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_within_its_list_only() {
        let cursor = Cursor::new("territories", "region:94");
        assert_eq!(
            Cursor::decode("territories", cursor.as_str()).ok(),
            Some("region:94".to_owned())
        );
        assert!(Cursor::decode("projects", cursor.as_str()).is_err());
        assert!(Cursor::decode("territories", "not base64 !").is_err());
    }

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let uri: Uri = "/api/v1/territories?kind=academy&cursor=old&limit=5"
            .parse()
            .expect("uri");
        let link = link_to(&uri, &Cursor("abc".into()));
        assert_eq!(link, "/api/v1/territories?kind=academy&limit=5&cursor=abc");
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        assert_eq!(limit(None).ok(), Some(20));
        assert_eq!(limit(Some(100)).ok(), Some(100));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
