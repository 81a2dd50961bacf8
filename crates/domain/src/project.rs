//! A project's fields as a lead writes them, each parsed into a value that cannot be invalid,
//! and who may see or act on a project.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use uuid::Uuid;

pub use crate::text::TextError;
use crate::text::TextRule;
use crate::{ProgrammeCode, Stage, Status, TerritoryId, TerritoryPath};

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// What the field accepts.
            pub const RULE: TextRule = $rule;

            /// Checks the text against [`Self::RULE`].
            ///
            /// # Errors
            /// [`TextError`] when too short, too long, holding control characters or blank at
            /// an end.
            pub fn parse(s: &str) -> Result<Self, TextError> {
                Self::RULE.check(s).map(|()| $name(s.to_owned()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A project's title: 3 to 200 characters on one line.
    ProjectTitle, TextRule::line(3, 200)
);
text_type!(
    /// A project's summary: 1 to 1,000 characters.
    Summary, TextRule::lines(1, 1_000)
);
text_type!(
    /// A project's description: up to 20,000 characters.
    Description, TextRule::lines(0, 20_000)
);

crate::code_enum! {
    /// The three kinds of project of the SILK method.
    pub enum Category: "catégorie" {
        /// Strategic.
        Strategic = "strategic",
        /// Redesign of a service.
        ServiceRedesign = "service_redesign",
        /// Community project (the default).
        Community = "community",
    }
}

impl Category {
    /// The French label shown to people.
    pub fn label_fr(self) -> &'static str {
        match self {
            Category::Strategic => "Stratégique",
            Category::ServiceRedesign => "Refonte d'un service",
            Category::Community => "Communautaire",
        }
    }
}

crate::code_enum! {
    /// Who takes part in a project or a concertation.
    pub enum Stakeholder: "partie prenante" {
        /// Teachers.
        Teachers = "teachers",
        /// School staff.
        SchoolStaff = "school_staff",
        /// Pupils.
        Pupils = "pupils",
        /// Parents.
        Parents = "parents",
        /// Health professionals.
        HealthProfessionals = "health_professionals",
        /// Patients.
        Patients = "patients",
        /// Residents.
        Residents = "residents",
        /// Elected officials.
        ElectedOfficials = "elected_officials",
        /// Local authorities.
        LocalAuthority = "local_authority",
        /// Associations.
        Associations = "associations",
        /// Businesses.
        Businesses = "businesses",
        /// Researchers.
        Researchers = "researchers",
    }
}

impl Stakeholder {
    /// The French label shown to people.
    pub fn label_fr(self) -> &'static str {
        match self {
            Stakeholder::Teachers => "Enseignants",
            Stakeholder::SchoolStaff => "Personnels de l'établissement",
            Stakeholder::Pupils => "Élèves",
            Stakeholder::Parents => "Parents",
            Stakeholder::HealthProfessionals => "Professionnels de santé",
            Stakeholder::Patients => "Patients",
            Stakeholder::Residents => "Habitants",
            Stakeholder::ElectedOfficials => "Élus",
            Stakeholder::LocalAuthority => "Collectivité locale",
            Stakeholder::Associations => "Associations",
            Stakeholder::Businesses => "Entreprises",
            Stakeholder::Researchers => "Chercheurs",
        }
    }
}

/// Why a UAI is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UaiError {
    /// Not 7 digits and a letter.
    #[error("un UAI compte 7 chiffres suivis d'une lettre de contrôle")]
    Shape,
    /// The check letter does not match the digits.
    #[error("la lettre de contrôle de l'UAI est fausse")]
    CheckLetter,
    /// The first digits name no département.
    #[error("les premiers chiffres de l'UAI ne désignent aucun département")]
    Department,
}

const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// A school identifier (unité administrative immatriculée): 7 digits and a check letter; its
/// first three characters give the département.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uai {
    raw: String,
    department: String,
}

