//! Accounts: who someone is, which role they hold, and where an administrator's authority runs.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{ProgrammeCode, TerritoryPath, text::TextRule};

/// Why an email address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("adresse électronique invalide")]
pub struct EmailError;

/// An email address, lowercased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// The most characters of an address.
    pub const MAX: usize = 254;
    /// The shape of an address as an ECMA-262 regular expression: a local part of 1 to 64
    /// characters, `@`, then at least two dot-separated labels; no blank, no control character.
    pub const PATTERN: &str = r"^[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]{1,64}@[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+(\.[^@.\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+)+$";

    /// Parses an address of the form `local@domain.tld` (see [`Self::PATTERN`]).
    ///
    /// # Errors
    /// [`EmailError`] when the shape is wrong or the address is longer than 254 characters.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let allowed = |c: char| c != '@' && !c.is_whitespace() && !c.is_control();
        let label = |l: &str| !l.is_empty() && l.chars().all(|c| c != '.' && allowed(c));
        let (local, domain) = s.split_once('@').ok_or(EmailError)?;
        let mut labels = domain.split('.');
        let valid = s.chars().count() <= Self::MAX
            && (1..=64).contains(&local.chars().count())
            && local.chars().all(allowed)
            && domain.contains('.')
            && labels.all(label);
        if valid {
            Ok(Email(fold_case(s)))
        } else {
            Err(EmailError)
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lowercases character by character, keeping a character whose lowercase is longer (`İ`), so
/// that the stored address has the same length and still obeys [`Email::PATTERN`].
fn fold_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        })
        .collect()
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than 12 characters.
    #[error("le mot de passe doit compter au moins {min} caractères")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than 128 characters.
    #[error("le mot de passe doit compter au plus {max} caractères")]
    TooLong {
        /// The maximum.
        max: usize,
    },
}

/// A password acceptable for a new account: 12 to 128 characters. Never displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters accepted.
    pub const MIN: usize = 12;
    /// The most characters accepted.
    pub const MAX: usize = 128;

    /// Checks the length, in characters.
    ///
    /// # Errors
    /// [`PasswordError`] when too short or too long.
    pub fn parse(s: &str) -> Result<Self, PasswordError> {
        let count = s.chars().count();
        if count < Self::MIN {
            Err(PasswordError::TooShort { min: Self::MIN })
        } else if count > Self::MAX {
            Err(PasswordError::TooLong { max: Self::MAX })
        } else {
            Ok(Password(s.to_owned()))
        }
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Why a display name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "le nom affiché doit compter de 1 à 100 caractères, sans caractère de contrôle ni espace au début ou à la fin"
)]
pub struct DisplayNameError;

/// The name shown for a person: 1 to 100 characters on one line, no blank at either end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// What a name accepts.
    pub const RULE: TextRule = TextRule::line(1, 100);

    /// Parses a display name.
    ///
    /// # Errors
    /// [`DisplayNameError`] when empty, too long, blank at an end or holding control
    /// characters.
    pub fn parse(s: &str) -> Result<Self, DisplayNameError> {
        Self::RULE
            .check(s)
            .map(|()| DisplayName(s.to_owned()))
            .map_err(|_| DisplayNameError)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::code_enum! {
    /// What someone may do, before scope is considered.
    pub enum Role: "rôle (lead, admin ou observer)" {
        /// A project lead: creates and carries their own projects.
        Lead = "lead",
        /// An administrator: reviews and decides within a scope.
        Admin = "admin",
        /// A reader of everything but personal data: analysts, evaluators.
        Observer = "observer",
    }
}

/// Where an administrator's authority runs: one programme and/or one territory subtree. An
/// empty scope is national.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only this programme, when set.
    pub programme: Option<ProgrammeCode>,
    /// Only this territory and what lies below it, when set.
    pub territory: Option<TerritoryPath>,
}

impl Scope {
    /// Whether the scope is national (no restriction at all).
    pub fn is_national(&self) -> bool {
        self.programme.is_none() && self.territory.is_none()
    }

    /// Whether something of `programme` located at `territory` lies inside the scope.
    pub fn contains(&self, programme: &ProgrammeCode, territory: &TerritoryPath) -> bool {
        self.programme.as_ref().is_none_or(|p| p == programme)
            && self
                .territory
                .as_ref()
                .is_none_or(|t| t.contains(territory))
    }

    /// Whether this scope covers all of `other` (a fund's or a sub-administrator's scope).
    pub fn covers(&self, other: &Scope) -> bool {
        let programme_ok = match (&self.programme, &other.programme) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => mine == theirs,
            (Some(_), None) => false,
        };
        let territory_ok = match (&self.territory, &other.territory) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => mine.contains(theirs),
            (Some(_), None) => false,
        };
        programme_ok && territory_ok
    }

    /// What lies in both scopes (an API token's reach within its owner's rights); `None` when
    /// nothing does (two programmes, or two territories neither of which contains the other).
    pub fn intersect(&self, other: &Scope) -> Option<Scope> {
        let programme = match (&self.programme, &other.programme) {
            (Some(a), Some(b)) if a != b => return None,
            (Some(a), _) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        let territory = match (&self.territory, &other.territory) {
            (Some(a), Some(b)) if a.contains(b) => Some(b.clone()),
            (Some(a), Some(b)) if b.contains(a) => Some(a.clone()),
            (Some(_), Some(_)) => return None,
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        Some(Scope {
            programme,
            territory,
        })
    }
}

/// An account as the service knows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Identifier (UUIDv7).
    pub id: Uuid,
    /// Normalised email address, unique.
    pub email: Email,
    /// Name shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Authority of an administrator; empty for other roles.
    pub scope: Scope,
    /// A disabled account cannot log in, and its tokens stop working.
    pub disabled: bool,
    /// How the account wants to hear about projects.
    pub mail: crate::MailPreference,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Someone acting on the service: what every permission check looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account.
    pub id: Uuid,
    /// Its role.
    pub role: Role,
    /// Its scope (meaningful for administrators).
    pub scope: Scope,
}

