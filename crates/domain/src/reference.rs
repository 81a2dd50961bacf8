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

/// A programme's name.
pub const PROGRAMME_NAME: crate::text::TextRule = crate::text::TextRule::line(3, 200);
/// A theme's label.
pub const THEME_LABEL: crate::text::TextRule = crate::text::TextRule::line(2, 100);
/// The most themes a programme holds.
pub const MAX_THEMES: usize = 50;

/// Checks themes to add to a programme: well-formed codes with labels, at most [`MAX_THEMES`].
/// (A code given twice, or one the programme has, is a duplicate: see [`duplicate_theme`];
/// whether the programme can hold them all depends on what it holds: the caller's business.)
///
/// # Errors
/// Every theme at fault, as `themes[i].code` / `themes[i].label`.
pub fn parse_themes(given: Vec<(String, String)>) -> Result<Vec<Theme>, crate::FieldErrors> {
    let mut errors = crate::FieldErrors::new();
    let mut themes = Vec::new();
    for (i, (code, label)) in given.into_iter().enumerate() {
        let field = |part: &str| format!("themes[{i}].{part}");
        if crate::ThemeCode::parse(&code).is_err() {
            errors.push(field("code"), crate::ProgrammeCodeError.to_string());
        }
        errors.check(field("label"), THEME_LABEL.check(&label));
        themes.push(Theme { code, label });
    }
    if themes.len() > MAX_THEMES {
        errors.push(
            "themes",
            format!("au plus {MAX_THEMES} thèmes par programme"),
        );
    }
    errors.finish(|| Some(themes))
}

/// The first theme code of `given` that `existing` has, or that `given` holds twice.
pub fn duplicate_theme<'a>(given: &'a [(String, String)], existing: &[Theme]) -> Option<&'a str> {
    let mut seen: std::collections::BTreeSet<&str> =
        existing.iter().map(|t| t.code.as_str()).collect();
    given
        .iter()
        .map(|(code, _)| code.as_str())
        .find(|code| !seen.insert(code))
}

/// A programme as a national administrator creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme(pub Programme);

impl NewProgramme {
    /// Checks a new programme: its code, name, domain, validation level (an académie, a région
    /// or a département) and at least one theme.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(
        code: &str,
        name: String,
        domain: &str,
        validation_level: &str,
        themes: Vec<(String, String)>,
    ) -> Result<Self, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let code = errors.check("code", ProgrammeCode::parse(code));
        errors.check("name", PROGRAMME_NAME.check(&name));
        let domain = errors
            .check("domain", crate::ThemeCode::parse(domain))
            .map(|d| d.as_str().to_owned());
        let level = match validation_level {
            "academy" => Some(TerritoryKind::Academy),
            "region" => Some(TerritoryKind::Region),
            "department" => Some(TerritoryKind::Department),
            _ => {
                errors.push("validation_level", "academy, region ou department");
                None
            }
        };
        if themes.is_empty() {
            errors.push("themes", "au moins un thème");
        }
        let themes = match parse_themes(themes) {
            Ok(themes) => Some(themes),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        errors.finish(|| {
            Some(NewProgramme(Programme {
                code: code?,
                name,
                domain: domain?,
                validation_level: level?,
                themes: themes?,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(code: &str) -> (String, String) {
        (code.to_owned(), format!("Thème {code}"))
    }

    #[test]
    fn a_programme_needs_a_code_a_level_and_unique_themes() {
        let ok = NewProgramme::parse(
            "mobility",
            "Mobilités du quotidien".into(),
            "transport",
            "department",
            vec![theme("cycling"), theme("buses")],
        )
        .expect("valid");
        assert_eq!(ok.0.validation_level, TerritoryKind::Department);
        let bad = NewProgramme::parse(
            "Mobility",
            "M".into(),
            "transport",
            "country",
            vec![theme("cycling"), ("Bus".into(), "x".into())],
        )
        .expect_err("invalid");
        let fields: Vec<&str> = bad.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "code",
                "name",
                "validation_level",
                "themes[1].code",
                "themes[1].label"
            ]
        );
    }

    #[test]
    fn a_theme_given_twice_or_already_there_is_a_duplicate() {
        let existing = [Theme {
            code: "cycling".into(),
            label: "Vélo".into(),
        }];
        assert_eq!(duplicate_theme(&[theme("walking")], &existing), None);
        assert_eq!(
            duplicate_theme(&[theme("cycling")], &existing),
            Some("cycling")
        );
        assert_eq!(
            duplicate_theme(&[theme("buses"), theme("buses")], &[]),
            Some("buses")
        );
    }
}
