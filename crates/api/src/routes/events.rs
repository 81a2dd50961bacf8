//! `/events`: concertation events, their participants and the projects born from them.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::{
    Json,
    extract::{OriginalUri, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;
use terrain_domain::{Actor, Attendance, Event, event, event::AttendanceError};
use terrain_persistence::{
    ConnectionTrait, StoreError,
    repo::{
        events::{self, EventFields, EventQuery},
        projects,
    },
    retrying,
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{location, projects::read::scope_filters};
use crate::openapi::reference::{ProgrammeCode, TerritoryId};
use crate::{
    auth::{AuthUser, MaybeUser},
    conditional::{IfMatch, etag},
    dto::events::{CreateEventRequest, EventKindName, EventView, UpdateEventRequest},
    error::{ApiError, FieldError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery, HashedJson},
    idempotency::{self, IdempotencyKey, Prior},
    pagination::{self, Cursor, Listed, Page},
    state::AppState,
};

const LIST: &str = "events";
const SCOPE: &str = "events";
const MAX_LINKS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event, update_event, delete_event))
}

/// An event's fields as sent, before any check.
struct RawEvent {
    programme: String,
    territory: String,
    title: String,
    kind: EventKindName,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    /// The instants of the request as written, whose year is checked.
    written: Vec<(&'static str, DateTime<FixedOffset>)>,
    location: Option<String>,
    attendance: BTreeMap<String, u64>,
    /// The links asked for; `None` keeps the current ones untouched.
    project_ids: Option<Vec<Uuid>>,
}

/// The years an event may be written in (see the `starts_at` pattern of the document).
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// The instants a request sent, by field, as written.
fn written(
    starts_at: Option<DateTime<FixedOffset>>,
    ends_at: Option<DateTime<FixedOffset>>,
) -> Vec<(&'static str, DateTime<FixedOffset>)> {
    [("starts_at", starts_at), ("ends_at", ends_at)]
        .into_iter()
        .filter_map(|(field, at)| at.map(|at| (field, at)))
        .collect()
}

/// The links an event will have. Only links added are checked (a lead links its own projects,
/// an administrator projects in its scope); links the editor cannot see are kept as they are,
/// and never named in an error.
async fn links(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: Option<&Event>,
    asked: Option<Vec<Uuid>>,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<Uuid>, ApiError> {
    let before: Vec<Uuid> = current.map(|e| e.project_ids.clone()).unwrap_or_default();
    let Some(mut asked) = asked else {
        return Ok(before);
    };
    let first_index: HashMap<Uuid, usize> = asked
        .iter()
        .enumerate()
        .rev()
        .map(|(i, id)| (*id, i))
        .collect();
    asked.sort_unstable();
    asked.dedup();
    if asked.len() > MAX_LINKS {
        errors.push(FieldError::new(
            "project_ids",
            format!("au plus {MAX_LINKS} projets"),
        ));
        return Ok(before);
    }
    let hidden: Vec<Uuid> = projects::find_many(conn, &before)
        .await?
        .into_iter()
        .filter(|p| !p.is_visible_to(Some(actor)))
        .map(|p| p.id)
        .collect();
    let added: Vec<Uuid> = asked
        .iter()
        .copied()
        .filter(|id| !before.contains(id))
        .collect();
    let linkable: HashSet<Uuid> = projects::find_many(conn, &added)
        .await?
        .into_iter()
        .filter(|p| event::may_link(actor, p))
        .map(|p| p.id)
        .collect();
    let mut refused: Vec<(usize, Uuid)> = added
        .iter()
        .filter(|id| !linkable.contains(id))
        .map(|id| (first_index.get(id).copied().unwrap_or_default(), *id))
        .collect();
    refused.sort_unstable();
    for (index, _) in refused {
        errors.push(FieldError::new(
            format!("project_ids[{index}]"),
            "projet inconnu, ou que vous ne pouvez pas rattacher (un porteur rattache ses \
             propres projets, un administrateur ceux de son périmètre)",
        ));
    }
    let mut after: Vec<Uuid> = asked.into_iter().chain(hidden).collect();
    after.sort_unstable();
    after.dedup();
    if after.len() > MAX_LINKS {
        errors.push(FieldError::new(
            "project_ids",
            format!("au plus {MAX_LINKS} projets"),
        ));
    }
    Ok(after)
}

/// Checks every field, the caller's right to record there, and the linked projects.
async fn resolve(
    state: &AppState,
    actor: &Actor,
    raw: RawEvent,
    current: Option<&Event>,
) -> Result<EventFields, ApiError> {
    let conn = state.db.reader();
    let mut errors = Vec::new();
    let programme = state
        .reference
        .programme(&raw.programme)
        .map(|p| p.code.clone());
    if programme.is_none() {
        errors.push(FieldError::new("programme", "programme inconnu"));
    }
    let territory = state
        .reference
        .territory(&raw.territory)
        .map(|t| t.path.clone());
    if territory.is_none() {
        errors.push(FieldError::new("territory", "territoire inconnu"));
    }
    let title = event::parse_title(&raw.title)
        .map_err(|e| errors.push(FieldError::new("title", e.to_string())))
        .ok();
    for (field, at) in &raw.written {
        if !YEARS.contains(&at.year()) {
            errors.push(FieldError::new(*field, "une date entre 1900 et 2999"));
        }
    }
    if raw.ends_at.is_some_and(|end| end <= raw.starts_at) {
        errors.push(FieldError::new("ends_at", "la fin doit suivre le début"));
    }
    let location = raw.location;
    if let Some(Err(e)) = location.as_deref().map(|l| event::LOCATION.check(l)) {
        errors.push(FieldError::new("location", e.to_string()));
    }
    let attendance = Attendance::parse(raw.attendance.iter().map(|(k, v)| (k.as_str(), *v)))
        .map_err(|e| {
            let field = match &e {
                AttendanceError::Overflow(category)
                | AttendanceError::UnknownCategory(category) => {
                    format!("attendance.{category}")
                }
            };
            errors.push(FieldError::new(field, e.to_string()));
        })
        .ok();
    let project_ids = links(conn, actor, current, raw.project_ids, &mut errors).await?;
    let (Some(programme), Some(territory), Some(title), Some(attendance), true) =
        (programme, territory, title, attendance, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    if !event::may_record(actor, &programme, &territory) {
        return Err(ApiError::Forbidden(
            "Vous ne pouvez pas enregistrer de concertation à cet endroit.".into(),
        ));
    }
    Ok(EventFields {
        programme,
        territory,
        title,
        kind: raw.kind.into(),
        starts_at: raw.starts_at,
        ends_at: raw.ends_at,
        location,
        attendance,
        project_ids,
    })
}

/// The views of `events`, each listing only the linked projects `viewer` may see.
async fn views(
    conn: &impl ConnectionTrait,
    events: Vec<Event>,
    viewer: Option<&Actor>,
) -> Result<Vec<EventView>, ApiError> {
    let ids: Vec<Uuid> = events
        .iter()
        .flat_map(|e| e.project_ids.iter().copied())
        .collect();
    let visible: HashSet<Uuid> = projects::find_many(conn, &ids)
        .await?
        .into_iter()
        .filter(|p| p.is_visible_to(viewer))
        .map(|p| p.id)
        .collect();
    Ok(events
        .into_iter()
        .map(|e| EventView::new(e, |id| visible.contains(id)))
        .collect())
}

async fn view(
    conn: &impl ConnectionTrait,
    event: Event,
    viewer: Option<&Actor>,
) -> Result<EventView, ApiError> {
    views(conn, vec![event], viewer)
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no view for the event")))
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
    key: IdempotencyKey,
    HashedJson { value: body, hash }: HashedJson<CreateEventRequest>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    if let Prior::Replay(response) =
        idempotency::prior(state.db.reader(), actor.id, SCOPE, &key, &hash).await?
    {
        return Ok(response);
    }
    let raw = RawEvent {
        programme: body.programme,
        territory: body.territory,
        title: body.title,
        kind: body.kind,
        starts_at: body.starts_at.to_utc(),
        ends_at: body.ends_at.map(|at| at.to_utc()),
        written: written(Some(body.starts_at), body.ends_at),
        location: body.location,
        attendance: body.attendance,
        project_ids: Some(body.project_ids),
    };
    let fields = resolve(&state, &actor, raw, None).await?;
    retrying(|| record_once(&state, &actor, &fields, &key, &hash)).await
}

/// One attempt at recording an event: the row, its links, its counters and the idempotent
/// response in one transaction.
async fn record_once(
    state: &AppState,
    actor: &Actor,
    fields: &EventFields,
    key: &IdempotencyKey,
    hash: &str,
) -> Result<Response, ApiError> {
    let txn = state.db.begin_write().await?;
    let created = events::insert(&txn, fields, actor.id).await?;
    let headers = [
        (header::ETAG, etag(created.version)),
        (
            header::LOCATION,
            location(&format!("/api/v1/events/{}", created.id)),
        ),
    ];
    let body = view(&txn, created, Some(actor)).await?;
    if !idempotency::remember(
        &txn,
        actor.id,
        SCOPE,
        key,
        hash,
        StatusCode::CREATED,
        &headers,
        &body,
    )
    .await?
    {
        drop(txn);
        return match idempotency::prior(state.db.reader(), actor.id, SCOPE, key, hash).await? {
            Prior::Replay(response) => Ok(response),
            Prior::None => Err(ApiError::Conflict("Réessayez la requête.".into())),
        };
    }
    txn.commit().await.map_err(StoreError::from)?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().extend(headers);
    Ok(response)
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
    let conn = state.db.reader();
    let (programme, territory) = scope_filters(
        &state,
        query.programme.as_deref(),
        query.territory.as_deref(),
    )
    .await?;
    let after = query
        .cursor
        .map(|c| {
            let invalid = || ApiError::invalid("cursor", "curseur invalide");
            let key = Cursor::decode(LIST, &c)?;
            let (at, id) = key.split_once('|').ok_or_else(invalid)?;
            let at = DateTime::parse_from_rfc3339(at).map_err(|_| invalid())?;
            Ok::<_, ApiError>((
                at.with_timezone(&Utc),
                Uuid::parse_str(id).map_err(|_| invalid())?,
            ))
        })
        .transpose()?;
    let page = events::list(
        conn,
        &EventQuery {
            programme,
            territory,
            kind: query.kind.map(Into::into),
            from: query.from.map(start_of),
            until: query
                .to
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .map(start_of),
            after,
            limit,
        },
    )
    .await?;
    let next = page
        .more
        .then(|| {
            page.items
                .last()
                .map(|e| Cursor::new(LIST, &format!("{}|{}", e.starts_at.to_rfc3339(), e.id)))
        })
        .flatten();
    let items = views(conn, page.items, viewer.actor().as_ref()).await?;
    Ok(Listed::new(items, next, &uri))
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
) -> Result<impl IntoResponse, ApiError> {
    let conn = state.db.reader();
    let found = events::find(conn, id).await?.ok_or(ApiError::NotFound)?;
    let version = found.version;
    let body = view(conn, found, viewer.actor().as_ref()).await?;
    Ok(([(header::ETAG, etag(version))], Json(body)))
}

/// The one place where the right to change an event is checked.
async fn changeable_event(state: &AppState, id: Uuid, actor: &Actor) -> Result<Event, ApiError> {
    let found = events::find(state.db.reader(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if found.may_be_changed_by(actor) {
        Ok(found)
    } else {
        Err(ApiError::Forbidden(
            "Seuls son auteur et les administrateurs en charge modifient une concertation.".into(),
        ))
    }
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
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let current = changeable_event(&state, id, &actor).await?;
    if_match.require()?;
    let raw = RawEvent {
        programme: patch
            .programme
            .unwrap_or_else(|| current.programme.to_string()),
        territory: patch
            .territory
            .unwrap_or_else(|| current.territory.id.to_string()),
        title: patch
            .title
            .unwrap_or_else(|| current.title.as_str().to_owned()),
        kind: patch.kind.unwrap_or(current.kind.into()),
        starts_at: patch.starts_at.map_or(current.starts_at, |at| at.to_utc()),
        ends_at: patch
            .ends_at
            .map_or(current.ends_at, |end| end.map(|at| at.to_utc())),
        written: written(patch.starts_at, patch.ends_at.flatten()),
        location: patch.location.unwrap_or(current.location.clone()),
        attendance: match patch.attendance {
            Some(counts) => counts,
            None => current
                .attendance
                .counts()
                .map(|(c, n)| (c.as_str().to_owned(), u64::try_from(n).unwrap_or_default()))
                .collect(),
        },
        project_ids: patch.project_ids,
    };
    let fields = resolve(&state, &actor, raw, Some(&current)).await?;
    if_match.check(current.version)?;
    let updated = retrying(|| async {
        let txn = state.db.begin_write().await?;
        let updated = events::update(&txn, &current, &fields)
            .await?
            .ok_or(ApiError::PreconditionFailed)?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok::<_, ApiError>(updated)
    })
    .await?;
    let version = updated.version;
    let body = view(state.db.reader(), updated, Some(&actor)).await?;
    Ok(([(header::ETAG, etag(version))], Json(body)))
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
    let actor = user.actor();
    let current = changeable_event(&state, id, &actor).await?;
    if if_match.is_present() {
        if_match.check(current.version)?;
    }
    retrying(|| async {
        let txn = state.db.begin_write().await?;
        if !events::delete(&txn, &current).await? {
            return Err(ApiError::PreconditionFailed);
        }
        txn.commit().await.map_err(StoreError::from)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
