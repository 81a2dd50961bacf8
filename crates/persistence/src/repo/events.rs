//! Concertation events and their links to projects.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Query},
};
use terrain_domain::{
    Attendance, Event, EventKind, NewEvent, ProgrammeCode, TerritoryPath, stats::Delta,
};
use uuid::Uuid;

use super::{
    Page,
    rows::{corrupt, encode_attendance, to_event},
    stats, subtree,
};
use crate::{
    StoreError,
    entities::{event, event_attendance, event_project},
};

fn write(model: &mut event::ActiveModel, fields: &NewEvent) {
    model.programme = Set(fields.programme.as_str().to_owned());
    model.territory_id = Set(fields.territory.id.as_str().to_owned());
    model.region_id = Set(fields
        .territory
        .region
        .as_ref()
        .map(|r| r.as_str().to_owned()));
    model.academy_id = Set(fields
        .territory
        .academy
        .as_ref()
        .map(|a| a.as_str().to_owned()));
    model.title = Set(fields.title.as_str().to_owned());
    model.kind = Set(fields.kind.as_str().to_owned());
    model.starts_at = Set(fields.starts_at);
    model.ends_at = Set(fields.ends_at);
    model.location = Set(fields.location.clone());
    model.attendance = Set(encode_attendance(&fields.attendance));
    model.participants = Set(fields.attendance.participants());
}

/// Replaces the links of event `id` (which were `before`) by `after`, and moves the event count
/// of exactly the projects whose link appeared or disappeared, by one. Those rows are locked in
/// id order first, so concurrent events linking the same projects queue instead of deadlocking,
/// and the counts are relative, so none is lost.
async fn link(
    conn: &impl ConnectionTrait,
    id: Uuid,
    before: &[Uuid],
    after: &[Uuid],
) -> Result<(), StoreError> {
    let before: BTreeSet<Uuid> = before.iter().copied().collect();
    let after: BTreeSet<Uuid> = after.iter().copied().collect();
    let added: Vec<Uuid> = after.difference(&before).copied().collect();
    let removed: Vec<Uuid> = before.difference(&after).copied().collect();
    if !removed.is_empty() {
        event_project::Entity::delete_many()
            .filter(event_project::Column::EventId.eq(id))
            .filter(event_project::Column::ProjectId.is_in(removed.iter().copied()))
            .exec(conn)
            .await?;
    }
    if !added.is_empty() {
        let rows = added.iter().map(|project| event_project::ActiveModel {
            event_id: Set(id),
            project_id: Set(*project),
        });
        event_project::Entity::insert_many(rows).exec(conn).await?;
    }
    let mut changed: Vec<(Uuid, i64)> = added
        .iter()
        .map(|p| (*p, 1))
        .chain(removed.iter().map(|p| (*p, -1)))
        .collect();
    changed.sort_unstable();
    super::projects::add_to_event_counts(conn, &changed).await
}

