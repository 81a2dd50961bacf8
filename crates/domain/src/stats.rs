//! What each project and event contributes to the published statistics, as a pure function.
//!
//! Every write adds the contribution of the new state and subtracts that of the old one, in
//! the same transaction, to counters kept per programme and per territory of the chain
//! (country, région, académie, the territory itself). Reading a figure is then a sum over a
//! handful of rows, whatever the number of projects; and the counters can always be rebuilt
//! from scratch with the same function.
//!
//! Public figures count submitted projects only: a draft (or a project withdrawn before it was
//! ever submitted) contributes nothing, so its existence and its amount stay private. No figure
//! ever exceeds [`FIGURE_MAX`]: every sum is checked, and a write that would pass the bound is
//! refused.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Utc};

use crate::{
    Event, ProgrammeCode, Project, Stage, Status, SupportKind, TerritoryId, TerritoryPath,
};

crate::code_enum! {
    /// The two granularities of the timeline.
    pub enum Interval: "intervalle (month ou week)" {
        /// Calendar months, `2025-03`.
        Month = "month",
        /// ISO weeks, `2025-W10`.
        Week = "week",
    }
}

impl Interval {
    /// The bucket an instant falls in.
    pub fn bucket(self, at: DateTime<Utc>) -> String {
        match self {
            Interval::Month => format!("{:04}-{:02}", at.year(), at.month()),
            Interval::Week => {
                let week = at.iso_week();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
        }
    }
}

/// What the timeline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimelineMetric {
    /// First submissions.
    Submitted,
    /// Projects validated (by the date of their decision).
    Validated,
    /// Events (by their start).
    Events,
    /// Participants of those events.
    Participants,
}

impl TimelineMetric {
    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineMetric::Submitted => "submitted",
            TimelineMetric::Validated => "validated",
            TimelineMetric::Events => "events",
            TimelineMetric::Participants => "participants",
        }
    }
}

/// The dated points a project puts on the timeline: its first submission and, while it is
/// validated, its decision.
pub fn project_points(project: &Project) -> Vec<(TimelineMetric, DateTime<Utc>, i64)> {
    let mut points = Vec::new();
    if let Some(at) = project.submitted_at {
        points.push((TimelineMetric::Submitted, at, 1));
    }
    if project.status == Status::Validated
        && let Some(at) = project.decided_at
    {
        points.push((TimelineMetric::Validated, at, 1));
    }
    points
}

/// The dated points an event puts on the timeline.
pub fn event_points(event: &Event) -> Vec<(TimelineMetric, DateTime<Utc>, i64)> {
    vec![
        (TimelineMetric::Events, event.starts_at, 1),
        (
            TimelineMetric::Participants,
            event.starts_at,
            event.attendance.participants(),
        ),
    ]
}

/// The largest value a counter may hold: 9 × 10^15 (ninety thousand billion euros in cents).
/// With at most [`MAX_PROGRAMMES`] programmes, a figure summed over every programme still fits
/// in 64 bits, so no read can overflow either.
pub const FIGURE_MAX: i64 = 9_000_000_000_000_000;

/// The most programmes the service holds (see [`FIGURE_MAX`]).
pub const MAX_PROGRAMMES: usize = 1_000;

/// A sum that would pass [`FIGURE_MAX`] (or fall below zero): the metric concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("le chiffre {metric} dépasserait sa borne")]
pub struct FigureOverflow {
    /// The metric that would overflow (`supports.requested_cents`, …).
    pub metric: String,
}

fn checked_sum(a: i64, b: i64, metric: &str) -> Result<i64, FigureOverflow> {
    a.checked_add(b)
        .filter(|sum| (-FIGURE_MAX..=FIGURE_MAX).contains(sum))
        .ok_or_else(|| FigureOverflow {
            metric: metric.to_owned(),
        })
}

/// A counter's name without its place: a metric and, for the timeline, a bucket (empty for
/// totals).
pub type CounterKey = (String, String);

/// Figures of one project or event, before they are spread over the territory chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures(pub BTreeMap<CounterKey, i64>);

impl Figures {
    /// Adds one contribution; a single project's or event's figures are bounded by the
    /// domain's own limits (amounts, attendance), far below [`FIGURE_MAX`].
    fn add(&mut self, metric: impl Into<String>, bucket: impl Into<String>, value: i64) {
        if value != 0 {
            let entry = self.0.entry((metric.into(), bucket.into())).or_default();
            *entry = entry.saturating_add(value);
        }
    }

