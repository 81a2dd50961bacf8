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
        let query = parts.uri.query().unwrap_or_default();
        if let Some(name) = not_utf8(query) {
            return Err(ApiError::invalid(
                name,
                "la chaîne de requête n'est pas de l'UTF-8 valide",
            ));
        }
        // An empty value (`?to=`) is a value like any other: refused where it does not parse.
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let field = field_path(e.path());
                ApiError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
            })
    }
}

/// The name (as far as it can be read) of the first parameter whose name or value does not
/// decode to UTF-8: `form_urlencoded` would silently replace such bytes.
fn not_utf8(query: &str) -> Option<String> {
    let decode = |part: &str| {
        let plus_as_space = part.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space)
            .decode_utf8()
            .map(|text| text.into_owned())
    };
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode(name), decode(value)) {
            (Ok(_), Ok(_)) => None,
            (Ok(name), Err(_)) => Some(name),
            (Err(_), _) => Some(String::new()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::not_utf8;

    #[test]
    fn a_query_that_is_not_utf8_is_named() {
        assert_eq!(not_utf8("q=%C3%A9cole&limit=5"), None);
        assert_eq!(not_utf8("q=%FF"), Some("q".to_owned()));
        assert_eq!(not_utf8("%FF=1"), Some(String::new()));
        assert_eq!(not_utf8(""), None);
    }
}