impl Uai {
    /// The shape of a UAI as an ECMA-262 regular expression: a département prefix (`001`–`095`
    /// but `020`, `620`/`720` for Corsica, `971`–`974`, `976`), four digits and a letter that
    /// can be a check letter, in either case. The check letter itself is the `uai` format.
    pub const PATTERN: &str = "^(0(0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5])|620|720|97[1-46])[0-9]{4}[A-HJ-NPR-Za-hj-npr-z]$";

    /// Parses and checks a UAI (letters are accepted in either case).
    ///
    /// # Errors
    /// [`UaiError`] on a wrong shape, check letter or département.
    pub fn parse(s: &str) -> Result<Self, UaiError> {
        let s = s.to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 8
            || !bytes[..7].iter().all(u8::is_ascii_digit)
            || !bytes[7].is_ascii_uppercase()
        {
            return Err(UaiError::Shape);
        }
        let number: usize = s[..7].parse().map_err(|_| UaiError::Shape)?;
        if UAI_LETTERS[number % 23] != bytes[7] {
            return Err(UaiError::CheckLetter);
        }
        let prefix = &s[..3];
        let department = match prefix {
            "620" => "2A".to_owned(),
            "720" => "2B".to_owned(),
            "971" | "972" | "973" | "974" | "976" => prefix.to_owned(),
            p if p.starts_with('0') && ("001"..="095").contains(&p) && p != "020" => {
                p[1..].to_owned()
            }
            _ => return Err(UaiError::Department),
        };
        Ok(Uai { raw: s, department })
    }

    /// The UAI, uppercase.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The département it lies in, as a territory id.
    pub fn department(&self) -> TerritoryId {
        TerritoryId::parse(&format!("department:{}", self.department))
            .unwrap_or_else(|_| TerritoryId::country())
    }
}

/// An amount of money in euro cents: never negative, at most a thousand billion euros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cents(i64);

/// An amount below zero or beyond the bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("un montant est un entier de centimes entre 0 et 10^14")]
pub struct CentsError;

impl Cents {
    /// The largest amount accepted, 10^14 cents (a thousand billion euros), so that sums of
    /// many amounts stay far from overflow.
    pub const MAX: i64 = 100_000_000_000_000;

    /// Checks an amount.
    ///
    /// # Errors
    /// [`CentsError`] below zero or beyond [`Cents::MAX`].
    pub fn new(cents: i64) -> Result<Self, CentsError> {
        if (0..=Self::MAX).contains(&cents) {
            Ok(Cents(cents))
        } else {
            Err(CentsError)
        }
    }

    /// The amount.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses euros as people type them: `1500`, `1 500,50`, `1500.5`, `1 500 €` (a comma or a
    /// point for the cents, at most two decimals, spaces between thousands).
    ///
    /// # Errors
    /// [`CentsError`] for anything else, or beyond the bound.
    pub fn parse_euros(text: &str) -> Result<Self, CentsError> {
        let cleaned: String = text
            .trim()
            .trim_end_matches('€')
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .collect();
        let (units, decimals) = match cleaned.split_once([',', '.']) {
            Some((units, decimals)) => (units, decimals),
            None => (cleaned.as_str(), ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || decimals.len() > 2 || (!decimals.is_empty() && !digits(decimals)) {
            return Err(CentsError);
        }
        let euros: i64 = units.parse().map_err(|_| CentsError)?;
        let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| CentsError)?;
        Cents::new(
            euros
                .checked_mul(100)
                .and_then(|c| c.checked_add(cents))
                .ok_or(CentsError)?,
        )
    }

    /// The amount written in euros the French way (`1 500,50`), for a form.
    pub fn euros_fr(self) -> String {
        let euros = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        match self.0 % 100 {
            0 => grouped,
            cents => format!("{grouped},{cents:02}"),
        }
    }
}

/// Start and end dates, the end not before the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
}

/// The end comes before the start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("la date de fin précède la date de début")]
pub struct PeriodError;

