//! Concertation events and their participants.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    ProgrammeCode, TerritoryPath,
    project::{ProjectTitle, Stakeholder, TextError},
    text::TextRule,
};

crate::code_enum! {
    /// The kinds of concertation event.
    pub enum EventKind: "type de concertation" {
        /// A consultation.
        Consultation = "consultation",
        /// A workshop.
        Workshop = "workshop",
        /// A forum.
        Forum = "forum",
        /// A meeting.
        Meeting = "meeting",
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

    /// The French label shown to people.
    pub fn label_fr(self) -> &'static str {
        match self {
            Category::Stakeholder(s) => s.label_fr(),
            Category::Citizens => "Citoyens",
        }
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

/// The years an event may be written in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// The most projects one event links to.
pub const MAX_LINKS: usize = 100;

/// An event's fields as typed, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    /// Programme code.
    pub programme: String,
    /// Territory id.
    pub territory: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: EventKind,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// The year of each instant as the client wrote it (its own offset), by field.
    pub written_years: Vec<(&'static str, i32)>,
    /// Place.
    pub location: Option<String>,
    /// Participants by category name.
    pub attendance: BTreeMap<String, u64>,
}

impl EventInput {
    /// The current fields of an event, as a starting point for a change.
    pub fn of(event: &Event) -> Self {
        EventInput {
            programme: event.programme.to_string(),
            territory: event.territory.id.to_string(),
            title: event.title.as_str().to_owned(),
            kind: event.kind,
            starts_at: event.starts_at,
            ends_at: event.ends_at,
            written_years: Vec::new(),
            location: event.location.clone(),
            attendance: event
                .attendance
                .counts()
                .map(|(c, n)| (c.as_str().to_owned(), u64::try_from(n).unwrap_or_default()))
                .collect(),
        }
    }
}

/// An event's fields, parsed and checked against the reference data; its links to projects
/// are decided by the use case, which can see the projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
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
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place.
    pub location: Option<String>,
    /// Who attended.
    pub attendance: Attendance,
    /// Projects that emerged from it.
    pub project_ids: Vec<Uuid>,
}

impl NewEvent {
    /// Parses every field and checks it against the reference data. The links are left empty.
    ///
    /// # Errors
    /// Every field at fault, at once.
    pub fn parse(
        input: EventInput,
        catalogue: &crate::Catalogue,
    ) -> Result<Self, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let programme = catalogue
            .programme(&input.programme)
            .map(|p| p.code.clone());
        if programme.is_none() {
            errors.push("programme", "programme inconnu");
        }
        let territory = catalogue
            .territory(&input.territory)
            .map(|t| t.path.clone());
        if territory.is_none() {
            errors.push("territory", "territoire inconnu");
        }
        let title = errors.check("title", parse_title(&input.title));
        for (field, year) in &input.written_years {
            if !YEARS.contains(year) {
                errors.push(*field, "une date entre 1900 et 2999");
            }
        }
        if input.ends_at.is_some_and(|end| end <= input.starts_at) {
            errors.push("ends_at", "la fin doit suivre le début");
        }
        if let Some(Err(e)) = input.location.as_deref().map(|l| LOCATION.check(l)) {
            errors.push("location", e.to_string());
        }
        let attendance =
            match Attendance::parse(input.attendance.iter().map(|(k, v)| (k.as_str(), *v))) {
                Ok(attendance) => Some(attendance),
                Err(e) => {
                    let category = match &e {
                        AttendanceError::Overflow(c) | AttendanceError::UnknownCategory(c) => c,
                    };
                    errors.push(format!("attendance.{category}"), e.to_string());
                    None
                }
            };
        errors.finish(|| {
            Some(NewEvent {
                programme: programme?,
                territory: territory?,
                title: title?,
                kind: input.kind,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                location: input.location,
                attendance: attendance?,
                project_ids: Vec::new(),
            })
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
