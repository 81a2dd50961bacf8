//! After the decision (SPEC §17): milestones, indicators and their measurements, the final
//! report, and payments. Each write is one transaction that also moves the project's follow-up
//! figures and the statistics counters, and tells the change feed that the project changed.

use chrono::NaiveDate;
use terrain_domain::{
    Actor, Cents, Change, ChangeType, Grant, HistoryEntry, Indicator, Measurement, Milestone,
    Payment, Project, Report, Status, Support,
    access::{self, Intent},
    follow_up::{self, IndicatorDraft, MAX_ITEMS, MAX_MEASUREMENTS, MilestoneDraft, ReportDraft},
};
use terrain_persistence::{
    Tx,
    repo::{
        changes::NewChange,
        follow_up as repo, history,
        projects::{self, FollowUpChange},
        supports,
    },
    retrying,
};
use uuid::Uuid;

use crate::{App, AppError, projects::visible};

/// Everything a project's follow-up shows, read at once.
#[derive(Debug, Clone)]
pub struct FollowUpView {
    /// The project (its follow-up figures included).
    pub project: Project,
    /// Milestones, by due date.
    pub milestones: Vec<Milestone>,
    /// Indicators with their measurements, oldest first.
    pub indicators: Vec<(Indicator, Vec<Measurement>)>,
    /// The final report.
    pub report: Option<Report>,
    /// Payments, by date.
    pub payments: Vec<Payment>,
    /// The supports (financial ones show what was paid of them).
    pub supports: Vec<Support>,
}

/// The follow-up of a project, for whoever may see it (no personal data in it).
///
/// # Errors
/// 404 when missing or invisible.
pub async fn view(app: &App, viewer: Option<&Actor>, id: Uuid) -> Result<FollowUpView, AppError> {
    of(app, visible(app, viewer, id).await?).await
}

/// The follow-up of a project its caller has already read and checked (a project page).
///
/// # Errors
/// When the database fails.
pub async fn of(app: &App, project: Project) -> Result<FollowUpView, AppError> {
    let conn = app.store().reader();
    let id = project.id;
    Ok(FollowUpView {
        milestones: repo::milestones(conn, id).await?,
        indicators: indicators_of(app, id).await?,
        report: repo::report(conn, id).await?,
        payments: repo::payments(conn, id).await?,
        supports: supports::for_project(conn, id).await?,
        project,
    })
}

async fn indicators_of(
    app: &App,
    id: Uuid,
) -> Result<Vec<(Indicator, Vec<Measurement>)>, AppError> {
    let conn = app.store().reader();
    let mut measured = repo::measurements(conn, id).await?;
    Ok(repo::indicators(conn, id)
        .await?
        .into_iter()
        .map(|i| {
            let values = measured.remove(&i.id).unwrap_or_default();
            (i, values)
        })
        .collect())
}

