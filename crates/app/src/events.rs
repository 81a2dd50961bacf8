//! Concertation events: who attended, and the projects born from them.

use std::collections::{HashMap, HashSet};
use terrain_domain::ChangeType;
use terrain_persistence::repo::changes::NewChange;

use chrono::{DateTime, Utc};
use terrain_domain::{
    Actor, Event, EventInput, EventKind, NewEvent, access, event::MAX_LINKS, fields::FieldErrors,
};
use terrain_persistence::{
    ConnectionTrait,
    repo::{
        Page,
        events::{self, EventQuery},
        projects,
    },
    retrying,
};
use uuid::Uuid;

use crate::{
    App, AppError, Expected,
    idempotency::{self, Once, Outcome},
};

/// The scope of idempotency keys of event creations.
const KEYS: &str = "events";

/// An event as one person may see it: the links to projects it may not see are left out.
#[derive(Debug, Clone)]
pub struct EventView {
    /// The event.
    pub event: Event,
    /// The linked projects the viewer may see.
    pub visible_projects: Vec<Uuid>,
}

/// The views of `events` for `viewer`.
///
/// # Errors
/// When the database fails.
pub async fn views(
    conn: &impl ConnectionTrait,
    events: Vec<Event>,
    viewer: Option<&Actor>,
) -> Result<Vec<EventView>, AppError> {
    let ids: Vec<Uuid> = events
        .iter()
        .flat_map(|e| e.project_ids.iter().copied())
        .collect();
    let visible: HashSet<Uuid> = projects::find_many(conn, &ids)
        .await?
        .into_iter()
        .filter(|p| access::sees(viewer, p))
        .map(|p| p.id)
        .collect();
    Ok(events
        .into_iter()
        .map(|event| EventView {
            visible_projects: event
                .project_ids
                .iter()
                .copied()
                .filter(|p| visible.contains(p))
                .collect(),
            event,
        })
        .collect())
}

async fn view(
    conn: &impl ConnectionTrait,
    event: Event,
    viewer: Option<&Actor>,
) -> Result<EventView, AppError> {
    views(conn, vec![event], viewer)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no view for the event")))
}

/// The links an event will have. Only links added are checked (see
/// [`access::may_link`]); links the editor cannot see are kept as they are and never named in
/// an error. `None` keeps the current links untouched.
async fn links(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: Option<&Event>,
    asked: Option<Vec<Uuid>>,
    errors: &mut FieldErrors,
) -> Result<Vec<Uuid>, AppError> {
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
        errors.push("project_ids", format!("au plus {MAX_LINKS} projets"));
        return Ok(before);
    }
    let hidden: Vec<Uuid> = projects::find_many(conn, &before)
        .await?
        .into_iter()
        .filter(|p| !access::sees(Some(actor), p))
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
        .filter(|p| access::may_link(actor, p))
        .map(|p| p.id)
        .collect();
    let mut refused: Vec<usize> = added
        .iter()
        .filter(|id| !linkable.contains(id))
        .map(|id| first_index.get(id).copied().unwrap_or_default())
        .collect();
    refused.sort_unstable();
    for index in refused {
        errors.push(
            format!("project_ids[{index}]"),
            "projet inconnu, ou que vous ne pouvez pas rattacher (un porteur rattache ses \
             propres projets, un administrateur ceux de son périmètre)",
        );
    }
    let mut after: Vec<Uuid> = asked.into_iter().chain(hidden).collect();
    after.sort_unstable();
    after.dedup();
    if after.len() > MAX_LINKS {
        errors.push("project_ids", format!("au plus {MAX_LINKS} projets"));
    }
    Ok(after)
}

/// Checks the fields, the links and the actor's right to record there.
async fn resolve(
    app: &App,
    actor: &Actor,
    input: EventInput,
    asked_links: Option<Vec<Uuid>>,
    current: Option<&Event>,
) -> Result<NewEvent, AppError> {
    let parsed = NewEvent::parse(input, &app.catalogue());
    let mut errors = match &parsed {
        Ok(_) => FieldErrors::new(),
        Err(errors) => errors.clone(),
    };
    let project_ids = links(
        app.store().reader(),
        actor,
        current,
        asked_links,
        &mut errors,
    )
    .await?;
    let mut event = match parsed {
        Ok(event) if errors.is_empty() => event,
        _ => return Err(AppError::Invalid(errors)),
    };
    if !access::may_record_event(actor, &event.programme, &event.territory) {
        return Err(AppError::Forbidden(
            "Vous ne pouvez pas enregistrer de concertation à cet endroit.".into(),
        ));
    }
    event.project_ids = project_ids;
    Ok(event)
}

/// Records a concertation event (a lead, or an administrator inside its scope).
///
/// # Errors
/// 422 every field at fault (links included), 403 an observer or an administrator outside
/// its scope.
pub async fn record(
    app: &App,
    actor: &Actor,
    input: EventInput,
    project_ids: Vec<Uuid>,
    once: Option<&Once<'_, EventView>>,
) -> Result<Outcome<EventView>, AppError> {
    if let Some(stored) = idempotency::prior(app, actor.id, KEYS, once).await? {
        return Ok(Outcome::Replayed(stored));
    }
    let new = resolve(app, actor, input, Some(project_ids), None).await?;
    idempotency::run(app, actor.id, KEYS, once, || async {
        let txn = app.store().begin_write().await?;
        let created = events::insert(&txn, &new, actor.id, app.now()).await?;
        txn.record(NewChange::event(
            ChangeType::EventCreated,
            &created,
            created.created_at,
        ));
        let view = view(&txn, created, Some(actor)).await?;
        Ok((txn, view))
    })
    .await
}

