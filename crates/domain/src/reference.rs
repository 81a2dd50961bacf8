//! Reference data: programmes with their themes, and territories. Seeded by migrations and
//! read by everything else.

use crate::{ProgrammeCode, TerritoryId, TerritoryKind, TerritoryPath};

/// A theme a programme's projects can belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// Identifier, unique within the programme (`mental_health`).
    pub code: String,
    /// French label.
    pub label: String,
}

/// A public programme run on local concertation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    /// Identifier (`education`, `health`).
    pub code: ProgrammeCode,
    /// Official French name.
    pub name: String,
    /// Policy domain (`education`, `health`, …).
    pub domain: String,
    /// The territory level whose administrators validate projects.
    pub validation_level: TerritoryKind,
    /// The themes, in display order.
    pub themes: Vec<Theme>,
}

impl Programme {
    /// Whether `theme` is one of this programme's themes.
    pub fn has_theme(&self, theme: &str) -> bool {
        self.themes.iter().any(|t| t.code == theme)
    }
}

/// A node of the territory tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Territory {
    /// Where it stands in the tree (its id, région and académie).
    pub path: TerritoryPath,
    /// French name.
    pub name: String,
    /// The territory one level up; `None` for the country.
    pub parent: Option<TerritoryId>,
}

impl Territory {
    /// Its identifier.
    pub fn id(&self) -> &TerritoryId {
        &self.path.id
    }
}
