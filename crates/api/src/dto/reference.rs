//! Programmes and territories.

use serde::{Deserialize, Serialize};
use terrain_domain::{Programme, Territory, TerritoryKind};
use utoipa::ToSchema;

/// A level of the territory tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The country.
    Country,
    /// A région (also an ARS).
    Region,
    /// An académie.
    Academy,
    /// A département.
    Department,
}

impl From<Level> for TerritoryKind {
    fn from(level: Level) -> Self {
        match level {
            Level::Country => TerritoryKind::Country,
            Level::Region => TerritoryKind::Region,
            Level::Academy => TerritoryKind::Academy,
            Level::Department => TerritoryKind::Department,
        }
    }
}

impl From<TerritoryKind> for Level {
    fn from(kind: TerritoryKind) -> Self {
        match kind {
            TerritoryKind::Country => Level::Country,
            TerritoryKind::Region => Level::Region,
            TerritoryKind::Academy => Level::Academy,
            TerritoryKind::Department => Level::Department,
        }
    }
}

/// A theme of a programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThemeView {
    /// Identifier, unique within the programme.
    pub code: String,
    /// French label.
    pub label: String,
}

/// A programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    /// Identifier (`education`, `health`).
    #[schema(example = "education")]
    pub code: String,
    /// Official French name.
    pub name: String,
    /// Policy domain.
    pub domain: String,
    /// The territory level whose administrators validate projects.
    pub validation_level: Level,
    /// The themes, in display order.
    pub themes: Vec<ThemeView>,
}

impl From<Programme> for ProgrammeView {
    fn from(p: Programme) -> Self {
        ProgrammeView {
            code: p.code.to_string(),
            name: p.name,
            domain: p.domain,
            validation_level: p.validation_level.into(),
            themes: p
                .themes
                .into_iter()
                .map(|t| ThemeView {
                    code: t.code,
                    label: t.label,
                })
                .collect(),
        }
    }
}

/// A territory.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryView {
    /// `kind:code`, e.g. `department:2A`.
    #[schema(example = "department:2A")]
    pub id: String,
    /// Level in the tree.
    pub kind: Level,
    /// Official code, a string (`2A`, `976`, `01`).
    #[schema(example = "2A")]
    pub code: String,
    /// French name.
    #[schema(example = "Corse-du-Sud")]
    pub name: String,
    /// The territory one level up; `null` for the country.
    pub parent: Option<String>,
}

impl From<Territory> for TerritoryView {
    fn from(t: Territory) -> Self {
        TerritoryView {
            kind: t.id().kind().into(),
            code: t.id().code().to_owned(),
            id: t.id().to_string(),
            parent: t.parent.map(|p| p.to_string()),
            name: t.name,
        }
    }
}

/// A territory with its place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryDetail {
    /// `kind:code`.
    pub id: String,
    /// Level in the tree.
    pub kind: Level,
    /// Official code.
    pub code: String,
    /// French name.
    pub name: String,
    /// The territory one level up; `null` for the country.
    pub parent: Option<String>,
    /// Every ancestor, from the country down to the parent.
    pub ancestors: Vec<TerritoryView>,
    /// The territories one level down.
    pub children: Vec<TerritoryView>,
}

impl TerritoryDetail {
    /// Assembles the detail of `territory`.
    pub fn new(territory: Territory, ancestors: Vec<Territory>, children: Vec<Territory>) -> Self {
        let view = TerritoryView::from(territory);
        TerritoryDetail {
            id: view.id,
            kind: view.kind,
            code: view.code,
            name: view.name,
            parent: view.parent,
            ancestors: ancestors.into_iter().map(Into::into).collect(),
            children: children.into_iter().map(Into::into).collect(),
        }
    }
}

/// The level whose administrators validate a programme's projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidationLevel {
    /// An académie commission.
    Academy,
    /// A région (an ARS).
    Region,
    /// A département.
    Department,
}

impl ValidationLevel {
    fn as_str(self) -> &'static str {
        match self {
            ValidationLevel::Academy => "academy",
            ValidationLevel::Region => "region",
            ValidationLevel::Department => "department",
        }
    }
}

/// A theme to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemeRequest {
    /// Code, unique within the programme.
    #[schema(schema_with = crate::openapi::fields::slug_code)]
    pub code: String,
    /// French label.
    #[schema(schema_with = crate::openapi::fields::theme_label)]
    pub label: String,
}

/// `POST /programmes` (national administrators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProgrammeRequest {
    /// Code.
    #[schema(schema_with = crate::openapi::fields::slug_code)]
    pub code: String,
    /// Official French name.
    #[schema(schema_with = crate::openapi::fields::programme_name)]
    pub name: String,
    /// Policy domain (`education`, `health`, `transport`…).
    #[schema(schema_with = crate::openapi::fields::slug_code)]
    pub domain: String,
    /// The level whose administrators validate projects.
    pub validation_level: ValidationLevel,
    /// The themes, at least one, each code once.
    #[schema(min_items = 1, max_items = 50)]
    pub themes: Vec<ThemeRequest>,
}

impl From<CreateProgrammeRequest> for terrain_app::reference::ProgrammeInput {
    fn from(r: CreateProgrammeRequest) -> Self {
        terrain_app::reference::ProgrammeInput {
            code: r.code,
            name: r.name,
            domain: r.domain,
            validation_level: r.validation_level.as_str().to_owned(),
            themes: r.themes.into_iter().map(|t| (t.code, t.label)).collect(),
        }
    }
}

/// `PATCH /programmes/{code}`: a new name, and themes to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProgrammeRequest {
    /// New name.
    #[schema(schema_with = crate::openapi::fields::programme_name_or_null)]
    pub name: Option<String>,
    /// Themes to add after the programme's own, each code new to it.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub themes: Vec<ThemeRequest>,
}
