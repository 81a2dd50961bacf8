//! Funds (envelopes of money that can never be overspent) and the support projects receive.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Cents, ProgrammeCode, Scope, TerritoryPath, text::TextRule};

/// What a fund's name accepts.
pub const FUND_NAME: TextRule = TextRule::line(3, 200);

/// Why a fund code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("un code de fonds compte 2 à 60 caractères parmi A-Z, a-z, 0-9, - et _")]
pub struct FundCodeError;

/// A fund's code, e.g. `FIP-2025-LYON` or `FIR-2024-ARA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FundCode(String);

impl FundCode {
    /// The shape of a code as an ECMA-262 regular expression.
    pub const PATTERN: &str = "^[A-Za-z0-9_-]{2,60}$";

    /// Parses a code.
    ///
    /// # Errors
    /// [`FundCodeError`] on a wrong length or character.
    pub fn parse(s: &str) -> Result<Self, FundCodeError> {
        let valid = (2..=60).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(FundCode(s.to_owned()))
        } else {
            Err(FundCodeError)
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FundCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The years a fund may be for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A fund's fields as typed, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundInput {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Programme code.
    pub programme: String,
    /// Territory id; `None` for the whole country.
    pub territory: Option<String>,
    /// Year.
    pub year: i32,
    /// Envelope in cents.
    pub envelope_cents: i64,
}

/// A fund to create, parsed and checked against the reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFund {
    /// Code, unique.
    pub code: FundCode,
    /// Name.
    pub name: String,
    /// Programme.
    pub programme: ProgrammeCode,
    /// Territory covered; `None` for the country.
    pub territory: Option<TerritoryPath>,
    /// Year.
    pub year: i32,
    /// Envelope, above zero.
    pub envelope: Cents,
}

impl NewFund {
    /// Parses every field and checks it against the reference data.
    ///
    /// # Errors
    /// Every field at fault, at once.
    pub fn parse(
        input: FundInput,
        catalogue: &crate::Catalogue,
    ) -> Result<Self, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let code = errors.check("code", FundCode::parse(&input.code));
        errors.check("name", FUND_NAME.check(&input.name));
        let programme = catalogue
            .programme(&input.programme)
            .map(|p| p.code.clone());
        if programme.is_none() {
            errors.push("programme", "programme inconnu");
        }
        let territory = match input.territory.as_deref() {
            Some(id) => match catalogue.territory(id) {
                Some(t) => Some(Some(t.path.clone())),
                None => {
                    errors.push("territory", "territoire inconnu");
                    None
                }
            },
            None => Some(None),
        };
        if !YEARS.contains(&input.year) {
            errors.push("year", "entre 2000 et 2100");
        }
        let envelope = Cents::new(input.envelope_cents)
            .ok()
            .filter(|c| c.get() > 0);
        if envelope.is_none() {
            let message = if input.envelope_cents > Cents::MAX {
                "au plus 10^14 centimes (mille milliards d'euros)"
            } else {
                "un montant supérieur à zéro"
            };
            errors.push("envelope_cents", message);
        }
        errors.finish(|| {
            Some(NewFund {
                code: code?,
                name: input.name,
                programme: programme?,
                territory: territory?,
                year: input.year,
                envelope: envelope?,
            })
        })
    }

    /// The fund's reach as a scope, to compare with an administrator's.
    pub fn scope(&self) -> Scope {
        Scope {
            programme: Some(self.programme.clone()),
            territory: self.territory.clone(),
        }
    }
}

/// An envelope of money for one programme, optionally one territory, and one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fund {
    /// Code.
    pub code: FundCode,
    /// Name.
    pub name: String,
    /// Programme whose projects it pays for.
    pub programme: ProgrammeCode,
    /// Territory it covers; `None` for the whole country.
    pub territory: Option<TerritoryPath>,
    /// Year.
    pub year: i32,
    /// Total envelope.
    pub envelope: Cents,
    /// Already granted.
    pub committed_cents: i64,
    /// Money paid of what was committed, in cents.
    pub paid_cents: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Fund {
    /// What is left to grant.
    pub fn remaining_cents(&self) -> i64 {
        self.envelope.get() - self.committed_cents
    }

    /// The fund's reach as a scope, to compare with an administrator's.
    pub fn scope(&self) -> Scope {
        Scope {
            programme: Some(self.programme.clone()),
            territory: self.territory.clone(),
        }
    }

    /// Whether the fund may pay for a project of `programme` at `territory`.
    pub fn covers(&self, programme: &ProgrammeCode, territory: &TerritoryPath) -> bool {
        self.scope().contains(programme, territory)
    }
}