    fn total(&mut self, metric: impl Into<String>, value: i64) {
        self.add(metric, String::new(), value);
    }

    fn timeline(&mut self, points: Vec<(TimelineMetric, DateTime<Utc>, i64)>) {
        for (metric, at, value) in points {
            for interval in Interval::ALL.iter().copied() {
                self.add(
                    format!("timeline.{}.{}", interval.as_str(), metric.as_str()),
                    interval.bucket(at),
                    value,
                );
            }
        }
    }

    /// The totals only (no timeline), by metric.
    pub fn totals(&self) -> BTreeMap<&str, i64> {
        self.0
            .iter()
            .filter(|((_, bucket), _)| bucket.is_empty())
            .map(|((metric, _), value)| (metric.as_str(), *value))
            .collect()
    }
}

/// The metric counting projects in `status` (drafts included).
pub fn status_metric(status: Status) -> String {
    format!("projects.{}", status.as_str())
}

/// The metric counting projects ever submitted.
pub const EVER_SUBMITTED: &str = "projects.ever_submitted";
/// Money paid of the financial supports, in cents.
pub const PAID_CENTS: &str = "results.paid_cents";
/// Projects with at least one indicator.
pub const PROJECTS_WITH_INDICATORS: &str = "results.projects_with_indicators";
/// Indicators whose latest measurement reaches the target.
pub const INDICATORS_MET: &str = "results.indicators_met";
/// Indicators.
pub const INDICATORS_TOTAL: &str = "results.indicators_total";

/// The figures of a project, given the kinds of support it received: nothing until it is first
/// submitted.
pub fn project_figures(project: &Project, support_kinds: &BTreeSet<SupportKind>) -> Figures {
    let mut figures = Figures::default();
    if project.submitted_at.is_none() {
        return figures;
    }
    figures.total(status_metric(project.status), 1);
    if project.submitted_at.is_some() {
        figures.total(EVER_SUBMITTED, 1);
    }
    figures.total(stage_metric(project.stage), 1);
    figures.total(
        "supports.requested_cents",
        project.fields.requested_amount.get(),
    );
    figures.total("supports.granted_cents", project.granted_cents);
    if !support_kinds.is_empty() {
        figures.total("supports.supported_projects", 1);
    }
    for kind in support_kinds {
        figures.total(format!("supports.kind.{}", kind.as_str()), 1);
    }
    let follow_up = &project.follow_up;
    figures.total(PAID_CENTS, follow_up.paid_cents);
    figures.total(INDICATORS_TOTAL, follow_up.indicators_total);
    figures.total(INDICATORS_MET, follow_up.indicators_met);
    if follow_up.indicators_total > 0 {
        figures.total(PROJECTS_WITH_INDICATORS, 1);
    }
    figures.timeline(project_points(project));
    figures
}

/// The metric counting projects at `stage`.
pub fn stage_metric(stage: Stage) -> String {
    format!("stages.{}", stage.as_str())
}

/// The figures of an event.
pub fn event_figures(event: &Event) -> Figures {
    let mut figures = Figures::default();
    figures.total("events.count", 1);
    figures.total("events.participants", event.attendance.participants());
    for (category, count) in event.attendance.counts() {
        figures.total(format!("events.category.{}", category.as_str()), count);
    }
    figures.timeline(event_points(event));
    figures
}

/// Every territory whose counters a thing located at `path` feeds: the country, its région,
/// its académie, and the territory itself.
pub fn chain(path: &TerritoryPath) -> BTreeSet<TerritoryId> {
    let mut chain = BTreeSet::new();
    chain.insert(TerritoryId::country());
    chain.extend(path.region.iter().cloned());
    chain.extend(path.academy.iter().cloned());
    chain.insert(path.id.clone());
    chain
}

/// Changes to apply to the counters, keyed by programme, territory, metric and bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta(pub BTreeMap<(String, String, String, String), i64>);

impl Delta {
    /// Adds `sign` × `figures` at every territory of the chain of `path`.
    ///
    /// # Errors
    /// [`FigureOverflow`] when a change would pass [`FIGURE_MAX`] (a bulk load of absurd
    /// amounts); `self` is then partly updated and must be thrown away.
    pub fn add(
        &mut self,
        programme: &ProgrammeCode,
        path: &TerritoryPath,
        figures: &Figures,
        sign: i64,
    ) -> Result<(), FigureOverflow> {
        for territory in chain(path) {
            for ((metric, bucket), value) in &figures.0 {
                let key = (
                    programme.as_str().to_owned(),
                    territory.as_str().to_owned(),
                    metric.clone(),
                    bucket.clone(),
                );
                let change = value.checked_mul(sign).ok_or_else(|| FigureOverflow {
                    metric: metric.clone(),
                })?;
                let entry = self.0.entry(key).or_default();
                *entry = checked_sum(*entry, change, metric)?;
            }
        }
        Ok(())
    }

