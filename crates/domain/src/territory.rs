//! Territories are identified by `kind:code` strings so that codes of different kinds never
//! collide (académie `11` is Montpellier, région `11` is Île-de-France).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

crate::code_enum! {
    /// A level of the territory tree, from the country down to the département.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum TerritoryKind: "niveau de territoire (country, region, academy ou department)" {
        /// The whole country (`country:FR`), root of the tree.
        Country = "country",
        /// A région, which is also the ARS of the health programme.
        Region = "region",
        /// An académie, the validation level of the education programme.
        Academy = "academy",
        /// A département, the finest level.
        Department = "department",
    }
}

impl TerritoryKind {
    /// Depth in the tree: the country is 0, a département 3.
    pub fn depth(self) -> usize {
        match self {
            TerritoryKind::Country => 0,
            TerritoryKind::Region => 1,
            TerritoryKind::Academy => 2,
            TerritoryKind::Department => 3,
        }
    }

    /// The French label shown to people.
    pub fn label_fr(self) -> &'static str {
        match self {
            TerritoryKind::Country => "pays",
            TerritoryKind::Region => "région",
            TerritoryKind::Academy => "académie",
            TerritoryKind::Department => "département",
        }
    }
}

/// Why a string is not a territory identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerritoryIdError {
    /// No `:` between kind and code.
    #[error("a territory id has the form kind:code, e.g. department:2A")]
    Shape,
    /// The part before `:` is not a known kind.
    #[error(transparent)]
    Kind(#[from] crate::code::UnknownCode),
    /// The code is empty, too long or holds other characters than ASCII letters and digits.
    #[error("a territory code is 1 to 3 ASCII letters or digits")]
    Code,
}

/// A well-formed territory identifier such as `department:2A`. Well-formed does not mean
/// known: whether it exists is a question for the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TerritoryId {
    kind: TerritoryKind,
    raw: String,
}

impl TerritoryId {
    /// Parses `kind:code`.
    ///
    /// # Errors
    /// [`TerritoryIdError`] when the shape, the kind or the code is wrong.
    pub fn parse(s: &str) -> Result<Self, TerritoryIdError> {
        let (kind, code) = s.split_once(':').ok_or(TerritoryIdError::Shape)?;
        let kind: TerritoryKind = kind.parse()?;
        let valid_code =
            (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_code {
            return Err(TerritoryIdError::Code);
        }
        Ok(TerritoryId {
            kind,
            raw: s.to_owned(),
        })
    }

    /// The root of the tree, `country:FR`.
    pub fn country() -> Self {
        TerritoryId {
            kind: TerritoryKind::Country,
            raw: "country:FR".to_owned(),
        }
    }

    /// The level of this territory.
    pub fn kind(&self) -> TerritoryKind {
        self.kind
    }

    /// The code after the colon (`2A` for `department:2A`).
    pub fn code(&self) -> &str {
        &self.raw[self.kind.as_str().len() + 1..]
    }

    /// The full identifier.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for TerritoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl FromStr for TerritoryId {
    type Err = TerritoryIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TerritoryId::parse(s)
    }
}

/// The position of a territory in the tree: itself and its ancestors by level. Scopes and
/// subtree filters compare these, so no tree walk is needed at request time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryPath {
    /// The territory itself.
    pub id: TerritoryId,
    /// Its région, or itself when it is one; `None` for the country.
    pub region: Option<TerritoryId>,
    /// Its académie, or itself when it is one; `None` above the académie level.
    pub academy: Option<TerritoryId>,
}

impl TerritoryPath {
    /// Whether `other` lies in the subtree rooted at this territory (itself included).
    pub fn contains(&self, other: &TerritoryPath) -> bool {
        match self.id.kind() {
            TerritoryKind::Country => true,
            TerritoryKind::Region => other.region.as_ref() == Some(&self.id),
            TerritoryKind::Academy => other.academy.as_ref() == Some(&self.id),
            TerritoryKind::Department => other.id == self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_id_with_a_letter_parses() {
        let id = TerritoryId::parse("department:2A").expect("valid id");
        assert_eq!(id.kind(), TerritoryKind::Department);
        assert_eq!(id.code(), "2A");
        assert_eq!(id.to_string(), "department:2A");
    }

    #[test]
    fn ids_without_kind_or_with_a_bad_code_are_refused() {
        assert_eq!(TerritoryId::parse("2A"), Err(TerritoryIdError::Shape));
        assert!(matches!(
            TerritoryId::parse("county:2A"),
            Err(TerritoryIdError::Kind(_))
        ));
        assert_eq!(
            TerritoryId::parse("department:"),
            Err(TerritoryIdError::Code)
        );
        assert_eq!(
            TerritoryId::parse("department:../etc"),
            Err(TerritoryIdError::Code)
        );
        assert_eq!(
            TerritoryId::parse("department:9999"),
            Err(TerritoryIdError::Code)
        );
    }

    fn path(id: &str, region: Option<&str>, academy: Option<&str>) -> TerritoryPath {
        let parse = |s: &str| TerritoryId::parse(s).expect("valid id");
        TerritoryPath {
            id: parse(id),
            region: region.map(parse),
            academy: academy.map(parse),
        }
    }

    #[test]
    fn a_region_contains_its_departments_but_not_others() {
        let corse = path("region:94", Some("region:94"), None);
        let corse_du_sud = path("department:2A", Some("region:94"), Some("academy:27"));
        let paris = path("department:75", Some("region:11"), Some("academy:01"));
        assert!(corse.contains(&corse_du_sud));
        assert!(!corse.contains(&paris));
        assert!(path("country:FR", None, None).contains(&paris));
        assert!(corse_du_sud.contains(&corse_du_sud));
        assert!(!corse_du_sud.contains(&corse));
    }
}
