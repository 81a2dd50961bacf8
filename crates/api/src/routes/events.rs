//! `/events`: concertation events, their participants and the projects born from them.

use axum::{
    extract::{OriginalUri, State},
    http::StatusCode,
    response::Response,
};
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;
use terrain_app::{
    events::{self, EventFilters, EventPatch},
    idempotency::Once,
    pagination,
};
use terrain_domain::EventInput;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::openapi::reference::{ProgrammeCode, TerritoryId};
use crate::{
    auth::{AuthUser, MaybeUser},
    conditional::IfMatch,
    dto::events::{CreateEventRequest, EventKindName, EventView, UpdateEventRequest},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery, HashedJson, IdempotencyKey},
    pagination::{Listed, Page},
    reply::{Created, Tagged, created_once},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event, update_event, delete_event))
}

/// An instant as written, with the year the client wrote (in its own offset).
fn written(at: DateTime<FixedOffset>) -> (DateTime<Utc>, i32) {
    (at.to_utc(), at.year())
}

impl From<CreateEventRequest> for (EventInput, Vec<Uuid>) {
    fn from(body: CreateEventRequest) -> Self {
        let mut written_years = vec![("starts_at", body.starts_at.year())];
        written_years.extend(body.ends_at.map(|at| ("ends_at", at.year())));
        let input = EventInput {
            programme: body.programme,
            territory: body.territory,
            title: body.title,
            kind: body.kind.into(),
            starts_at: body.starts_at.to_utc(),
            ends_at: body.ends_at.map(|at| at.to_utc()),
            written_years,
            location: body.location,
            attendance: body.attendance,
        };
        (input, body.project_ids)
    }
}

impl From<UpdateEventRequest> for EventPatch {
    fn from(patch: UpdateEventRequest) -> Self {
        EventPatch {
            programme: patch.programme,
            territory: patch.territory,
            title: patch.title,
            kind: patch.kind.map(Into::into),
            starts_at: patch.starts_at.map(written),
            ends_at: patch.ends_at.map(|end| end.map(written)),
            location: patch.location,
            attendance: patch.attendance,
            project_ids: patch.project_ids,
        }
    }
}

fn created(event: events::EventView) -> Created<EventView> {
    Created {
        location: format!("/api/v1/events/{}", event.event.id),
        version: Some(event.event.version),
        body: event.into(),
    }
}

/// Records a concertation event (a lead, or an administrator inside its scope). Honours
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/events", tag = "events", request_body = CreateEventRequest,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 à 255 caractères ASCII visibles ; rejoue la première réponse pour la même clé et le même corps")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Concertation enregistrée.", body = EventView,
            headers(("ETag" = String, description = "Version"), ("Location" = String, description = "Adresse"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Rôle ou périmètre insuffisant.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
async fn create_event(
    State(state): State<AppState>,
    user: AuthUser,
    IdempotencyKey(key): IdempotencyKey,
    HashedJson { value: body, hash }: HashedJson<CreateEventRequest>,
) -> Result<Response, ApiError> {
    let render = |event: &events::EventView| created(event.clone()).stored();
    let once = key.as_deref().map(|key| Once {
        key,
        hash: &hash,
        render: &render,
    });
    let (input, links) = body.into();
    let outcome = events::record(&state.app, &user.actor(), input, links, once.as_ref()).await?;
    created_once(outcome, created)
}

/// Filters and pagination of the event list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this programme.
    #[param(value_type = Option<ProgrammeCode>)]
    programme: Option<String>,
    /// Only this territory and what lies below it.
    #[param(value_type = Option<TerritoryId>)]
    territory: Option<String>,
    /// Only this kind.
    #[param(inline)]
    kind: Option<EventKindName>,
    /// Starting on or after this day (UTC).
    from: Option<NaiveDate>,
    /// Starting on or before this day (UTC).
    to: Option<NaiveDate>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

impl ListQuery {
    fn filters(&self) -> EventFilters {
        EventFilters {
            programme: self.programme.clone(),
            territory: self.territory.clone(),
            kind: self.kind.map(Into::into),
            from: self.from.map(start_of),
            until: self
                .to
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .map(start_of),
        }
    }
}

/// Events, by start (public).
#[utoipa::path(get, path = "/events", tag = "events", params(ListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les concertations.", body = Page<EventView>),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_events(
    State(state): State<AppState>,
    viewer: MaybeUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Listed<EventView>, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(pagination::decode_event)
        .transpose()?;
    let viewer = viewer.actor();
    let page = events::list(&state.app, viewer.as_ref(), query.filters(), after, limit).await?;
    let cursor = |e: &events::EventView| pagination::encode_event(e.event.starts_at, e.event.id);
    Ok(Listed::of(page, &uri, cursor, Into::into))
}

/// Midnight UTC of a day.
pub(crate) fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// One event (public), with a strong `ETag`.
#[utoipa::path(get, path = "/events/{id}", tag = "events",
    params(("id" = Uuid, Path, description = "Identifiant de la concertation")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "La concertation.", body = EventView,
            headers(("ETag" = String, description = "Version"))),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Concertation inconnue.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_event(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Tagged<EventView>, ApiError> {
    let event = events::get(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Tagged(event.event.version, event.into()))
}

/// Changes an event (its creator or an administrator whose scope contains it), with `If-Match`.
#[utoipa::path(patch, path = "/events/{id}", tag = "events", request_body = UpdateEventRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant de la concertation"),
        ("If-Match" = String, Header, description = "L'ETag lu"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "La concertation modifiée.", body = EventView,
            headers(("ETag" = String, description = "Nouvelle version"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Ni auteur ni administrateur en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Concertation inconnue.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version périmée.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match manquant.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(event = %id))]
async fn update_event(
    State(state): State<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(patch): ApiJson<UpdateEventRequest>,
) -> Result<Tagged<EventView>, ApiError> {
    let expected = if_match.expected();
    let event = events::update(
        &state.app,
        &user.actor(),
        id,
        expected.as_ref(),
        patch.into(),
    )
    .await?;
    Ok(Tagged(event.event.version, event.into()))
}

/// Deletes an event and its links to projects (never the projects themselves).
#[utoipa::path(delete, path = "/events/{id}", tag = "events",
    params(("id" = Uuid, Path, description = "Identifiant de la concertation")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Concertation supprimée."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Ni auteur ni administrateur en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Concertation inconnue.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Version périmée (If-Match facultatif).", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(event = %id))]
async fn delete_event(
    State(state): State<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let expected = if_match.expected();
    events::delete(&state.app, &user.actor(), id, expected.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