    /// The changes that are not zero.
    pub fn nonzero(&self) -> impl Iterator<Item = (&(String, String, String, String), i64)> {
        self.0
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| (k, *v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn buckets_are_calendar_months_and_iso_weeks() {
        let at = Utc
            .with_ymd_and_hms(2025, 1, 1, 12, 0, 0)
            .single()
            .expect("date");
        assert_eq!(Interval::Month.bucket(at), "2025-01");
        assert_eq!(Interval::Week.bucket(at), "2025-W01");
        let at = Utc
            .with_ymd_and_hms(2024, 12, 30, 0, 0, 0)
            .single()
            .expect("date");
        assert_eq!(Interval::Week.bucket(at), "2025-W01");
    }

    #[test]
    fn the_chain_of_a_department_has_four_levels_and_of_a_region_two() {
        let id = |s: &str| TerritoryId::parse(s).expect("id");
        let department = TerritoryPath {
            id: id("department:2A"),
            region: Some(id("region:94")),
            academy: Some(id("academy:27")),
        };
        assert_eq!(chain(&department).len(), 4);
        let region = TerritoryPath {
            id: id("region:94"),
            region: Some(id("region:94")),
            academy: None,
        };
        assert_eq!(chain(&region).len(), 2);
    }
}

/// Figures by metric, as counters or a period's aggregate give them: what every front door
/// reads (a metric absent counts zero).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals(pub BTreeMap<String, i64>);

impl Totals {
    /// The figure of a metric.
    pub fn get(&self, metric: &str) -> i64 {
        self.0.get(metric).copied().unwrap_or_default()
    }

    /// Projects ever submitted, whatever their status now.
    pub fn submitted(&self) -> i64 {
        self.get(EVER_SUBMITTED)
    }

    /// Projects in `status` now.
    pub fn in_status(&self, status: Status) -> i64 {
        self.get(&status_metric(status))
    }

    /// Projects at `stage` now.
    pub fn at_stage(&self, stage: Stage) -> i64 {
        self.get(&stage_metric(stage))
    }

    /// validated / submitted, rounded to 4 decimals (0 when nothing was submitted).
    pub fn validation_rate(&self) -> f64 {
        let submitted = self.submitted();
        if submitted == 0 {
            return 0.0;
        }
        #[expect(clippy::cast_precision_loss, reason = "a rate, rounded to 4 decimals")]
        let rate = self.in_status(Status::Validated) as f64 / submitted as f64;
        (rate * 10_000.0).round() / 10_000.0
    }

    /// Projects with at least one support.
    pub fn supported_projects(&self) -> i64 {
        self.get("supports.supported_projects")
    }

    /// Projects having received `kind` at least once.
    pub fn supported_by(&self, kind: SupportKind) -> i64 {
        self.get(&format!("supports.kind.{}", kind.as_str()))
    }

    /// Money asked for by submitted projects, in cents.
    pub fn requested_cents(&self) -> i64 {
        self.get("supports.requested_cents")
    }

    /// Money granted, in cents.
    pub fn granted_cents(&self) -> i64 {
        self.get("supports.granted_cents")
    }

    /// Money paid, in cents.
    pub fn paid_cents(&self) -> i64 {
        self.get(PAID_CENTS)
    }

    /// Projects with at least one indicator.
    pub fn projects_with_indicators(&self) -> i64 {
        self.get(PROJECTS_WITH_INDICATORS)
    }

    /// Indicators met.
    pub fn indicators_met(&self) -> i64 {
        self.get(INDICATORS_MET)
    }

    /// Indicators.
    pub fn indicators_total(&self) -> i64 {
        self.get(INDICATORS_TOTAL)
    }

    /// Events.
    pub fn events(&self) -> i64 {
        self.get("events.count")
    }

    /// Their participants.
    pub fn participants(&self) -> i64 {
        self.get("events.participants")
    }

    /// Participants of a category.
    pub fn participants_of(&self, category: crate::event::Category) -> i64 {
        self.get(&format!("events.category.{}", category.as_str()))
    }
}
