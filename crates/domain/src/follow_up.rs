//! After the decision (SPEC §17): milestones, payments, indicators with their measurements, and
//! the final report that the `transfer` stage hands to elected officials.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{Cents, FieldErrors, text::TextRule};

/// A milestone's title.
pub const MILESTONE_TITLE: TextRule = TextRule::line(3, 200);
/// An indicator's name.
pub const INDICATOR_NAME: TextRule = TextRule::line(3, 200);
/// An indicator's unit (`€ par famille`, `%`, `utilisateurs`).
pub const INDICATOR_UNIT: TextRule = TextRule::line(1, 40);
/// A measurement's note.
pub const MEASUREMENT_NOTE: TextRule = TextRule::lines(0, 1_000);
/// The report's summary.
pub const REPORT_SUMMARY: TextRule = TextRule::lines(1, 2_000);
/// The report's results and recommendations.
pub const REPORT_SECTION: TextRule = TextRule::lines(1, 20_000);
/// The largest magnitude of an indicator's value: far beyond any count or amount measured, and
/// small enough for every value to be exact to the cent.
pub const VALUE_MAX: f64 = 1e12;
/// The most milestones, and the most indicators, a project holds.
pub const MAX_ITEMS: usize = 100;
/// The most measurements an indicator holds.
pub const MAX_MEASUREMENTS: usize = 1_000;

/// Where a project stands after its decision, kept on its row (and counted by the statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUp {
    /// Money actually paid of its financial supports, in cents.
    pub paid_cents: i64,
    /// Its milestones.
    pub milestones_total: i64,
    /// Those done.
    pub milestones_done: i64,
    /// Its indicators.
    pub indicators_total: i64,
    /// Those whose latest measurement reaches the target.
    pub indicators_met: i64,
    /// Whether the final report was written.
    pub reported: bool,
}

impl FollowUp {
    /// done / total, rounded to 4 decimals (0 without milestones).
    pub fn progress(&self) -> f64 {
        if self.milestones_total <= 0 {
            return 0.0;
        }
        #[expect(clippy::cast_precision_loss, reason = "a ratio, rounded to 4 decimals")]
        let ratio = self.milestones_done as f64 / self.milestones_total as f64;
        (ratio * 10_000.0).round() / 10_000.0
    }
}

/// A step of the project's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// What is to be done.
    pub title: String,
    /// When it is due.
    pub due_on: NaiveDate,
    /// When it was done.
    pub done_on: Option<NaiveDate>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A milestone as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneDraft {
    /// Title.
    pub title: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Done date.
    pub done_on: Option<NaiveDate>,
}

impl MilestoneDraft {
    /// Checks a milestone.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(
        title: String,
        due_on: NaiveDate,
        done_on: Option<NaiveDate>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        errors.check("title", MILESTONE_TITLE.check(&title));
        errors.finish(|| {
            Some(MilestoneDraft {
                title,
                due_on,
                done_on,
            })
        })
    }
}

/// A figure the project means to move, from a baseline towards a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// What is measured.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// The value before the project.
    pub baseline: f64,
    /// The value aimed at.
    pub target: f64,
    /// The latest measurement (by date, then by recording), if any.
    pub latest: Option<f64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Indicator {
    /// Whether the latest measurement reaches the target, in the direction from the baseline
    /// to the target (up for a use rate, down for a cost).
    pub fn met(&self) -> bool {
        self.latest
            .is_some_and(|v| reaches(self.baseline, self.target, v))
    }
}

/// Whether `value` reaches `target` coming from `baseline`.
pub fn reaches(baseline: f64, target: f64, value: f64) -> bool {
    if target >= baseline {
        value >= target
    } else {
        value <= target
    }
}

/// A finite value of an indicator, within [`VALUE_MAX`].
///
/// # Errors
/// The message to show next to the field.
pub fn value(v: f64) -> Result<f64, &'static str> {
    if v.is_finite() && v.abs() <= VALUE_MAX {
        Ok(v)
    } else {
        Err("nombre fini attendu, au plus 10¹² en valeur absolue")
    }
}

/// An indicator as written.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorDraft {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Baseline.
    pub baseline: f64,
    /// Target.
    pub target: f64,
}

