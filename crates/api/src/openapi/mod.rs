//! The OpenAPI 3.1 document, generated from the handlers' annotations. Errors that any
//! operation can meet (malformed body, database unavailable, internal error) are added to
//! every operation here rather than repeated on each handler.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

pub mod fields;
pub mod reference;

/// The document's fixed part; the routes add their paths.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Terrain",
        description = "Suivi des projets participatifs territoriaux : projets et leur validation, \
                       étapes SILK, soutiens et fonds, concertations, statistiques.",
    ),
    components(schemas(
        Problem,
        FieldError,
        reference::ProgrammeCode,
        reference::TerritoryId,
        reference::ThemeCode
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "reference", description = "Programmes et territoires"),
        (name = "operations", description = "Santé du service"),
        (name = "review", description = "Instruction : file, suivi, notes privées, modèles de décision, lots"),
        (name = "deliveries", description = "Envois de la boîte d'envoi (courriels, webhooks)"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Adds the errors every operation can answer; runs after the routes are merged.
#[derive(Debug)]
pub struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut Document) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_common_errors(operation);
            }
        }
    }
}

fn add_common_errors(operation: &mut Operation) {
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description));
    };
    add("500", "Erreur interne.");
    add(
        "503",
        "Base de données indisponible ou délai dépassé (Retry-After).",
    );
    let has_body = operation.request_body.is_some();
    let has_query = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if has_body {
        add("400", "JSON mal formé.");
        add("413", "Corps de requête trop volumineux (plus de 64 Kio).");
        add("415", "Le corps doit être du JSON.");
    }
    if has_body || has_query {
        add("422", "Données invalides.");
    }
}

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
        .into()
}
