//! Lists over HTTP: a `{items, next_cursor}` body and a `Link: <…>; rel="next"` header. Page
//! sizes and cursors are the use cases' (`terrain_app::pagination`).

use axum::{
    Json,
    http::{HeaderValue, Uri, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

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
    pub fn new(items: Vec<T>, next: Option<String>, uri: &Uri) -> Self {
        let next_link = next.as_deref().map(|cursor| link_to(uri, cursor));
        Listed {
            page: Page {
                items,
                next_cursor: next,
            },
            next_link,
        }
    }

    /// The response for a page of the store, mapped to DTOs, with the cursor of its last item.
    pub fn of<U>(
        page: terrain_app::Page<U>,
        uri: &Uri,
        cursor: impl Fn(&U) -> String,
        view: impl Fn(U) -> T,
    ) -> Self {
        let next = page.more.then(|| page.items.last().map(&cursor)).flatten();
        Listed::new(page.items.into_iter().map(view).collect(), next, uri)
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

fn link_to(uri: &Uri, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", cursor);
    format!("{}?{}", uri.path(), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let uri: Uri = "/api/v1/territories?kind=academy&cursor=old&limit=5"
            .parse()
            .expect("uri");
        let link = link_to(&uri, "abc");
        assert_eq!(link, "/api/v1/territories?kind=academy&limit=5&cursor=abc");
    }
}