/// A project's milestones, with the project (its progress).
///
/// # Errors
/// 404 when missing or invisible.
pub async fn milestones(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<(Project, Vec<Milestone>), AppError> {
    let project = visible(app, viewer, id).await?;
    Ok((project, repo::milestones(app.store().reader(), id).await?))
}

/// A project's indicators with their measurements.
///
/// # Errors
/// 404 when missing or invisible.
pub async fn indicators(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<(Indicator, Vec<Measurement>)>, AppError> {
    visible(app, viewer, id).await?;
    indicators_of(app, id).await
}

/// A project's final report.
///
/// # Errors
/// 404 when missing, invisible, or without a report.
pub async fn report(app: &App, viewer: Option<&Actor>, id: Uuid) -> Result<Report, AppError> {
    visible(app, viewer, id).await?;
    repo::report(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A project's payments, with the project (what was granted and paid).
///
/// # Errors
/// 404 when missing or invisible.
pub async fn payments(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<(Project, Vec<Payment>), AppError> {
    let project = visible(app, viewer, id).await?;
    Ok((project, repo::payments(app.store().reader(), id).await?))
}

/// The project, once `actor` may record its follow-up (`intent`) and it is validated.
async fn followed(app: &App, actor: &Actor, id: Uuid, intent: Intent) -> Result<Project, AppError> {
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, intent)?;
    if project.status != Status::Validated {
        return Err(AppError::Conflict(
            "Le suivi d'un projet (jalons, indicateurs, versements, rapport) commence à sa \
             validation."
                .into(),
        ));
    }
    Ok(project)
}

/// Applies `change` to the project's figures in `txn` and tells the feed; refuses when the
/// project left `validated` meanwhile or would pass [`MAX_ITEMS`].
async fn settle(
    app: &App,
    txn: &Tx,
    id: Uuid,
    change: FollowUpChange,
) -> Result<Project, AppError> {
    let now = app.now();
    let Some(updated) = projects::change_follow_up(txn, id, change, MAX_ITEMS as i64, now).await?
    else {
        let project = projects::find(txn, id).await?.ok_or(AppError::NotFound)?;
        return Err(AppError::Conflict(if project.status == Status::Validated {
            format!("Un projet compte au plus {MAX_ITEMS} jalons et {MAX_ITEMS} indicateurs.")
        } else {
            "Le projet n'est plus validé.".into()
        }));
    };
    txn.record(NewChange::project(
        ChangeType::ProjectUpdated,
        &updated,
        now,
    ));
    Ok(updated)
}

/// A milestone as given.
#[derive(Debug, Clone)]
pub struct MilestoneInput {
    /// Title.
    pub title: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Done date.
    pub done_on: Option<NaiveDate>,
}

/// Adds a milestone (the lead or an administrator in charge, on a validated project).
///
/// # Errors
/// 404 hidden, 403 not the lead nor in charge, 409 not validated or 100 milestones already,
/// 422 a field.
pub async fn add_milestone(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: MilestoneInput,
) -> Result<Milestone, AppError> {
    followed(app, actor, id, Intent::FollowUp).await?;
    let draft = MilestoneDraft::parse(input.title, input.due_on, input.done_on)?;
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        let milestone = repo::insert_milestone(&txn, id, &draft, actor.id, app.now()).await?;
        let change = FollowUpChange {
            milestones_total: 1,
            milestones_done: i64::from(draft.done_on.is_some()),
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        txn.commit().await?;
        Ok(milestone)
    })
    .await
}

/// A change to a milestone: what is given replaces what was (`done_on: Some(None)` undoes it).
#[derive(Debug, Clone, Default)]
pub struct MilestonePatch {
    /// Title.
    pub title: Option<String>,
    /// Due date.
    pub due_on: Option<NaiveDate>,
    /// Done date, or none to mark it not done.
    pub done_on: Option<Option<NaiveDate>>,
}

/// Changes a milestone, typically to mark it done.
///
/// # Errors
/// 404 hidden or unknown milestone, 403, 409 not validated, 422 a field.
pub async fn update_milestone(
    app: &App,
    actor: &Actor,
    id: Uuid,
    milestone: Uuid,
    patch: MilestonePatch,
) -> Result<Milestone, AppError> {
    followed(app, actor, id, Intent::FollowUp).await?;
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        let old = repo::find_milestone(&txn, id, milestone)
            .await?
            .ok_or(AppError::NotFound)?;
        let draft = MilestoneDraft::parse(
            patch.title.clone().unwrap_or_else(|| old.title.clone()),
            patch.due_on.unwrap_or(old.due_on),
            patch.done_on.unwrap_or(old.done_on),
        )?;
        let updated = repo::update_milestone(&txn, &old, &draft, app.now())
            .await?
            .ok_or(AppError::Stale)?;
        let done = |m: &Milestone| i64::from(m.done_on.is_some());
        let change = FollowUpChange {
            milestones_done: done(&updated) - done(&old),
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        txn.commit().await?;
        Ok(updated)
    })
    .await
}

/// An indicator as given.
#[derive(Debug, Clone)]
pub struct IndicatorInput {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Baseline.
    pub baseline: f64,
    /// Target.
    pub target: f64,
}

/// Adds an indicator, not measured yet.
///
/// # Errors
/// 404 hidden, 403, 409 not validated or 100 indicators already, 422 a field.
pub async fn add_indicator(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: IndicatorInput,
) -> Result<Indicator, AppError> {
    followed(app, actor, id, Intent::FollowUp).await?;
    let draft = IndicatorDraft::parse(input.name, input.unit, input.baseline, input.target)?;
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        let indicator = repo::insert_indicator(&txn, id, &draft, actor.id, app.now()).await?;
        let change = FollowUpChange {
            indicators_total: 1,
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        txn.commit().await?;
        Ok(indicator)
    })
    .await
}

/// A measurement as given.
#[derive(Debug, Clone)]
pub struct MeasurementInput {
    /// Value.
    pub value: f64,
    /// Date measured.
    pub measured_on: NaiveDate,
    /// Note.
    pub note: Option<String>,
}

/// Records a measurement of an indicator; the indicator is met when its latest measurement
/// reaches its target.
///
/// # Errors
/// 404 hidden (an administrator of another scope included) or unknown indicator, 403, 409 not
/// validated or 1,000 measurements already, 422 a field.
pub async fn add_measurement(
    app: &App,
    actor: &Actor,
    id: Uuid,
    indicator: Uuid,
    input: MeasurementInput,
) -> Result<(Measurement, Indicator), AppError> {
    followed(app, actor, id, Intent::FollowUp).await?;
    let value =
        follow_up::value(input.value).map_err(|message| AppError::invalid("value", message))?;
    let note = input.note.filter(|n| !n.is_empty());
    if let Some(Err(e)) = note
        .as_deref()
        .map(|n| follow_up::MEASUREMENT_NOTE.check(n))
    {
        return Err(AppError::invalid("note", e.to_string()));
    }
    let known = repo::find_indicator(app.store().reader(), id, indicator)
        .await?
        .ok_or(AppError::NotFound)?;
    if repo::measurement_count(app.store().reader(), indicator).await? >= MAX_MEASUREMENTS as u64 {
        return Err(AppError::Conflict(format!(
            "Un indicateur compte au plus {MAX_MEASUREMENTS} mesures."
        )));
    }
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        let (measurement, before, after) = repo::insert_measurement(
            &txn,
            &known,
            value,
            input.measured_on,
            note.clone(),
            actor.id,
            app.now(),
        )
        .await?;
        let change = FollowUpChange {
            indicators_met: i64::from(after.met()) - i64::from(before.met()),
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        txn.commit().await?;
        Ok((measurement, after))
    })
    .await
}