impl IndicatorDraft {
    /// Checks an indicator: the target must differ from the baseline, or there is no direction
    /// to reach it in.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(
        name: String,
        unit: String,
        baseline: f64,
        target: f64,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        errors.check("name", INDICATOR_NAME.check(&name));
        errors.check("unit", INDICATOR_UNIT.check(&unit));
        let baseline_ok = value(baseline).is_ok();
        errors.check("baseline", value(baseline));
        errors.check("target", value(target));
        #[expect(clippy::float_cmp, reason = "two values as given, compared exactly")]
        if baseline_ok && target == baseline {
            errors.push("target", "la cible doit différer de la valeur de départ");
        }
        errors.finish(|| {
            Some(IndicatorDraft {
                name,
                unit,
                baseline,
                target,
            })
        })
    }
}

/// A dated measurement of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Identifier.
    pub id: Uuid,
    /// The indicator.
    pub indicator_id: Uuid,
    /// The value.
    pub value: f64,
    /// When it was measured.
    pub measured_on: NaiveDate,
    /// A note.
    pub note: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// The final report of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// What the project did, in a few lines.
    pub summary: String,
    /// What it achieved, figures included.
    pub results: String,
    /// What it recommends to whoever takes it further.
    pub recommendations: String,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// A report as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    /// Summary.
    pub summary: String,
    /// Results.
    pub results: String,
    /// Recommendations.
    pub recommendations: String,
}

impl ReportDraft {
    /// Checks a report.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(
        summary: String,
        results: String,
        recommendations: String,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        errors.check("summary", REPORT_SUMMARY.check(&summary));
        errors.check("results", REPORT_SECTION.check(&results));
        errors.check("recommendations", REPORT_SECTION.check(&recommendations));
        errors.finish(|| {
            Some(ReportDraft {
                summary,
                results,
                recommendations,
            })
        })
    }
}

/// Money actually paid of a financial support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The financial support paid from.
    pub support_id: Uuid,
    /// The amount.
    pub amount: Cents,
    /// When it was paid.
    pub paid_on: NaiveDate,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(baseline: f64, target: f64, latest: Option<f64>) -> Indicator {
        Indicator {
            id: Uuid::nil(),
            project_id: Uuid::nil(),
            name: "Coût par famille".into(),
            unit: "€".into(),
            baseline,
            target,
            latest,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_indicator_going_up_is_met_when_its_latest_value_reaches_the_target_or_more() {
        assert!(!indicator(100.0, 120.0, None).met());
        assert!(!indicator(100.0, 120.0, Some(119.9)).met());
        assert!(indicator(100.0, 120.0, Some(120.0)).met());
        assert!(indicator(100.0, 120.0, Some(150.0)).met());
    }

    #[test]
    fn an_indicator_going_down_is_met_when_its_latest_value_falls_to_the_target_or_less() {
        assert!(!indicator(400.0, 300.0, Some(310.0)).met());
        assert!(indicator(400.0, 300.0, Some(300.0)).met());
        assert!(indicator(400.0, 300.0, Some(250.0)).met());
        assert!(!indicator(400.0, 300.0, Some(500.0)).met());
    }

    #[test]
    fn a_target_equal_to_its_baseline_or_an_infinite_value_is_refused() {
        let same = IndicatorDraft::parse("Usage".into(), "%".into(), 10.0, 10.0);
        assert_eq!(same.expect_err("equal").errors()[0].field, "target");
        let huge = IndicatorDraft::parse("Usage".into(), "%".into(), 0.0, f64::INFINITY);
        assert_eq!(huge.expect_err("infinite").errors()[0].field, "target");
        let nan = IndicatorDraft::parse("Usage".into(), "%".into(), f64::NAN, 1.0);
        assert_eq!(nan.expect_err("nan").errors()[0].field, "baseline");
        assert!(IndicatorDraft::parse("Usage".into(), "%".into(), 10.0, 12.0).is_ok());
    }

    #[test]
    fn progress_is_the_share_of_milestones_done() {
        let mut follow_up = FollowUp::default();
        assert!(follow_up.progress().abs() < f64::EPSILON);
        follow_up.milestones_total = 3;
        follow_up.milestones_done = 1;
        assert!((follow_up.progress() - 0.3333).abs() < 1e-9);
    }

    #[test]
    fn a_report_needs_its_three_parts() {
        let errors =
            ReportDraft::parse(String::new(), "x".into(), String::new()).expect_err("incomplete");
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["summary", "recommendations"]);
    }
}
