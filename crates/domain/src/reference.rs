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

/// Programmes and territories by identifier: what every check against the reference data reads.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    programmes: Vec<Programme>,
    territories: Vec<Territory>,
    programme_index: std::collections::HashMap<String, usize>,
    territory_index: std::collections::HashMap<String, usize>,
}

impl Catalogue {
    /// A catalogue of these programmes and territories.
    pub fn new(programmes: Vec<Programme>, territories: Vec<Territory>) -> Self {
        Catalogue {
            programme_index: programmes
                .iter()
                .enumerate()
                .map(|(i, p)| (p.code.to_string(), i))
                .collect(),
            territory_index: territories
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id().to_string(), i))
                .collect(),
            programmes,
            territories,
        }
    }

    /// Every programme, by code.
    pub fn programmes(&self) -> &[Programme] {
        &self.programmes
    }

    /// A programme by code.
    pub fn programme(&self, code: &str) -> Option<&Programme> {
        self.programme_index.get(code).map(|i| &self.programmes[*i])
    }

    /// Every territory, from the country down.
    pub fn territories(&self) -> &[Territory] {
        &self.territories
    }

    /// A territory by id.
    pub fn territory(&self, id: &str) -> Option<&Territory> {
        self.territory_index.get(id).map(|i| &self.territories[*i])
    }

    /// Every territory of one level, by id.
    pub fn of_kind(&self, kind: TerritoryKind) -> Vec<&Territory> {
        let mut found: Vec<&Territory> = self
            .territories
            .iter()
            .filter(|t| t.id().kind() == kind)
            .collect();
        found.sort_by(|a, b| a.id().cmp(b.id()));
        found
    }

    /// The ancestors of a territory, from the country down.
    pub fn ancestors(&self, of: &Territory) -> Vec<&Territory> {
        let mut chain = Vec::new();
        let mut parent = of.parent.as_ref();
        while let Some(id) = parent {
            match self.territory(id.as_str()) {
                Some(t) => {
                    chain.push(t);
                    parent = t.parent.as_ref();
                }
                None => break,
            }
        }
        chain.reverse();
        chain
    }

    /// Whether `theme` is a theme of some programme.
    pub fn knows_theme(&self, theme: &str) -> bool {
        self.programmes.iter().any(|p| p.has_theme(theme))
    }

    /// The programme named by a filter.
    ///
    /// # Errors
    /// The field error naming `field` when the programme is unknown.
    pub fn programme_filter(
        &self,
        field: &str,
        code: Option<&str>,
    ) -> Result<Option<ProgrammeCode>, crate::FieldErrors> {
        code.map(|code| {
            self.programme(code)
                .map(|p| p.code.clone())
                .ok_or_else(|| crate::FieldErrors::one(field, "programme inconnu"))
        })
        .transpose()
    }

    /// The territory named by a filter, with its place in the tree.
    ///
    /// # Errors
    /// The field error naming `field` when the territory is unknown.
    pub fn territory_filter(
        &self,
        field: &str,
        id: Option<&str>,
    ) -> Result<Option<TerritoryPath>, crate::FieldErrors> {
        id.map(|id| {
            self.territory(id)
                .map(|t| t.path.clone())
                .ok_or_else(|| crate::FieldErrors::one(field, "territoire inconnu"))
        })
        .transpose()
    }
}
