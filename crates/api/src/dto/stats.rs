//! Published statistics: aggregates only, never a person.

use std::collections::BTreeMap;

use serde::Serialize;
use terrain_domain::{
    Stage, Status, SupportKind,
    event::Category,
    stats::{EVER_SUBMITTED, stage_metric, status_metric},
};
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
}

impl Overview {
    /// The figures of a metric → total map (missing metrics count zero).
    pub fn from_totals(totals: &BTreeMap<String, i64>) -> Self {
        let get = |metric: &str| totals.get(metric).copied().unwrap_or_default();
        let submitted = get(EVER_SUBMITTED);
        let validated = get(&status_metric(Status::Validated));
        let rate = if submitted > 0 {
            #[expect(clippy::cast_precision_loss, reason = "a rate, rounded to 4 decimals")]
            let rate = validated as f64 / submitted as f64;
            (rate * 10_000.0).round() / 10_000.0
        } else {
            0.0
        };
        Overview {
            projects: ProjectFigures {
                submitted,
                validated,
                rejected: get(&status_metric(Status::Rejected)),
                under_review: get(&status_metric(Status::UnderReview)),
                changes_requested: get(&status_metric(Status::ChangesRequested)),
                withdrawn: get(&status_metric(Status::Withdrawn)),
                draft: get(&status_metric(Status::Draft)),
                validation_rate: rate,
            },
            supports: SupportFigures {
                supported_projects: get("supports.supported_projects"),
                by_kind: SupportKind::ALL
                    .iter()
                    .map(|k| {
                        (
                            k.as_str().to_owned(),
                            get(&format!("supports.kind.{}", k.as_str())),
                        )
                    })
                    .collect(),
                requested_cents: get("supports.requested_cents"),
                granted_cents: get("supports.granted_cents"),
            },
            events: EventFigures {
                count: get("events.count"),
                participants: get("events.participants"),
                by_category: Category::all()
                    .map(|c| {
                        (
                            c.as_str().to_owned(),
                            get(&format!("events.category.{}", c.as_str())),
                        )
                    })
                    .collect(),
            },
            stages: StageFigures {
                initiate: get(&stage_metric(Stage::Initiate)),
                create: get(&stage_metric(Stage::Create)),
                test: get(&stage_metric(Stage::Test)),
                transfer: get(&stage_metric(Stage::Transfer)),
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
}

/// `GET /stats/territories`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryTable {
    /// The level listed.
    pub level: super::reference::Level,
    /// One row per territory of that level, by id.
    pub items: Vec<TerritoryFigures>,
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

/// `GET /stats/timeline`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// `month` or `week`.
    pub interval: String,
    /// The periods with any activity, oldest first.
    pub items: Vec<TimelinePoint>,
}
