//! Concertation events.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{Event, EventKind};
use utoipa::ToSchema;
use uuid::Uuid;

use super::projects::nullable;
use crate::openapi::{
    fields,
    reference::{ProgrammeCode, TerritoryId},
};

/// Kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKindName {
    /// Consultation.
    Consultation,
    /// Workshop.
    Workshop,
    /// Forum.
    Forum,
    /// Meeting.
    Meeting,
}

impl From<EventKindName> for EventKind {
    fn from(kind: EventKindName) -> Self {
        match kind {
            EventKindName::Consultation => EventKind::Consultation,
            EventKindName::Workshop => EventKind::Workshop,
            EventKindName::Forum => EventKind::Forum,
            EventKindName::Meeting => EventKind::Meeting,
        }
    }
}

impl From<EventKind> for EventKindName {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Consultation => EventKindName::Consultation,
            EventKind::Workshop => EventKindName::Workshop,
            EventKind::Forum => EventKindName::Forum,
            EventKind::Meeting => EventKindName::Meeting,
        }
    }
}

/// `POST /events`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventRequest {
    /// Programme code.
    #[schema(value_type = ProgrammeCode)]
    pub programme: String,
    /// Territory id.
    #[schema(value_type = TerritoryId)]
    pub territory: String,
    /// 3 to 200 characters.
    #[schema(schema_with = fields::title)]
    pub title: String,
    /// Kind.
    pub kind: EventKindName,
    /// Start (RFC 3339), written in a year from 1900 to 2999.
    #[schema(value_type = String, format = DateTime, pattern = "^(19|2[0-9])[0-9]{2}-")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, after the start, written in a year from 1900 to 2999.
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^(19|2[0-9])[0-9]{2}-")]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// Place, up to 200 characters.
    #[schema(schema_with = fields::location)]
    pub location: Option<String>,
    /// Participants by category (the stakeholder kinds and `citizens`): integers ≥ 0.
    #[serde(default)]
    #[schema(schema_with = fields::attendance)]
    pub attendance: BTreeMap<String, u64>,
    /// Projects that emerged from it (ones you may see), at most 100.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub project_ids: Vec<Uuid>,
}

/// `PATCH /events/{id}`: fields present replace the current ones. Needs `If-Match`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEventRequest {
    /// Programme code.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Territory id.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Title.
    #[schema(schema_with = fields::title_or_null)]
    pub title: Option<String>,
    /// Kind.
    pub kind: Option<EventKindName>,
    /// Start, written in a year from 1900 to 2999.
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^(19|2[0-9])[0-9]{2}-")]
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// End (`null` clears it), written in a year from 1900 to 2999.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^(19|2[0-9])[0-9]{2}-")]
    pub ends_at: Option<Option<DateTime<FixedOffset>>>,
    /// Place (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::location)]
    pub location: Option<Option<String>>,
    /// Participants by category, replacing the current counts.
    #[schema(schema_with = fields::attendance_or_null)]
    pub attendance: Option<BTreeMap<String, u64>>,
    /// Linked projects, replacing the current links.
    #[schema(max_items = 100)]
    pub project_ids: Option<Vec<Uuid>>,
}

/// A concertation event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Identifier.
    pub id: Uuid,
    /// Programme.
    pub programme: String,
    /// Territory.
    pub territory: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: EventKindName,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub location: Option<String>,
    /// Participants by category.
    pub attendance: BTreeMap<String, i64>,
    /// Total participants.
    pub participants: i64,
    /// Linked projects that you may see.
    pub project_ids: Vec<Uuid>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Version, also the `ETag`.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<terrain_app::events::EventView> for EventView {
    fn from(view: terrain_app::events::EventView) -> Self {
        let terrain_app::events::EventView {
            event,
            visible_projects,
        } = view;
        EventView {
            id: event.id,
            programme: event.programme.to_string(),
            territory: event.territory.id.to_string(),
            title: event.title.as_str().to_owned(),
            kind: event.kind.into(),
            starts_at: event.starts_at,
            ends_at: event.ends_at,
            location: event.location,
            participants: event.attendance.participants(),
            attendance: event
                .attendance
                .counts()
                .map(|(c, n)| (c.as_str().to_owned(), n))
                .collect(),
            project_ids: visible_projects,
            created_by: event.created_by,
            version: event.version,
            created_at: event.created_at,
            updated_at: event.updated_at,
        }
    }
}

/// An event in a project's detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventRef {
    /// Identifier.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: EventKindName,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Participants.
    pub participants: i64,
}

impl From<Event> for EventRef {
    fn from(event: Event) -> Self {
        EventRef {
            id: event.id,
            title: event.title.as_str().to_owned(),
            kind: event.kind.into(),
            starts_at: event.starts_at,
            participants: event.attendance.participants(),
        }
    }
}