impl Period {
    /// Checks the order of the dates.
    ///
    /// # Errors
    /// [`PeriodError`] when the end precedes the start.
    pub fn new(
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
    ) -> Result<Self, PeriodError> {
        match (starts_on, ends_on) {
            (Some(start), Some(end)) if end < start => Err(PeriodError),
            _ => Ok(Period { starts_on, ends_on }),
        }
    }
}

/// Every field a lead writes, parsed. Whether the programme, territory and theme exist, and
/// whether the UAI lies in the territory, is checked against the reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFields {
    /// Programme.
    pub programme: ProgrammeCode,
    /// Territory (any level).
    pub territory: TerritoryId,
    /// Title.
    pub title: ProjectTitle,
    /// Summary.
    pub summary: Summary,
    /// Description.
    pub description: Option<Description>,
    /// Theme of the programme.
    pub theme: String,
    /// SILK category.
    pub category: Category,
    /// School concerned.
    pub establishment_uai: Option<Uai>,
    /// Amount asked for.
    pub requested_amount: Cents,
    /// Who takes part.
    pub stakeholders: BTreeSet<Stakeholder>,
    /// Dates.
    pub period: Period,
}

/// A lead's fields as typed, before any check (strings for what the reference data decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectInput {
    /// Programme code.
    pub programme: String,
    /// Territory id.
    pub territory: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Description.
    pub description: Option<String>,
    /// Theme code.
    pub theme: String,
    /// SILK category (default community).
    pub category: Option<Category>,
    /// School UAI.
    pub establishment_uai: Option<String>,
    /// Amount asked for, in cents (default 0).
    pub requested_amount_cents: Option<i64>,
    /// Who takes part.
    pub stakeholders: Vec<Stakeholder>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
}

impl ProjectInput {
    /// The current fields of a project, as a starting point for a change.
    pub fn of(fields: &ProjectFields) -> Self {
        ProjectInput {
            programme: fields.programme.to_string(),
            territory: fields.territory.to_string(),
            title: fields.title.as_str().to_owned(),
            summary: fields.summary.as_str().to_owned(),
            description: fields.description.as_ref().map(|d| d.as_str().to_owned()),
            theme: fields.theme.clone(),
            category: Some(fields.category),
            establishment_uai: fields
                .establishment_uai
                .as_ref()
                .map(|u| u.as_str().to_owned()),
            requested_amount_cents: Some(fields.requested_amount.get()),
            stakeholders: fields.stakeholders.iter().copied().collect(),
            starts_on: fields.period.starts_on,
            ends_on: fields.period.ends_on,
        }
    }
}

