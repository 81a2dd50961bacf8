//! After the decision (§17): milestones, indicators, measurements, the report, payments.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use terrain_app::follow_up::{
    IndicatorInput, MeasurementInput, MilestoneInput, MilestonePatch, PaymentInput, ReportInput,
};
use terrain_domain::{Indicator, Measurement, Milestone, Payment, Report};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::openapi::fields;

/// `POST /projects/{id}/milestones`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRequest {
    /// What is to be done.
    #[schema(schema_with = fields::milestone_title)]
    pub title: String,
    /// When it is due.
    pub due_on: NaiveDate,
    /// When it was done, if it is.
    pub done_on: Option<NaiveDate>,
}

impl From<MilestoneRequest> for MilestoneInput {
    fn from(r: MilestoneRequest) -> Self {
        MilestoneInput {
            title: r.title,
            due_on: r.due_on,
            done_on: r.done_on,
        }
    }
}

/// Present and `null` is not absent: `done_on: null` undoes a milestone.
fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PATCH /projects/{id}/milestones/{milestone_id}`: what is given replaces what was.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestonePatchRequest {
    /// New title.
    #[schema(schema_with = fields::milestone_title_or_null)]
    pub title: Option<String>,
    /// New due date.
    pub due_on: Option<NaiveDate>,
    /// The date it was done; `null` marks it not done.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<NaiveDate>)]
    pub done_on: Option<Option<NaiveDate>>,
}

impl From<MilestonePatchRequest> for MilestonePatch {
    fn from(r: MilestonePatchRequest) -> Self {
        MilestonePatch {
            title: r.title,
            due_on: r.due_on,
            done_on: r.done_on,
        }
    }
}

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    /// Identifier.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Done date.
    pub done_on: Option<NaiveDate>,
    /// Whether it is done.
    pub done: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Milestone> for MilestoneView {
    fn from(m: Milestone) -> Self {
        MilestoneView {
            id: m.id,
            title: m.title,
            due_on: m.due_on,
            done: m.done_on.is_some(),
            done_on: m.done_on,
            created_at: m.created_at,
        }
    }
}

/// A project's milestones and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneList {
    /// The milestones, by due date.
    pub items: Vec<MilestoneView>,
    /// Share done, from 0 to 1.
    #[schema(minimum = 0, maximum = 1)]
    pub progress: f64,
}

/// `POST /projects/{id}/indicators`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRequest {
    /// What is measured.
    #[schema(schema_with = fields::indicator_name)]
    pub name: String,
    /// Its unit.
    #[schema(schema_with = fields::indicator_unit)]
    pub unit: String,
    /// The value before the project.
    #[schema(schema_with = fields::indicator_value)]
    pub baseline: f64,
    /// The value aimed at; must differ from the baseline (the direction to reach it).
    #[schema(schema_with = fields::indicator_value)]
    pub target: f64,
}

impl From<IndicatorRequest> for IndicatorInput {
    fn from(r: IndicatorRequest) -> Self {
        IndicatorInput {
            name: r.name,
            unit: r.unit,
            baseline: r.baseline,
            target: r.target,
        }
    }
}

/// A measurement.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementView {
    /// Identifier.
    pub id: Uuid,
    /// Value.
    pub value: f64,
    /// When measured.
    pub measured_on: NaiveDate,
    /// Note.
    pub note: Option<String>,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

impl From<Measurement> for MeasurementView {
    fn from(m: Measurement) -> Self {
        MeasurementView {
            id: m.id,
            value: m.value,
            measured_on: m.measured_on,
            note: m.note,
            created_at: m.created_at,
        }
    }
}

/// An indicator, its measurements and whether it is met.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Baseline.
    pub baseline: f64,
    /// Target.
    pub target: f64,
    /// The latest measurement's value.
    pub latest: Option<f64>,
    /// Whether the latest measurement reaches the target (from the baseline's side).
    pub met: bool,
    /// Measurements, by date.
    pub measurements: Vec<MeasurementView>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl IndicatorView {
    /// The view of `indicator` with its measurements.
    pub fn of(indicator: Indicator, measurements: Vec<Measurement>) -> Self {
        IndicatorView {
            met: indicator.met(),
            id: indicator.id,
            name: indicator.name,
            unit: indicator.unit,
            baseline: indicator.baseline,
            target: indicator.target,
            latest: indicator.latest,
            measurements: measurements.into_iter().map(Into::into).collect(),
            created_at: indicator.created_at,
        }
    }
}

/// A project's indicators.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorList {
    /// The indicators, oldest first.
    pub items: Vec<IndicatorView>,
}

/// `POST /projects/{id}/indicators/{indicator_id}/measurements`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementRequest {
    /// The value measured.
    #[schema(schema_with = fields::indicator_value)]
    pub value: f64,
    /// When it was measured.
    pub measured_on: NaiveDate,
    /// A note.
    #[schema(schema_with = fields::measurement_note)]
    pub note: Option<String>,
}

impl From<MeasurementRequest> for MeasurementInput {
    fn from(r: MeasurementRequest) -> Self {
        MeasurementInput {
            value: r.value,
            measured_on: r.measured_on,
            note: r.note,
        }
    }
}

/// A measurement recorded, with the indicator as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasurementRecorded {
    /// The measurement.
    pub measurement: MeasurementView,
    /// Whether the indicator is met now.
    pub met: bool,
    /// The indicator's latest value now.
    pub latest: Option<f64>,
}

/// `PUT /projects/{id}/report`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// What the project did.
    #[schema(schema_with = fields::report_summary)]
    pub summary: String,
    /// What it achieved.
    #[schema(schema_with = fields::report_section)]
    pub results: String,
    /// What it recommends.
    #[schema(schema_with = fields::report_section)]
    pub recommendations: String,
}

impl From<ReportRequest> for ReportInput {
    fn from(r: ReportRequest) -> Self {
        ReportInput {
            summary: r.summary,
            results: r.results,
            recommendations: r.recommendations,
        }
    }
}

/// The final report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// Summary.
    pub summary: String,
    /// Results.
    pub results: String,
    /// Recommendations.
    pub recommendations: String,
    /// Last written.
    pub updated_at: DateTime<Utc>,
}

impl From<Report> for ReportView {
    fn from(r: Report) -> Self {
        ReportView {
            summary: r.summary,
            results: r.results,
            recommendations: r.recommendations,
            updated_at: r.updated_at,
        }
    }
}

/// `POST /projects/{id}/payments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// The financial support paid from.
    pub support_id: Uuid,
    /// Amount in cents, above zero.
    #[schema(minimum = 1, maximum = 100_000_000_000_000_i64)]
    pub amount_cents: i64,
    /// When it was paid.
    pub paid_on: NaiveDate,
}

impl From<PaymentRequest> for PaymentInput {
    fn from(r: PaymentRequest) -> Self {
        PaymentInput {
            support_id: r.support_id,
            amount_cents: r.amount_cents,
            paid_on: r.paid_on,
        }
    }
}

/// A payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    /// Identifier.
    pub id: Uuid,
    /// The support paid from.
    pub support_id: Uuid,
    /// Amount in cents.
    pub amount_cents: i64,
    /// When paid.
    pub paid_on: NaiveDate,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        PaymentView {
            id: p.id,
            support_id: p.support_id,
            amount_cents: p.amount.get(),
            paid_on: p.paid_on,
            created_at: p.created_at,
        }
    }
}

/// A project's payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    /// The payments, by date.
    pub items: Vec<PaymentView>,
    /// Their sum, in cents.
    pub paid_cents: i64,
    /// What was granted, in cents.
    pub granted_cents: i64,
}