crate::code_enum! {
    /// The kinds of support a validated project can receive.
    pub enum SupportKind: "type de soutien" {
        /// Money from a fund.
        Financial = "financial",
        /// Method and guidance.
        Methodological = "methodological",
        /// People's time.
        Human = "human",
        /// Training.
        Training = "training",
        /// Scientific support.
        Scientific = "scientific",
    }
}

impl SupportKind {
    /// The French label shown to people.
    pub fn label_fr(self) -> &'static str {
        match self {
            SupportKind::Financial => "Financier",
            SupportKind::Methodological => "Méthodologique",
            SupportKind::Human => "Humain",
            SupportKind::Training => "Formation",
            SupportKind::Scientific => "Scientifique",
        }
    }
}

/// Why a support request is malformed, before any fund is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    /// Financial support needs a fund.
    #[error("un soutien financier nomme un fonds")]
    FundRequired,
    /// Financial support needs an amount above zero.
    #[error("un soutien financier a un montant supérieur à zéro")]
    AmountRequired,
    /// Other kinds carry no fund.
    #[error("seul un soutien financier nomme un fonds")]
    FundNotAllowed,
    /// Other kinds carry no amount.
    #[error("seul un soutien financier a un montant")]
    AmountNotAllowed,
}

/// What a support grants: money from a fund, or another kind of help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Money from a fund.
    Financial {
        /// The fund.
        fund: FundCode,
        /// The amount, above zero.
        amount: Cents,
    },
    /// Help of another kind.
    Other(SupportKind),
}

impl Grant {
    /// Checks that a fund and an amount come with financial support and only with it.
    ///
    /// # Errors
    /// [`SupportError`] naming what is missing or out of place; the first item says which
    /// field (`fund` or `amount_cents`).
    pub fn new(
        kind: SupportKind,
        fund: Option<FundCode>,
        amount: Option<Cents>,
    ) -> Result<Self, (&'static str, SupportError)> {
        match (kind, fund, amount) {
            (SupportKind::Financial, Some(fund), Some(amount)) if amount.get() > 0 => {
                Ok(Grant::Financial { fund, amount })
            }
            (SupportKind::Financial, None, _) => Err(("fund", SupportError::FundRequired)),
            (SupportKind::Financial, Some(_), _) => {
                Err(("amount_cents", SupportError::AmountRequired))
            }
            (_, Some(_), _) => Err(("fund", SupportError::FundNotAllowed)),
            (_, None, Some(_)) => Err(("amount_cents", SupportError::AmountNotAllowed)),
            (kind, None, None) => Ok(Grant::Other(kind)),
        }
    }

    /// The kind of support.
    pub fn kind(&self) -> SupportKind {
        match self {
            Grant::Financial { .. } => SupportKind::Financial,
            Grant::Other(kind) => *kind,
        }
    }
}

/// A support decision recorded on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// What was granted.
    pub grant: Grant,
    /// A note.
    pub note: Option<String>,
    /// The administrator who decided.
    pub granted_by: Uuid,
    /// When.
    pub granted_at: DateTime<Utc>,
    /// What was paid of it, in cents (financial support only).
    pub paid_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(n: i64) -> Option<Cents> {
        Cents::new(n).ok()
    }

    fn fund() -> Option<FundCode> {
        FundCode::parse("FIR-2025-ARA").ok()
    }

    #[test]
    fn financial_support_needs_a_fund_and_a_positive_amount() {
        assert!(Grant::new(SupportKind::Financial, fund(), cents(100)).is_ok());
        assert_eq!(
            Grant::new(SupportKind::Financial, None, cents(100)),
            Err(("fund", SupportError::FundRequired))
        );
        assert_eq!(
            Grant::new(SupportKind::Financial, fund(), cents(0)),
            Err(("amount_cents", SupportError::AmountRequired))
        );
        assert_eq!(
            Grant::new(SupportKind::Financial, fund(), None),
            Err(("amount_cents", SupportError::AmountRequired))
        );
    }

    #[test]
    fn other_kinds_refuse_a_fund_or_an_amount() {
        assert_eq!(
            Grant::new(SupportKind::Human, None, None),
            Ok(Grant::Other(SupportKind::Human))
        );
        assert_eq!(
            Grant::new(SupportKind::Training, fund(), None),
            Err(("fund", SupportError::FundNotAllowed))
        );
        assert_eq!(
            Grant::new(SupportKind::Methodological, None, cents(5)),
            Err(("amount_cents", SupportError::AmountNotAllowed))
        );
    }

    #[test]
    fn fund_codes_are_short_slugs() {
        assert!(FundCode::parse("FIP-2025_Lyon").is_ok());
        assert!(FundCode::parse("a").is_err());
        assert!(FundCode::parse("../etc").is_err());
        assert!(FundCode::parse(&"x".repeat(61)).is_err());
    }
}
