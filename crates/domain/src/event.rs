//! Concertation events and their participants.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    Actor, ProgrammeCode, Role, TerritoryPath,
    project::{ProjectTitle, Stakeholder, TextError},
    text::TextRule,
};

/// The kinds of concertation event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A consultation.
    Consultation,
    /// A workshop.
    Workshop,
    /// A forum.
    Forum,
    /// A meeting.
    Meeting,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 4] = [
        EventKind::Consultation,
        EventKind::Workshop,
        EventKind::Forum,
        EventKind::Meeting,
    ];

    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Consultation => "consultation",
            EventKind::Workshop => "workshop",
            EventKind::Forum => "forum",
            EventKind::Meeting => "meeting",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Self> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who attended: the stakeholder kinds, plus citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A stakeholder kind.
    Stakeholder(Stakeholder),
    /// Citizens at large.
    Citizens,
}

impl Category {
    /// Every category: the twelve stakeholder kinds, then citizens.
    pub fn all() -> impl Iterator<Item = Category> {
        Stakeholder::ALL
            .iter()
            .copied()
            .map(Category::Stakeholder)
            .chain(std::iter::once(Category::Citizens))
    }

    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Stakeholder(s) => s.as_str(),
            Category::Citizens => "citizens",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Self> {
        Category::all().find(|c| c.as_str() == s)
    }
}

/// Why attendance counts are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttendanceError {
    /// A category that does not exist.
    #[error("catégorie de participants inconnue : {0}")]
    UnknownCategory(String),
    /// A count beyond [`Attendance::MAX_COUNT`], in the category named.
    #[error("au plus 1 000 000 participants par catégorie")]
    Overflow(String),
}

/// Attendance counts by category; `participants` is their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendance(BTreeMap<Category, i64>);

impl Attendance {
    /// The largest count of one category at one event (SPEC §5).
    pub const MAX_COUNT: i64 = 1_000_000;

    /// Parses counts by category name. Counts must be integers ≥ 0 (the caller's types ensure
    /// it); zero counts are kept out.
    ///
    /// # Errors
    /// [`AttendanceError`] on an unknown category or a count above [`Self::MAX_COUNT`].
    pub fn parse<'a>(
        counts: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> Result<Self, AttendanceError> {
        let mut map = BTreeMap::new();
        for (name, count) in counts {
            let category = Category::parse(name)
                .ok_or_else(|| AttendanceError::UnknownCategory(name.to_owned()))?;
            let count = i64::try_from(count)
                .ok()
                .filter(|c| *c <= Self::MAX_COUNT)
                .ok_or_else(|| AttendanceError::Overflow(name.to_owned()))?;
            if count > 0 {
                map.insert(category, count);
            }
        }
        Ok(Attendance(map))
    }

    /// The total number of participants (at most 13 × [`Self::MAX_COUNT`]).
    pub fn participants(&self) -> i64 {
        self.0.values().sum()
    }

    /// Counts by category.
    pub fn counts(&self) -> impl Iterator<Item = (Category, i64)> + '_ {
        self.0.iter().map(|(c, n)| (*c, *n))
    }
}

/// What an event's place accepts.
pub const LOCATION: TextRule = TextRule::line(1, 200);

/// An event's title: the same rule as a project's.
pub type EventTitle = ProjectTitle;

/// Parses an event title.
///
/// # Errors
/// [`TextError`] as for a project title.
pub fn parse_title(s: &str) -> Result<EventTitle, TextError> {
    ProjectTitle::parse(s)
}

/// A concertation event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Identifier.
    pub id: Uuid,
    /// Programme.
    pub programme: ProgrammeCode,
    /// Where.
    pub territory: TerritoryPath,
    /// Title.
    pub title: EventTitle,
    /// Kind.
    pub kind: EventKind,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End, after the start.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub location: Option<String>,
    /// Who attended.
    pub attendance: Attendance,
    /// Projects that emerged from it.
    pub project_ids: Vec<Uuid>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Incremented at every change.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Whether `actor` may record an event of `programme` at `territory`: any lead, and
/// administrators inside their scope.
pub fn may_record(actor: &Actor, programme: &ProgrammeCode, territory: &TerritoryPath) -> bool {
    match actor.role {
        Role::Lead => true,
        Role::Admin => actor.administers(programme, territory),
        Role::Observer => false,
    }
}

/// Whether `actor` may link a new event, or an event it edits, to `project`: a lead its own
/// projects, an administrator the projects in its scope it may see (not drafts).
pub fn may_link(actor: &Actor, project: &crate::Project) -> bool {
    match actor.role {
        Role::Lead => project.lead_id == actor.id,
        Role::Admin => {
            project.status != crate::Status::Draft
                && actor.administers(&project.fields.programme, &project.territory_path)
        }
        Role::Observer => false,
    }
}

impl Event {
    /// Whether `actor` may change or delete this event: its creator, or an administrator
    /// whose scope contains it.
    pub fn may_be_changed_by(&self, actor: &Actor) -> bool {
        actor.id == self.created_by || actor.administers(&self.programme, &self.territory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scope, TerritoryId};

    #[test]
    fn participants_are_the_sum_of_the_counts_and_unknown_categories_are_refused() {
        let attendance =
            Attendance::parse([("pupils", 120), ("parents", 30), ("citizens", 0)]).expect("valid");
        assert_eq!(attendance.participants(), 150);
        assert_eq!(attendance.counts().count(), 2);
        assert_eq!(
            Attendance::parse([("aliens", 1)]),
            Err(AttendanceError::UnknownCategory("aliens".into()))
        );
        assert_eq!(
            Attendance::parse([("pupils", u64::MAX)]),
            Err(AttendanceError::Overflow("pupils".into()))
        );
        assert!(Attendance::parse([("pupils", 1_000_000)]).is_ok());
        assert_eq!(
            Attendance::parse([("pupils", 1_000_001)]),
            Err(AttendanceError::Overflow("pupils".into()))
        );
        assert_eq!(Category::all().count(), 13);
    }

    #[test]
    fn leads_record_anywhere_admins_within_scope_and_observers_never() {
        let path = |id: &str, region: &str| TerritoryPath {
            id: TerritoryId::parse(id).expect("id"),
            region: TerritoryId::parse(region).ok(),
            academy: None,
        };
        let health = ProgrammeCode::parse("health").expect("code");
        let bretagne = path("region:53", "region:53");
        let paca = path("region:93", "region:93");
        let actor = |role, territory: Option<TerritoryPath>| Actor {
            id: Uuid::nil(),
            role,
            scope: Scope {
                programme: None,
                territory,
            },
        };
        assert!(may_record(&actor(Role::Lead, None), &health, &paca));
        assert!(may_record(
            &actor(Role::Admin, Some(bretagne.clone())),
            &health,
            &bretagne
        ));
        assert!(!may_record(
            &actor(Role::Admin, Some(bretagne)),
            &health,
            &paca
        ));
        assert!(!may_record(&actor(Role::Observer, None), &health, &paca));
    }
}
