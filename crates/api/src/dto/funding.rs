//! Funds and supports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{Fund, Grant, Support, SupportKind};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::openapi::{
    fields,
    reference::{ProgrammeCode, TerritoryId},
};

/// `POST /funds`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFundRequest {
    /// Unique code: 2 to 60 characters among letters, digits, `-` and `_`.
    #[schema(schema_with = fields::fund_code)]
    pub code: String,
    /// Name.
    #[schema(schema_with = fields::fund_name)]
    pub name: String,
    /// Programme whose projects it pays for.
    #[schema(value_type = ProgrammeCode)]
    pub programme: String,
    /// Territory it covers; absent for the whole country.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Year, 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// Envelope in euro cents, above zero.
    #[schema(minimum = 1, maximum = 100_000_000_000_000_i64)]
    pub envelope_cents: i64,
}

/// A fund and what is left of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Programme.
    pub programme: String,
    /// Territory covered; `null` for the country.
    pub territory: Option<String>,
    /// Year.
    pub year: i32,
    /// Envelope, in cents.
    pub envelope_cents: i64,
    /// Granted so far, in cents.
    pub committed_cents: i64,
    /// Still available, in cents.
    pub remaining_cents: i64,
    /// Actually paid of what was granted, in cents (§17).
    pub paid_cents: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Fund> for FundView {
    fn from(fund: Fund) -> Self {
        FundView {
            remaining_cents: fund.remaining_cents(),
            code: fund.code.to_string(),
            name: fund.name,
            programme: fund.programme.to_string(),
            territory: fund.territory.map(|t| t.id.to_string()),
            year: fund.year,
            envelope_cents: fund.envelope.get(),
            committed_cents: fund.committed_cents,
            paid_cents: fund.paid_cents,
            created_at: fund.created_at,
        }
    }
}

/// A kind of support.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SupportKindName {
    /// Money from a fund.
    Financial,
    /// Method and guidance.
    Methodological,
    /// People's time.
    Human,
    /// Training.
    Training,
    /// Scientific support.
    Scientific,
}

impl From<SupportKindName> for SupportKind {
    fn from(kind: SupportKindName) -> Self {
        match kind {
            SupportKindName::Financial => SupportKind::Financial,
            SupportKindName::Methodological => SupportKind::Methodological,
            SupportKindName::Human => SupportKind::Human,
            SupportKindName::Training => SupportKind::Training,
            SupportKindName::Scientific => SupportKind::Scientific,
        }
    }
}

impl From<SupportKind> for SupportKindName {
    fn from(kind: SupportKind) -> Self {
        match kind {
            SupportKind::Financial => SupportKindName::Financial,
            SupportKind::Methodological => SupportKindName::Methodological,
            SupportKind::Human => SupportKindName::Human,
            SupportKind::Training => SupportKindName::Training,
            SupportKind::Scientific => SupportKindName::Scientific,
        }
    }
}

/// `POST /projects/{id}/supports`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSupportRequest {
    /// Kind of support.
    pub kind: SupportKindName,
    /// Fund paying (financial support only, required there).
    #[schema(schema_with = fields::fund_code_or_null)]
    pub fund: Option<String>,
    /// Amount in cents, above zero (financial support only, required there).
    #[schema(minimum = 1, maximum = 100_000_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    /// A note, up to 2,000 characters.
    #[schema(schema_with = fields::comment)]
    pub note: Option<String>,
}

impl From<CreateSupportRequest> for terrain_app::funding::SupportInput {
    fn from(r: CreateSupportRequest) -> Self {
        terrain_app::funding::SupportInput {
            kind: r.kind.into(),
            fund: r.fund,
            amount_cents: r.amount_cents,
            note: r.note,
        }
    }
}

impl From<CreateFundRequest> for terrain_domain::FundInput {
    fn from(r: CreateFundRequest) -> Self {
        terrain_domain::FundInput {
            code: r.code,
            name: r.name,
            programme: r.programme,
            territory: r.territory,
            year: r.year,
            envelope_cents: r.envelope_cents,
        }
    }
}

/// A support decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportView {
    /// Identifier.
    pub id: Uuid,
    /// Kind.
    pub kind: SupportKindName,
    /// Fund paying, for financial support.
    pub fund: Option<String>,
    /// Amount in cents, for financial support.
    pub amount_cents: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// Administrator who decided.
    pub granted_by: Uuid,
    /// When.
    pub granted_at: DateTime<Utc>,
}

impl From<Support> for SupportView {
    fn from(support: Support) -> Self {
        let (fund, amount) = match &support.grant {
            Grant::Financial { fund, amount } => (Some(fund.to_string()), Some(amount.get())),
            Grant::Other(_) => (None, None),
        };
        SupportView {
            id: support.id,
            kind: support.grant.kind().into(),
            fund,
            amount_cents: amount,
            note: support.note,
            granted_by: support.granted_by,
            granted_at: support.granted_at,
        }
    }
}

/// A project's supports.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportList {
    /// Oldest first.
    pub items: Vec<SupportView>,
}

/// What a project has received, in short.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportSummary {
    /// The kinds received, each once.
    pub kinds: Vec<SupportKindName>,
    /// Number of support decisions.
    pub count: usize,
    /// Money granted, in cents.
    pub granted_cents: i64,
}

impl SupportSummary {
    /// The summary a project keeps of its supports.
    pub fn of(project: &terrain_domain::Project) -> Self {
        SupportSummary {
            kinds: project.support_kinds.iter().map(|k| (*k).into()).collect(),
            count: usize::try_from(project.support_count).unwrap_or_default(),
            granted_cents: project.granted_cents,
        }
    }
}