impl ProjectFields {
    /// Parses every field and checks it against the reference data: the programme and the
    /// territory exist, the theme is the programme's, the school lies inside the territory.
    ///
    /// # Errors
    /// Every field at fault, at once.
    pub fn parse(
        input: ProjectInput,
        catalogue: &crate::Catalogue,
    ) -> Result<(ProjectFields, TerritoryPath), crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let programme = catalogue.programme(&input.programme);
        if programme.is_none() {
            errors.push("programme", "programme inconnu");
        }
        let territory = catalogue.territory(&input.territory);
        if territory.is_none() {
            errors.push("territory", "territoire inconnu");
        }
        let title = errors.check("title", ProjectTitle::parse(&input.title));
        let summary = errors.check("summary", Summary::parse(&input.summary));
        let description = match input.description.as_deref() {
            Some(d) => errors.check("description", Description::parse(d)).map(Some),
            None => Some(None),
        };
        if let Some(programme) = programme
            && !programme.has_theme(&input.theme)
        {
            errors.push(
                "theme",
                format!("thème inconnu pour le programme {}", programme.code),
            );
        }
        let uai = match input.establishment_uai.as_deref() {
            Some(u) => errors.check("establishment_uai", Uai::parse(u)).map(Some),
            None => Some(None),
        };
        if let (Some(Some(uai)), Some(territory)) = (&uai, territory) {
            match catalogue.territory(uai.department().as_str()) {
                Some(d) if territory.path.contains(&d.path) => {}
                Some(_) => errors.push(
                    "establishment_uai",
                    "l'établissement n'est pas dans le territoire du projet",
                ),
                None => errors.push(
                    "establishment_uai",
                    "les premiers chiffres de l'UAI ne désignent aucun département",
                ),
            }
        }
        let requested_amount = errors.check(
            "requested_amount_cents",
            Cents::new(input.requested_amount_cents.unwrap_or(0)),
        );
        let period = errors.check("ends_on", Period::new(input.starts_on, input.ends_on));
        errors.finish(|| {
            let territory = territory?;
            Some((
                ProjectFields {
                    programme: programme?.code.clone(),
                    territory: territory.path.id.clone(),
                    title: title?,
                    summary: summary?,
                    description: description?,
                    theme: input.theme,
                    category: input.category.unwrap_or(Category::Community),
                    establishment_uai: uai?,
                    requested_amount: requested_amount?,
                    stakeholders: input.stakeholders.into_iter().collect(),
                    period: period?,
                },
                territory.path.clone(),
            ))
        })
    }

    /// What a project still lacks to be submitted (SPEC §3): the stakeholders of its
    /// concertation, and for a programme of the education domain the school's UAI.
    ///
    /// # Errors
    /// Every missing field.
    pub fn ready_for_submission(
        &self,
        catalogue: &crate::Catalogue,
    ) -> Result<(), crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        if self.stakeholders.is_empty() {
            errors.push(
                "stakeholders",
                "indiquez au moins un acteur associé à la concertation",
            );
        }
        let school_programme = catalogue
            .programme(self.programme.as_str())
            .is_some_and(|p| p.domain == "education");
        if school_programme && self.establishment_uai.is_none() {
            errors.push(
                "establishment_uai",
                "l'UAI de l'établissement est requis pour déposer un projet de ce programme",
            );
        }
        errors.finish(|| Some(()))
    }
}