/// Writes an event's attendance by category, the rows the period statistics sum.
async fn write_attendance(
    conn: &impl ConnectionTrait,
    id: Uuid,
    attendance: &Attendance,
) -> Result<(), StoreError> {
    event_attendance::Entity::delete_many()
        .filter(event_attendance::Column::EventId.eq(id))
        .exec(conn)
        .await?;
    let rows: Vec<_> = attendance
        .counts()
        .map(|(category, count)| event_attendance::ActiveModel {
            event_id: Set(id),
            category: Set(category.as_str().to_owned()),
            count: Set(count),
        })
        .collect();
    if !rows.is_empty() {
        event_attendance::Entity::insert_many(rows)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Records an event.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    fields: &NewEvent,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> Result<Event, StoreError> {
    let id = Uuid::now_v7();
    let mut model = event::ActiveModel {
        id: Set(id),
        created_by: Set(created_by),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    write(&mut model, fields);
    event::Entity::insert(model).exec(conn).await?;
    write_attendance(conn, id, &fields.attendance).await?;
    link(conn, id, &[], &fields.project_ids).await?;
    let created = find(conn, id)
        .await?
        .ok_or_else(|| corrupt("event vanished"))?;
    let mut delta = Delta::default();
    stats::add_event(&mut delta, &created, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(created)
}

/// Writes events exactly as given, with their links (for the demonstration data set).
/// Counters are not touched.
///
/// # Errors
/// When the database fails.
pub async fn insert_many(conn: &impl ConnectionTrait, events: &[Event]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let models = events.iter().map(|e| {
        let mut model = event::ActiveModel {
            id: Set(e.id),
            created_by: Set(e.created_by),
            version: Set(e.version),
            created_at: Set(e.created_at),
            updated_at: Set(e.updated_at),
            ..Default::default()
        };
        let fields = NewEvent {
            programme: e.programme.clone(),
            territory: e.territory.clone(),
            title: e.title.clone(),
            kind: e.kind,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            location: e.location.clone(),
            attendance: e.attendance.clone(),
            project_ids: Vec::new(),
        };
        write(&mut model, &fields);
        model
    });
    event::Entity::insert_many(models).exec(conn).await?;
    let attendance: Vec<event_attendance::ActiveModel> = events
        .iter()
        .flat_map(|e| {
            e.attendance
                .counts()
                .map(|(category, count)| event_attendance::ActiveModel {
                    event_id: Set(e.id),
                    category: Set(category.as_str().to_owned()),
                    count: Set(count),
                })
        })
        .collect();
    for chunk in attendance.chunks(300) {
        event_attendance::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    let links: Vec<event_project::ActiveModel> = events
        .iter()
        .flat_map(|e| {
            e.project_ids.iter().map(|p| event_project::ActiveModel {
                event_id: Set(e.id),
                project_id: Set(*p),
            })
        })
        .collect();
    if !links.is_empty() {
        event_project::Entity::insert_many(links).exec(conn).await?;
    }
    Ok(())
}

/// Replaces an event's fields and links if it is still as `old` (same version); `None`
/// otherwise.
///
/// # Errors
/// When the database fails.
pub async fn update(
    conn: &impl ConnectionTrait,
    old: &Event,
    fields: &NewEvent,
    now: DateTime<Utc>,
) -> Result<Option<Event>, StoreError> {
    let (id, version) = (old.id, old.version);
    let mut model = event::ActiveModel::default();
    write(&mut model, fields);
    model.version = Set(version + 1);
    model.updated_at = Set(now);
    let result = event::Entity::update_many()
        .set(model)
        .filter(event::Column::Id.eq(id))
        .filter(event::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    write_attendance(conn, id, &fields.attendance).await?;
    link(conn, id, &old.project_ids, &fields.project_ids).await?;
    let new = find(conn, id)
        .await?
        .ok_or_else(|| corrupt("event vanished"))?;
    let mut delta = Delta::default();
    stats::add_event(&mut delta, old, -1)?;
    stats::add_event(&mut delta, &new, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(Some(new))
}

/// Deletes an event and its links (never the projects) if it is still as `old` (same
/// version). Returns whether it did.
///
/// # Errors
/// When the database fails.
pub async fn delete(conn: &impl ConnectionTrait, old: &Event) -> Result<bool, StoreError> {
    let result = event::Entity::delete_many()
        .filter(event::Column::Id.eq(old.id))
        .filter(event::Column::Version.eq(old.version))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    link(conn, old.id, &old.project_ids, &[]).await?;
    event_attendance::Entity::delete_many()
        .filter(event_attendance::Column::EventId.eq(old.id))
        .exec(conn)
        .await?;
    let mut delta = Delta::default();
    stats::add_event(&mut delta, old, -1)?;
    stats::apply(conn, &delta).await?;
    Ok(true)
}

/// One event with its links.
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Event>, StoreError> {
    let Some(model) = event::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut links = links_of(conn, &[id]).await?;
    to_event(model, links.remove(&id).unwrap_or_default()).map(Some)
}

async fn links_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
    let mut links: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if ids.is_empty() {
        return Ok(links);
    }
    let rows = event_project::Entity::find()
        .filter(event_project::Column::EventId.is_in(ids.iter().copied()))
        .order_by_asc(event_project::Column::ProjectId)
        .all(conn)
        .await?;
    for row in rows {
        links.entry(row.event_id).or_default().push(row.project_id);
    }
    Ok(links)
}

/// Filters and position of an event list.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// Only this territory's subtree.
    pub territory: Option<TerritoryPath>,
    /// Only this kind.
    pub kind: Option<EventKind>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub until: Option<DateTime<Utc>>,
    /// After this (start, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Page size.
    pub limit: u64,
}

/// Events by start, filtered and paginated.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    query: &EventQuery,
) -> Result<Page<Event>, StoreError> {
    let mut select = event::Entity::find();
    if let Some(programme) = &query.programme {
        select = select.filter(event::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &query.territory {
        select = select.filter(subtree(
            territory,
            event::Column::TerritoryId,
            event::Column::RegionId,
            event::Column::AcademyId,
        ));
    }
    if let Some(kind) = query.kind {
        select = select.filter(event::Column::Kind.eq(kind.as_str()));
    }
    if let Some(from) = query.from {
        select = select.filter(event::Column::StartsAt.gte(from));
    }
    if let Some(until) = query.until {
        select = select.filter(event::Column::StartsAt.lt(until));
    }
    if let Some((at, id)) = query.after {
        select = select.filter(
            Condition::any().add(event::Column::StartsAt.gt(at)).add(
                Condition::all()
                    .add(event::Column::StartsAt.eq(at))
                    .add(event::Column::Id.gt(id)),
            ),
        );
    }
    let rows = select
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(query.limit + 1)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut links = links_of(conn, &ids).await?;
    let events = rows
        .into_iter()
        .map(|row| {
            let linked = links.remove(&row.id).unwrap_or_default();
            to_event(row, linked)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(events, query.limit))
}

/// The events a project emerged from, by start (without their own lists of projects).
///
/// # Errors
/// When the database fails.
pub async fn for_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<Event>, StoreError> {
    let linked = Query::select()
        .column(event_project::Column::EventId)
        .from(event_project::Entity)
        .and_where(event_project::Column::ProjectId.eq(project_id))
        .to_owned();
    event::Entity::find()
        .filter(event::Column::Id.in_subquery(linked))
        .order_by_asc(event::Column::StartsAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| to_event(row, Vec::new()))
        .collect()
}
