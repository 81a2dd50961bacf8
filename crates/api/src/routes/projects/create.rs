use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use terrain_domain::Role;
use terrain_persistence::{
    StoreError,
    repo::projects::{self, NewProject},
};

use super::fields;
use crate::{
    auth::AuthUser,
    conditional::etag,
    dto::{
        funding::SupportSummary,
        projects::{CreateProjectRequest, LeadContact, ProjectView},
    },
    error::{ApiError, Problem},
    extract::HashedJson,
    idempotency::{self, IdempotencyKey, Prior},
    state::AppState,
};

const SCOPE: &str = "projects";

/// Creates a project in `draft` (leads only). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = CreateProjectRequest,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 à 255 caractères ASCII visibles ; rejoue la première réponse pour la même clé et le même corps")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Projet créé.", body = ProjectView,
            headers(("ETag" = String, description = "Version"), ("Location" = String, description = "Adresse du projet"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux porteurs de projet.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn create_project(
    State(state): State<AppState>,
    user: AuthUser,
    key: IdempotencyKey,
    HashedJson { value: body, hash }: HashedJson<CreateProjectRequest>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    if actor.role != Role::Lead {
        return Err(ApiError::Forbidden(
            "Seuls les porteurs de projet créent des projets.".into(),
        ));
    }
    if let Prior::Replay(response) =
        idempotency::prior(state.db.reader(), actor.id, SCOPE, &key, &hash).await?
    {
        return Ok(response);
    }
    let (fields, territory_path) = fields::resolve(&state, body.into()).await?;
    let txn = state.db.begin_write().await?;
    let project = projects::insert(
        &txn,
        NewProject {
            fields,
            territory_path,
            lead_id: actor.id,
        },
    )
    .await?;
    let version = project.version;
    // A new project has no support and no event yet: its view needs no further query.
    let mut view = ProjectView::new(
        project,
        Some(LeadContact {
            display_name: user.0.display_name.clone(),
            email: user.0.email.to_string(),
        }),
    );
    view.supports = Some(SupportSummary {
        kinds: Vec::new(),
        count: 0,
        granted_cents: 0,
    });
    view.events = Some(Vec::new());
    if !idempotency::remember(
        &txn,
        actor.id,
        SCOPE,
        &key,
        &hash,
        StatusCode::CREATED,
        &view,
    )
    .await?
    {
        drop(txn);
        return match idempotency::prior(state.db.reader(), actor.id, SCOPE, &key, &hash).await? {
            Prior::Replay(response) => Ok(response),
            Prior::None => Err(ApiError::Conflict("Réessayez la requête.".into())),
        };
    }
    txn.commit().await.map_err(StoreError::from)?;
    let location = format!("/api/v1/projects/{}", view.id);
    Ok((
        StatusCode::CREATED,
        [(header::ETAG, etag(version))],
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}