/// The event `actor` may change, or why not.
async fn changeable(app: &App, actor: &Actor, id: Uuid) -> Result<Event, AppError> {
    let found = events::find(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if access::may_change_event(actor, &found) {
        Ok(found)
    } else {
        Err(AppError::Forbidden(
            "Seuls son auteur et les administrateurs en charge modifient une concertation.".into(),
        ))
    }
}

/// Changes to an event: what is `Some` replaces the current value.
#[derive(Debug, Clone, Default)]
pub struct EventPatch {
    /// Programme code.
    pub programme: Option<String>,
    /// Territory id.
    pub territory: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Kind.
    pub kind: Option<EventKind>,
    /// Start, and the year as written.
    pub starts_at: Option<(DateTime<Utc>, i32)>,
    /// End (`Some(None)` clears it), and the year as written.
    pub ends_at: Option<Option<(DateTime<Utc>, i32)>>,
    /// Place (`Some(None)` clears it).
    pub location: Option<Option<String>>,
    /// Attendance by category, replacing the current one.
    pub attendance: Option<std::collections::BTreeMap<String, u64>>,
    /// Links, replacing the ones the editor sees.
    pub project_ids: Option<Vec<Uuid>>,
}

/// Changes an event (its creator or an administrator whose scope contains it).
///
/// # Errors
/// 404 unknown, 403 neither author nor administrator in charge, 422 every field at fault, 412
/// stale.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
    patch: EventPatch,
) -> Result<EventView, AppError> {
    let current = changeable(app, actor, id).await?;
    let expected = crate::required(expected)?;
    let mut input = EventInput::of(&current);
    if let Some(v) = patch.programme {
        input.programme = v;
    }
    if let Some(v) = patch.territory {
        input.territory = v;
    }
    if let Some(v) = patch.title {
        input.title = v;
    }
    if let Some(v) = patch.kind {
        input.kind = v;
    }
    if let Some((at, year)) = patch.starts_at {
        input.starts_at = at;
        input.written_years.push(("starts_at", year));
    }
    if let Some(end) = patch.ends_at {
        input.ends_at = end.map(|(at, _)| at);
        if let Some((_, year)) = end {
            input.written_years.push(("ends_at", year));
        }
    }
    if let Some(v) = patch.location {
        input.location = v;
    }
    if let Some(v) = patch.attendance {
        input.attendance = v;
    }
    let fields = resolve(app, actor, input, patch.project_ids, Some(&current)).await?;
    expected.check(current.version)?;
    let updated = retrying(|| async {
        let txn = app.store().begin_write().await?;
        let updated = events::update(&txn, &current, &fields, app.now())
            .await?
            .ok_or(AppError::Stale)?;
        txn.record(NewChange::event(
            ChangeType::EventUpdated,
            &updated,
            updated.updated_at,
        ));
        txn.commit().await?;
        Ok::<_, AppError>(updated)
    })
    .await?;
    view(app.store().reader(), updated, Some(actor)).await
}

/// Deletes an event and its links (never the projects). `expected` is optional here.
///
/// # Errors
/// 404 unknown, 403 neither author nor administrator in charge, 412 stale.
pub async fn delete(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
) -> Result<(), AppError> {
    let current = changeable(app, actor, id).await?;
    if let Some(expected) = expected {
        expected.check(current.version)?;
    }
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        if !events::delete(&txn, &current).await? {
            return Err(AppError::Stale);
        }
        txn.record(NewChange::event(
            ChangeType::EventDeleted,
            &current,
            app.now(),
        ));
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// One event (public).
///
/// # Errors
/// 404 unknown.
pub async fn get(app: &App, viewer: Option<&Actor>, id: Uuid) -> Result<EventView, AppError> {
    let conn = app.store().reader();
    let found = events::find(conn, id).await?.ok_or(AppError::NotFound)?;
    view(conn, found, viewer).await
}

/// Filters of the event list, as typed.
#[derive(Debug, Clone, Default)]
pub struct EventFilters {
    /// Programme code.
    pub programme: Option<String>,
    /// Territory id (its subtree).
    pub territory: Option<String>,
    /// Kind.
    pub kind: Option<EventKind>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub until: Option<DateTime<Utc>>,
}

/// The filters checked against the reference data, as a query of the store.
///
/// # Errors
/// 422 on an unknown programme or territory.
pub fn query(
    app: &App,
    filters: EventFilters,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<EventQuery, AppError> {
    let catalogue = app.catalogue();
    Ok(EventQuery {
        programme: catalogue.programme_filter("programme", filters.programme.as_deref())?,
        territory: catalogue.territory_filter("territory", filters.territory.as_deref())?,
        kind: filters.kind,
        from: filters.from,
        until: filters.until,
        after,
        limit,
    })
}

/// Events by start (public), each with the links the viewer may see.
///
/// # Errors
/// 422 on a bad filter.
pub async fn list(
    app: &App,
    viewer: Option<&Actor>,
    filters: EventFilters,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Page<EventView>, AppError> {
    let query = query(app, filters, after, limit)?;
    let conn = app.store().reader();
    let page = events::list(conn, &query).await?;
    Ok(Page {
        more: page.more,
        items: views(conn, page.items, viewer).await?,
    })
}
