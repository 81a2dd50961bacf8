use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use terrain_domain::{Actor, ProjectFields, Role, TerritoryPath};
use terrain_persistence::{
    StoreError,
    repo::projects::{self, NewProject},
    retrying,
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
    routes::location,
    state::AppState,
};

const SCOPE: &str = "projects";

/// Creates a project in `draft` (leads only). Honours `Idempotency-Key`. A lead holds at most
/// `limits.drafts_per_lead` drafts (409 beyond) and creates at most `limits.projects_per_hour`
/// projects an hour (429 with `Retry-After` beyond).
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = CreateProjectRequest,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 à 255 caractères ASCII visibles ; rejoue la première réponse pour la même clé et le même corps")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Projet créé.", body = ProjectView,
            headers(("ETag" = String, description = "Version"), ("Location" = String, description = "Adresse du projet"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux porteurs de projet.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Trop de brouillons en cours.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de projets créés dans l'heure.", body = Problem, content_type = "application/problem+json"),
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
    let contact = LeadContact {
        display_name: user.0.display_name.clone(),
        email: user.0.email.to_string(),
    };
    let new = Creation {
        actor: &actor,
        fields: &fields,
        path: &territory_path,
        contact: &contact,
        key: &key,
        hash: &hash,
    };
    retrying(|| create_once(&state, &new)).await
}

/// What one attempt at a creation needs.
struct Creation<'a> {
    actor: &'a Actor,
    fields: &'a ProjectFields,
    path: &'a TerritoryPath,
    contact: &'a LeadContact,
    key: &'a IdempotencyKey,
    hash: &'a str,
}

/// One attempt: the lead's limits, the row and the idempotent response in one transaction.
async fn create_once(state: &AppState, new: &Creation<'_>) -> Result<Response, ApiError> {
    let limits = &state.settings.limits;
    let txn = state.db.begin_write().await?;
    let now = Utc::now();
    let counts =
        projects::lead_counts(&txn, new.actor.id, now - chrono::Duration::hours(1)).await?;
    if counts.created_since >= u64::from(limits.projects_per_hour) {
        let retry_after = counts.oldest_since.map_or(3600, |at| {
            (at + chrono::Duration::hours(1) - now).num_seconds().max(1)
        });
        return Err(ApiError::TooManyRequests { retry_after });
    }
    if counts.drafts >= u64::from(limits.drafts_per_lead) {
        return Err(ApiError::Conflict(format!(
            "Vous avez déjà {} brouillons : déposez-en ou retirez-en avant d'en créer un autre.",
            counts.drafts
        )));
    }
    let project = projects::insert(
        &txn,
        NewProject {
            fields: new.fields.clone(),
            territory_path: new.path.clone(),
            lead_id: new.actor.id,
        },
    )
    .await?;
    let headers = [
        (header::ETAG, etag(project.version)),
        (
            header::LOCATION,
            location(&format!("/api/v1/projects/{}", project.id)),
        ),
    ];
    // A new project has no support and no event yet: its view needs no further query.
    let mut view = ProjectView::new(
        project,
        Some(LeadContact {
            display_name: new.contact.display_name.clone(),
            email: new.contact.email.clone(),
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
        new.actor.id,
        SCOPE,
        new.key,
        new.hash,
        StatusCode::CREATED,
        &headers,
        &view,
    )
    .await?
    {
        drop(txn);
        return match idempotency::prior(state.db.reader(), new.actor.id, SCOPE, new.key, new.hash)
            .await?
        {
            Prior::Replay(response) => Ok(response),
            Prior::None => Err(ApiError::Conflict("Réessayez la requête.".into())),
        };
    }
    txn.commit().await.map_err(StoreError::from)?;
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    response.headers_mut().extend(headers);
    Ok(response)
}