/// A project as stored, with the fields the service owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Identifier (UUIDv7).
    pub id: Uuid,
    /// The lead's fields.
    pub fields: ProjectFields,
    /// Where the territory stands in the tree.
    pub territory_path: TerritoryPath,
    /// The lead who created it.
    pub lead_id: Uuid,
    /// Validation status.
    pub status: Status,
    /// SILK stage.
    pub stage: Stage,
    /// Incremented at every change; the ETag.
    pub version: i64,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// First submission.
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Last decision (validation or rejection).
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Money granted by funds, in cents.
    pub granted_cents: i64,
    /// The kinds of support received.
    pub support_kinds: BTreeSet<crate::SupportKind>,
    /// How many support decisions it received.
    pub support_count: i64,
    /// How many concertation events it emerged from.
    pub event_count: i64,
    /// What was paid, done and achieved since its validation.
    pub follow_up: crate::FollowUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uai(digits: &str) -> String {
        let n: usize = digits.parse().expect("digits");
        format!("{digits}{}", UAI_LETTERS[n % 23] as char)
    }

    #[test]
    fn a_uai_with_the_right_check_letter_gives_its_department() {
        let paris = Uai::parse(&uai("0751234")).expect("valid");
        assert_eq!(paris.department().as_str(), "department:75");
        let ajaccio = Uai::parse(&uai("6200001")).expect("valid");
        assert_eq!(ajaccio.department().as_str(), "department:2A");
        let bastia = Uai::parse(&uai("7200009")).expect("valid");
        assert_eq!(bastia.department().as_str(), "department:2B");
        let mayotte = Uai::parse(&uai("9760123")).expect("valid");
        assert_eq!(mayotte.department().as_str(), "department:976");
        let lowercase = uai("0690001").to_lowercase();
        assert_eq!(
            Uai::parse(&lowercase).map(|u| u.as_str().to_owned()),
            Ok(uai("0690001"))
        );
    }

    #[test]
    fn a_uai_with_a_wrong_letter_shape_or_department_is_refused() {
        let good = uai("0751234");
        let wrong_letter = format!(
            "{}{}",
            &good[..7],
            if good.ends_with('A') { 'B' } else { 'A' }
        );
        assert_eq!(Uai::parse(&wrong_letter), Err(UaiError::CheckLetter));
        for shape in ["", "075123", "0751234", "07512345", "A751234B", "0751234ZZ"] {
            assert_eq!(Uai::parse(shape), Err(UaiError::Shape), "{shape:?}");
        }
        assert_eq!(Uai::parse(&uai("5000000")), Err(UaiError::Department));
    }

    proptest::proptest! {
        #[test]
        fn a_uai_with_its_check_letter_is_accepted_exactly_when_it_matches_the_pattern(
            digits in "[0-9]{7}",
            lowercase in proptest::bool::ANY,
        ) {
            let value = uai(&digits);
            let value = if lowercase { value.to_ascii_lowercase() } else { value };
            let pattern = regex::Regex::new(Uai::PATTERN).expect("pattern");
            proptest::prop_assert_eq!(Uai::parse(&value).is_ok(), pattern.is_match(&value));
        }
    }

    #[test]
    fn titles_are_bounded_and_not_blank_at_the_ends() {
        assert_eq!(
            ProjectTitle::parse("Jardin partagé").map(|t| t.as_str().to_owned()),
            Ok("Jardin partagé".to_owned())
        );
        assert_eq!(ProjectTitle::parse("  Jardin"), Err(TextError::Blank));
        assert_eq!(
            ProjectTitle::parse("ab"),
            Err(TextError::TooShort { min: 3 })
        );
        assert!(ProjectTitle::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            ProjectTitle::parse(&"é".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
        assert_eq!(ProjectTitle::parse("a\u{0}bc"), Err(TextError::Control));
        assert!(Summary::parse("deux\nlignes").is_ok());
        assert!(Description::parse(&"x".repeat(20_001)).is_err());
    }

    #[test]
    fn amounts_are_never_negative_and_periods_end_after_they_start() {
        assert!(Cents::new(-1).is_err());
        assert!(Cents::new(0).is_ok());
        assert!(Cents::new(Cents::MAX + 1).is_err());
        let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).expect("date");
        assert!(Period::new(Some(day(2)), Some(day(1))).is_err());
        assert!(Period::new(Some(day(1)), Some(day(1))).is_ok());
        assert!(Period::new(None, Some(day(1))).is_ok());
    }

    #[test]
    fn euros_are_read_with_a_comma_or_a_point_and_spaces_between_thousands() {
        let cents = |s: &str| Cents::parse_euros(s).map(Cents::get);
        assert_eq!(cents("1 500,50"), Ok(150_050));
        assert_eq!(cents("1500.50"), Ok(150_050));
        assert_eq!(cents("1500,5"), Ok(150_050));
        assert_eq!(cents("1500"), Ok(150_000));
        assert_eq!(cents("1\u{202f}500 €"), Ok(150_000));
        for bad in ["", "abc", "1,234,5", "1,505", "-3", "1e5", ",5"] {
            assert!(Cents::parse_euros(bad).is_err(), "{bad:?}");
        }
        assert!(Cents::parse_euros("1000000000001").is_err());
        assert_eq!(
            Cents::new(150_050).map(Cents::euros_fr).as_deref(),
            Ok("1 500,50")
        );
        assert_eq!(
            Cents::new(200_000_000).map(Cents::euros_fr).as_deref(),
            Ok("2 000 000")
        );
    }

    #[test]
    fn categories_and_stakeholders_round_trip() {
        for category in Category::ALL {
            assert_eq!(category.as_str().parse(), Ok(*category));
        }
        assert_eq!(Stakeholder::ALL.len(), 12);
        assert!("citizens".parse::<Stakeholder>().is_err());
    }
}
