//! The OpenAPI 3.1 document, generated from the handlers' annotations. Errors that any
//! operation can meet (malformed body, database unavailable, internal error) are added to
//! every operation here rather than repeated on each handler.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
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
        (name = "integrations", description = "Jetons d'API et fil des changements"),
        (name = "follow-up", description = "Après la décision : jalons, indicateurs, versements, rapport final"),
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
                    .description(Some(
                        "Le jeton d'accès d'une connexion (`POST /api/v1/auth/login`), 15 minutes.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("trn_")
                    .description(Some(
                        "Un jeton d'API (`trn_…`, `POST /api/v1/me/tokens`) : les droits de son \
                         propriétaire, restreints à son programme, son territoire et, pour un \
                         jeton `read`, à la lecture.",
                    ))
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
        for (path, item) in &mut openapi.paths.paths {
            // Managing tokens takes a session; everything else signed in takes either.
            let session_only =
                path.starts_with("/api/v1/me/tokens") || path.starts_with("/api/v1/tokens");
            let reads = [&mut item.get].into_iter().flatten().map(|o| (o, false));
            let writes = [
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            .map(|o| (o, true));
            for (operation, writes) in reads.chain(writes) {
                add_common_errors(operation);
                if !session_only {
                    accept_api_tokens(operation, writes);
                }
            }
        }
    }
}

/// Lets an operation that takes a session's token take an API token instead (SPEC §12).
fn accept_api_tokens(operation: &mut Operation, writes: bool) {
    let Some(security) = operation.security.as_mut() else {
        return;
    };
    let bearer = serde_json::to_value(&*security).is_ok_and(|v| v.to_string().contains("bearer"));
    if !bearer {
        return;
    }
    security.push(SecurityRequirement::new("api_token", Vec::<String>::new()));
    if writes {
        operation
            .responses
            .responses
            .entry("403".to_owned())
            .or_insert_with(|| {
                problem_response("Interdit (un jeton d'API en lecture seule ne modifie rien).")
            });
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