/// A report as given.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Summary.
    pub summary: String,
    /// Results.
    pub results: String,
    /// Recommendations.
    pub recommendations: String,
}

/// Writes or rewrites the final report, which `transfer` requires.
///
/// # Errors
/// 404 hidden, 403, 409 not validated, 422 a field.
pub async fn put_report(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: ReportInput,
) -> Result<Report, AppError> {
    followed(app, actor, id, Intent::FollowUp).await?;
    let draft = ReportDraft::parse(input.summary, input.results, input.recommendations)?;
    retrying(|| async {
        let now = app.now();
        let txn = app.store().begin_write().await?;
        let report = repo::put_report(&txn, id, &draft, actor.id, now).await?;
        let change = FollowUpChange {
            reported: true,
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        history::append(&txn, id, &HistoryEntry::by(actor, now, Change::Report)).await?;
        txn.commit().await?;
        Ok(report)
    })
    .await
}

/// A payment as asked.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    /// The financial support paid from.
    pub support_id: Uuid,
    /// Amount in cents.
    pub amount_cents: i64,
    /// When it was paid.
    pub paid_on: NaiveDate,
}

/// Records money paid of a financial support (administrators in charge): what was paid never
/// passes what was granted, whatever the concurrent requests.
///
/// # Errors
/// 404 hidden or a support the project did not receive, 403 not in charge, 409 not validated
/// or more than remains to pay, 422 a non-financial support or an amount not above zero.
pub async fn pay(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: PaymentInput,
) -> Result<Payment, AppError> {
    followed(app, actor, id, Intent::Pay).await?;
    let amount = Cents::new(input.amount_cents)
        .ok()
        .filter(|a| a.get() > 0)
        .ok_or_else(|| AppError::invalid("amount_cents", "un montant en centimes, au moins 1"))?;
    let supports = supports::for_project(app.store().reader(), id).await?;
    let support = supports
        .iter()
        .find(|s| s.id == input.support_id)
        .ok_or(AppError::NotFound)?;
    let Grant::Financial { fund, .. } = &support.grant else {
        return Err(AppError::invalid(
            "support_id",
            "seul un soutien financier donne lieu à des versements",
        ));
    };
    retrying(|| async {
        let now = app.now();
        let txn = app.store().begin_write().await?;
        let new = repo::NewPayment {
            project: id,
            support_id: support.id,
            fund_code: fund.as_str(),
            amount,
            paid_on: input.paid_on,
            by: actor.id,
        };
        let payment = repo::pay(&txn, &new, now).await?.ok_or_else(|| {
            AppError::Conflict("Ce versement dépasserait le montant accordé par ce soutien.".into())
        })?;
        let change = FollowUpChange {
            paid_cents: amount.get(),
            ..Default::default()
        };
        settle(app, &txn, id, change).await?;
        history::append(
            &txn,
            id,
            &HistoryEntry::by(
                actor,
                now,
                Change::Payment {
                    support: support.id,
                    amount,
                },
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(payment)
    })
    .await
}
