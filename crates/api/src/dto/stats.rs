//! Published statistics: aggregates only, never a person.

use std::collections::BTreeMap;

use serde::Serialize;
use terrain_domain::{Stage, Status, SupportKind, event::Category, stats::Totals};
use utoipa::ToSchema;

use super::reference::TerritoryView;

/// Projects by status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectFigures {
    /// Ever submitted (first submission set), whatever the status now.
    pub submitted: i64,
    /// Validated now.
    pub validated: i64,
    /// Rejected now.
    pub rejected: i64,
    /// Under review now.
    pub under_review: i64,
    /// Sent back for changes now.
    pub changes_requested: i64,
    /// Withdrawn.
    pub withdrawn: i64,
    /// Drafts.
    pub draft: i64,
    /// validated / submitted (0 when nothing was submitted).
    pub validation_rate: f64,
}

/// Supports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportFigures {
    /// Projects with at least one support.
    pub supported_projects: i64,
    /// Projects having received each kind of support.
    pub by_kind: BTreeMap<String, i64>,
    /// Money asked for by the projects, in cents.
    pub requested_cents: i64,
    /// Money granted, in cents.
    pub granted_cents: i64,
}

/// Events.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventFigures {
    /// Number of events.
    pub count: i64,
    /// Total participants.
    pub participants: i64,
    /// Participants by category.
    pub by_category: BTreeMap<String, i64>,
}

/// Projects by SILK stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageFigures {
    /// Initiate.
    pub initiate: i64,
    /// Create.
    pub create: i64,
    /// Test.
    pub test: i64,
    /// Transfer.
    pub transfer: i64,
}

/// What the projects achieved after their decision (§17).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultFigures {
    /// Money actually paid of what was granted, in cents.
    pub paid_cents: i64,
    /// Projects with at least one indicator.
    pub projects_with_indicators: i64,
    /// Indicators whose latest measurement reaches the target.
    pub indicators_met: i64,
    /// Indicators.
    pub indicators_total: i64,
}

/// `GET /stats/overview`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Overview {
    /// Projects.
    pub projects: ProjectFigures,
    /// Supports.
    pub supports: SupportFigures,
    /// Events.
    pub events: EventFigures,
    /// Stages.
    pub stages: StageFigures,
    /// Results.
    pub results: ResultFigures,
}

impl From<&Totals> for Overview {
    fn from(t: &Totals) -> Self {
        Overview {
            projects: ProjectFigures {
                submitted: t.submitted(),
                validated: t.in_status(Status::Validated),
                rejected: t.in_status(Status::Rejected),
                under_review: t.in_status(Status::UnderReview),
                changes_requested: t.in_status(Status::ChangesRequested),
                withdrawn: t.in_status(Status::Withdrawn),
                draft: t.in_status(Status::Draft),
                validation_rate: t.validation_rate(),
            },
            supports: SupportFigures {
                supported_projects: t.supported_projects(),
                by_kind: SupportKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), t.supported_by(*k)))
                    .collect(),
                requested_cents: t.requested_cents(),
                granted_cents: t.granted_cents(),
            },
            events: EventFigures {
                count: t.events(),
                participants: t.participants(),
                by_category: Category::all()
                    .map(|c| (c.as_str().to_owned(), t.participants_of(c)))
                    .collect(),
            },
            stages: StageFigures {
                initiate: t.at_stage(Stage::Initiate),
                create: t.at_stage(Stage::Create),
                test: t.at_stage(Stage::Test),
                transfer: t.at_stage(Stage::Transfer),
            },
            results: ResultFigures {
                paid_cents: t.paid_cents(),
                projects_with_indicators: t.projects_with_indicators(),
                indicators_met: t.indicators_met(),
                indicators_total: t.indicators_total(),
            },
        }
    }
}

/// One territory's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryFigures {
    /// The territory.
    pub territory: TerritoryView,
    /// Projects.
    pub projects: ProjectFigures,
    /// Supports.
    pub supports: SupportFigures,
    /// Events.
    pub events: EventFigures,
    /// Stages.
    pub stages: StageFigures,
    /// Results.
    pub results: ResultFigures,
}

/// `GET /stats/territories`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryTable {
    /// The level listed.
    pub level: super::reference::Level,
    /// One row per territory of that level, by id.
    pub items: Vec<TerritoryFigures>,
}

impl TerritoryTable {
    /// The table of `level` from its rows.
    pub fn new(
        level: super::reference::Level,
        rows: Vec<(terrain_domain::Territory, Totals)>,
    ) -> Self {
        TerritoryTable {
            level,
            items: rows
                .into_iter()
                .map(|(territory, totals)| {
                    let figures = Overview::from(&totals);
                    TerritoryFigures {
                        territory: territory.into(),
                        projects: figures.projects,
                        supports: figures.supports,
                        events: figures.events,
                        stages: figures.stages,
                        results: figures.results,
                    }
                })
                .collect(),
        }
    }
}

/// One period of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePoint {
    /// `2025-03` or `2025-W10`.
    pub period: String,
    /// First submissions.
    pub submitted: i64,
    /// Validations (of projects validated now).
    pub validated: i64,
    /// Events starting.
    pub events: i64,
    /// Their participants.
    pub participants: i64,
}

impl From<terrain_app::statistics::TimelinePoint> for TimelinePoint {
    fn from(p: terrain_app::statistics::TimelinePoint) -> Self {
        TimelinePoint {
            period: p.period,
            submitted: p.submitted,
            validated: p.validated,
            events: p.events,
            participants: p.participants,
        }
    }
}

/// `GET /stats/timeline`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// `month` or `week`.
    pub interval: String,
    /// The periods with any activity, oldest first.
    pub items: Vec<TimelinePoint>,
}