impl Actor {
    /// Whether this actor is an administrator with no scope restriction.
    pub fn is_national_admin(&self) -> bool {
        self.role == Role::Admin && self.scope.is_national()
    }

    /// Whether this actor administers things of `programme` at `territory`.
    pub fn administers(&self, programme: &ProgrammeCode, territory: &TerritoryPath) -> bool {
        self.role == Role::Admin && self.scope.contains(programme, territory)
    }
}

impl From<&User> for Actor {
    fn from(user: &User) -> Self {
        Actor {
            id: user.id,
            role: user.role,
            scope: user.scope.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TerritoryId;

    #[test]
    fn emails_are_normalised_and_malformed_ones_refused() {
        assert_eq!(
            Email::parse("Claire.Martin@Ac-Lyon.FR").map(|e| e.to_string()),
            Ok("claire.martin@ac-lyon.fr".to_owned())
        );
        for bad in [
            "", "no-at", "@x.fr", "a@b", "a@.fr", "a b@x.fr", "a@x.fr.", "a@b@c.fr", " a@x.fr",
            "a@x..fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn an_address_is_accepted_exactly_when_it_matches_the_published_pattern(
            value in "[a-zé@. İ\\t]{0,12}|[a-zA-Zİ]{1,3}@[a-z.]{1,8}|.{0,20}",
        ) {
            let pattern = regex::Regex::new(Email::PATTERN).expect("pattern");
            let described = pattern.is_match(&value) && value.chars().count() <= Email::MAX;
            let parsed = Email::parse(&value);
            proptest::prop_assert_eq!(parsed.is_ok(), described, "{:?}", value);
            // What is stored parses back to itself.
            if let Ok(email) = parsed {
                proptest::prop_assert_eq!(Email::parse(email.as_str()), Ok(email));
            }
        }
    }

    #[test]
    fn an_address_whose_lowercase_would_grow_is_stored_at_its_length() {
        let long = format!("{}@x.fr", "İ".repeat(64));
        let email = Email::parse(&long).expect("valid");
        assert_eq!(Email::parse(email.as_str()), Ok(email));
    }

    proptest::proptest! {
        #[test]
        fn case_folding_is_idempotent(value in "\\PC{1,20}") {
            proptest::prop_assert_eq!(fold_case(&fold_case(&value)), fold_case(&value));
        }
    }

    #[test]
    fn passwords_need_12_to_128_characters_counted_as_characters() {
        assert!(Password::parse("elevenchars").is_err());
        assert!(Password::parse("twelve chars").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"é".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("twelve chars")),
            "Ok(Password(…))"
        );
    }

    fn path(id: &str, region: Option<&str>, academy: Option<&str>) -> TerritoryPath {
        let parse = |s: &str| TerritoryId::parse(s).expect("id");
        TerritoryPath {
            id: parse(id),
            region: region.map(parse),
            academy: academy.map(parse),
        }
    }

    #[test]
    fn a_scoped_admin_administers_only_its_programme_and_subtree() {
        let education = ProgrammeCode::parse("education").expect("code");
        let health = ProgrammeCode::parse("health").expect("code");
        let lyon = path("academy:10", Some("region:84"), Some("academy:10"));
        let rhone = path("department:69", Some("region:84"), Some("academy:10"));
        let paris = path("department:75", Some("region:11"), Some("academy:01"));
        let admin = Actor {
            id: Uuid::nil(),
            role: Role::Admin,
            scope: Scope {
                programme: Some(education.clone()),
                territory: Some(lyon),
            },
        };
        assert!(admin.administers(&education, &rhone));
        assert!(!admin.administers(&health, &rhone));
        assert!(!admin.administers(&education, &paris));
        assert!(!admin.is_national_admin());
        let lead = Actor {
            role: Role::Lead,
            scope: Scope::default(),
            ..admin
        };
        assert!(!lead.administers(&education, &rhone));
    }

    #[test]
    fn a_national_scope_covers_every_other_and_a_region_covers_its_departments_only() {
        let region = Scope {
            programme: None,
            territory: Some(path("region:84", Some("region:84"), None)),
        };
        let department = Scope {
            programme: None,
            territory: Some(path("department:69", Some("region:84"), Some("academy:10"))),
        };
        assert!(Scope::default().covers(&region));
        assert!(region.covers(&department));
        assert!(!department.covers(&region));
        assert!(!region.covers(&Scope::default()));
    }
}
