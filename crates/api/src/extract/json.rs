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
/// A number with a zero fraction (`8.0`, `1e2`) is an integer, as JSON Schema has it.
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
    // Only nesting beyond the parser's limit can fail here.
    let mut document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("JSON invalide : {e}")))?;
    integral_numbers(&mut document);
    serde_path_to_error::deserialize(document).map_err(|e| {
        let field = field_path(e.path());
        ApiError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
    })
}

/// Writes every float with a zero fraction that fits an `i64` as an integer.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.2e18
            {
                // The bound keeps the conversion exact and in range.
                #[allow(clippy::cast_possible_truncation)]
                let integer = f as i64;
                *n = integer.into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
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

    #[test]
    fn numbers_with_a_zero_fraction_are_integers() {
        #[derive(Debug, serde::Deserialize)]
        struct Amount {
            cents: i64,
        }
        for (body, cents) in [(&b"{\"cents\": 8.0}"[..], 8), (b"{\"cents\": 1e2}", 100)] {
            assert_eq!(parse::<Amount>(body).map(|a| a.cents).ok(), Some(cents));
        }
        assert!(matches!(
            parse::<Amount>(b"{\"cents\": 8.5}"),
            Err(ApiError::Validation(_))
        ));
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::super::parse;
        use crate::dto::{
            accounts::{CreateUserRequest, RegisterRequest},
            events::CreateEventRequest,
            projects::{CreateProjectRequest, TransitionRequest, UpdateProjectRequest},
        };

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(serde_json::Value::from),
                ".{0,40}".prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
                    prop::collection::btree_map(
                        prop_oneof![
                            Just("title".to_owned()),
                            Just("programme".to_owned()),
                            Just("territory".to_owned()),
                            Just("attendance".to_owned()),
                            Just("action".to_owned()),
                            Just("scope".to_owned()),
                            ".{0,12}"
                        ],
                        inner,
                        0..8
                    )
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn no_body_of_bytes_makes_the_parsers_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
                let _ = parse::<CreateProjectRequest>(&bytes);
                let _ = parse::<UpdateProjectRequest>(&bytes);
                let _ = parse::<CreateEventRequest>(&bytes);
                let _ = parse::<RegisterRequest>(&bytes);
            }

            #[test]
            fn no_json_document_makes_the_parsers_panic(value in json_value()) {
                let bytes = serde_json::to_vec(&value).unwrap_or_default();
                let _ = parse::<CreateProjectRequest>(&bytes);
                let _ = parse::<UpdateProjectRequest>(&bytes);
                let _ = parse::<CreateEventRequest>(&bytes);
                let _ = parse::<TransitionRequest>(&bytes);
                let _ = parse::<CreateUserRequest>(&bytes);
            }

            #[test]
            fn no_field_values_make_the_project_checks_panic(
                title in ".{0,300}", summary in ".{0,50}", uai in ".{0,12}",
                amount in any::<i64>(), theme in ".{0,20}",
            ) {
                let raw = terrain_domain::ProjectInput {
                    programme: "education".into(),
                    territory: "department:69".into(),
                    title,
                    summary,
                    description: None,
                    theme,
                    category: None,
                    establishment_uai: Some(uai),
                    requested_amount_cents: Some(amount),
                    stakeholders: Vec::new(),
                    starts_on: None,
                    ends_on: None,
                };
                let checked =
                    terrain_domain::ProjectFields::parse(raw, &terrain_domain::Catalogue::default());
                prop_assert!(checked.is_err());
            }
        }
    }
}
