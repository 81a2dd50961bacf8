//! Projects: creation, reads and every change. Every change is a conditional update on
//! `version`, so two writers that read the same version cannot both win; the counters move in
//! the same transaction.

mod list;
pub mod queue;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use terrain_domain::{
    Project, ProjectFields, Stage, Status, SupportKind, TerritoryPath, stats::Delta,
};
use uuid::Uuid;

pub use list::{ProjectCursor, ProjectQuery, SortKey, list};
pub(crate) use list::{converses_in, visible_to};

use super::{
    rows::{corrupt, kinds_text, to_project},
    stats,
};
use crate::{StoreError, entities::project};

/// A project to create.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The lead's fields.
    pub fields: ProjectFields,
    /// The territory's place in the tree.
    pub territory_path: TerritoryPath,
    /// The creator.
    pub lead_id: Uuid,
}

/// Creates a project in `draft` at stage `initiate`, version 1.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewProject,
    now: DateTime<Utc>,
) -> Result<Project, StoreError> {
    let mut model = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(new.lead_id),
        status: Set(Status::Draft.as_str().to_owned()),
        stage: Set(Stage::Initiate.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        decided_at: Set(None),
        granted_cents: Set(0),
        support_kinds: Set(String::new()),
        support_count: Set(0),
        event_count: Set(0),
        ..Default::default()
    };
    write_fields(&mut model, &new.fields, &new.territory_path);
    let inserted = project::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    let project = to_project(inserted)?;
    let mut delta = Delta::default();
    stats::add_project(&mut delta, &project, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(project)
}

/// Writes projects exactly as given (ids, statuses, dates included), for imports and the
/// demonstration data set. Counters are not touched: rebuild them afterwards, or add the
/// projects' figures yourself.
///
/// # Errors
/// [`StoreError::Conflict`] when an id exists already.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    projects: &[Project],
) -> Result<(), StoreError> {
    if projects.is_empty() {
        return Ok(());
    }
    let models = projects.iter().map(|p| {
        let mut model = project::ActiveModel {
            id: Set(p.id),
            lead_id: Set(p.lead_id),
            status: Set(p.status.as_str().to_owned()),
            stage: Set(p.stage.as_str().to_owned()),
            version: Set(p.version),
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
            submitted_at: Set(p.submitted_at),
            decided_at: Set(p.decided_at),
            granted_cents: Set(p.granted_cents),
            support_kinds: Set(kinds_text(&p.support_kinds)),
            support_count: Set(p.support_count),
            event_count: Set(p.event_count),
            paid_cents: Set(p.follow_up.paid_cents),
            milestones_total: Set(small(p.follow_up.milestones_total)),
            milestones_done: Set(small(p.follow_up.milestones_done)),
            indicators_total: Set(small(p.follow_up.indicators_total)),
            indicators_met: Set(small(p.follow_up.indicators_met)),
            reported: Set(p.follow_up.reported),
            ..Default::default()
        };
        write_fields(&mut model, &p.fields, &p.territory_path);
        model
    });
    project::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// A count of milestones or indicators (at most a hundred each) as its column holds it.
fn small(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// How the follow-up figures of a project change in one write.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowUpChange {
    /// Money paid.
    pub paid_cents: i64,
    /// Milestones added.
    pub milestones_total: i64,
    /// Milestones done (−1 when one is undone).
    pub milestones_done: i64,
    /// Indicators added.
    pub indicators_total: i64,
    /// Indicators met (±1).
    pub indicators_met: i64,
    /// The report, once written.
    pub reported: bool,
}

/// Applies `change` to the follow-up figures of a project that is still validated, with a new
/// version (its representation changed), and updates the counters. Returns the project as
/// it is now, or `None` when it is no longer validated or would pass `max_items` milestones or
/// indicators.
///
/// # Errors
/// When the database fails.
pub async fn change_follow_up(
    conn: &impl ConnectionTrait,
    id: Uuid,
    change: FollowUpChange,
    max_items: i64,
    now: DateTime<Utc>,
) -> Result<Option<Project>, StoreError> {
    let add = |column: project::Column, n: i64| Expr::col(column).add(n);
    let mut update = project::Entity::update_many()
        .col_expr(
            project::Column::PaidCents,
            add(project::Column::PaidCents, change.paid_cents),
        )
        .col_expr(
            project::Column::MilestonesTotal,
            add(project::Column::MilestonesTotal, change.milestones_total),
        )
        .col_expr(
            project::Column::MilestonesDone,
            add(project::Column::MilestonesDone, change.milestones_done),
        )
        .col_expr(
            project::Column::IndicatorsTotal,
            add(project::Column::IndicatorsTotal, change.indicators_total),
        )
        .col_expr(
            project::Column::IndicatorsMet,
            add(project::Column::IndicatorsMet, change.indicators_met),
        )
        .col_expr(project::Column::Version, add(project::Column::Version, 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Status.eq(Status::Validated.as_str()))
        .filter(
            Expr::col(project::Column::MilestonesTotal)
                .add(change.milestones_total)
                .lte(max_items),
        )
        .filter(
            Expr::col(project::Column::IndicatorsTotal)
                .add(change.indicators_total)
                .lte(max_items),
        );
    if change.reported {
        update = update.col_expr(project::Column::Reported, Expr::value(true));
    }
    if update.exec(conn).await?.rows_affected != 1 {
        return Ok(None);
    }
    // The update holds the row: what is read now is what the counters saw, plus this change.
    let new = find(conn, id)
        .await?
        .ok_or_else(|| corrupt("project vanished"))?;
    let mut old = new.clone();
    let before = &mut old.follow_up;
    before.paid_cents -= change.paid_cents;
    before.milestones_total -= change.milestones_total;
    before.milestones_done -= change.milestones_done;
    before.indicators_total -= change.indicators_total;
    before.indicators_met -= change.indicators_met;
    let mut delta = Delta::default();
    stats::add_project(&mut delta, &old, -1)?;
    stats::add_project(&mut delta, &new, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(Some(new))
}

/// How many projects there are.
///
/// # Errors
/// When the database fails.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait as _;
    Ok(project::Entity::find().count(conn).await?)
}

/// Which of `ids` exist already.
///
/// # Errors
/// When the database fails.
pub async fn existing_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeSet<Uuid>, StoreError> {
    let mut found = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Uuid> = project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Replaces the counters' view of `old` by that of the project as it now is in the database.
async fn restate(conn: &impl ConnectionTrait, old: &Project) -> Result<Project, StoreError> {
    let new = find(conn, old.id)
        .await?
        .ok_or_else(|| corrupt("project vanished"))?;
    let mut delta = Delta::default();
    stats::add_project(&mut delta, old, -1)?;
    stats::add_project(&mut delta, &new, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(new)
}

fn write_fields(model: &mut project::ActiveModel, fields: &ProjectFields, path: &TerritoryPath) {
    model.programme = Set(fields.programme.as_str().to_owned());
    model.territory_id = Set(fields.territory.as_str().to_owned());
    model.region_id = Set(path.region.as_ref().map(|t| t.as_str().to_owned()));
    model.academy_id = Set(path.academy.as_ref().map(|t| t.as_str().to_owned()));
    model.title = Set(fields.title.as_str().to_owned());
    model.title_search = Set(fields.title.as_str().to_lowercase());
    model.summary = Set(fields.summary.as_str().to_owned());
    model.description = Set(fields.description.as_ref().map(|d| d.as_str().to_owned()));
    model.theme = Set(fields.theme.clone());
    model.category = Set(fields.category.as_str().to_owned());
    model.establishment_uai = Set(fields
        .establishment_uai
        .as_ref()
        .map(|u| u.as_str().to_owned()));
    model.requested_amount_cents = Set(fields.requested_amount.get());
    model.stakeholders = Set(fields
        .stakeholders
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(","));
    model.starts_on = Set(fields.period.starts_on);
    model.ends_on = Set(fields.period.ends_on);
}

/// One project, whoever may see it (visibility is the caller's business).
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Project>, StoreError> {
    project::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_project)
        .transpose()
}

/// Several projects by id, in no particular order; unknown ids are skipped.
///
/// # Errors
/// When the database fails.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<Project>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    project::Entity::find()
        .filter(project::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(to_project)
        .collect()
}

/// Replaces the lead's fields if the project is still as `old` (same version). Returns the new
/// project, or `None` when someone changed it first.
///
/// # Errors
/// When the database fails.
pub async fn update_fields(
    conn: &impl ConnectionTrait,
    old: &Project,
    fields: &ProjectFields,
    path: &TerritoryPath,
    now: DateTime<Utc>,
) -> Result<Option<Project>, StoreError> {
    let (id, version) = (old.id, old.version);
    let mut model = project::ActiveModel::default();
    write_fields(&mut model, fields, path);
    model.version = Set(version + 1);
    model.updated_at = Set(now);
    let result = project::Entity::update_many()
        .set(model)
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        restate(conn, old).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Moves the project to `to` if it is still as `old` (same version): sets `submitted_at` on the first
/// submission and `decided_at` on a decision. `None` when someone changed it first.
///
/// # Errors
/// When the database fails.
pub async fn change_status(
    conn: &impl ConnectionTrait,
    old: &Project,
    to: Status,
    at: DateTime<Utc>,
) -> Result<Option<Project>, StoreError> {
    let (id, version) = (old.id, old.version);
    let mut update = project::Entity::update_many()
        .col_expr(project::Column::Status, Expr::value(to.as_str()))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(at));
    if to == Status::Submitted {
        update = update.col_expr(
            project::Column::SubmittedAt,
            Expr::col(project::Column::SubmittedAt).if_null(at),
        );
    }
    if matches!(to, Status::Validated | Status::Rejected) {
        update = update.col_expr(project::Column::DecidedAt, Expr::value(at));
    }
    let result = update
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        restate(conn, old).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Moves the project to stage `to` if it is still as `old` (same version).
///
/// # Errors
/// When the database fails.
pub async fn change_stage(
    conn: &impl ConnectionTrait,
    old: &Project,
    to: Stage,
    now: DateTime<Utc>,
) -> Result<Option<Project>, StoreError> {
    let (id, version) = (old.id, old.version);
    let result = project::Entity::update_many()
        .col_expr(project::Column::Stage, Expr::value(to.as_str()))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        restate(conn, old).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Records a support of `kind` on a project that is still validated: adds the money granted
/// (zero for other kinds), the kind and the count to the project's row, makes a new version (so
/// that a concurrent reopen based on the old one fails) and updates the counters. Returns
/// whether the project was still validated.
///
/// # Errors
/// When the database fails.
pub async fn record_support(
    conn: &impl ConnectionTrait,
    id: Uuid,
    kind: SupportKind,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = project::Entity::update_many()
        .col_expr(
            project::Column::GrantedCents,
            Expr::col(project::Column::GrantedCents).add(amount),
        )
        .col_expr(
            project::Column::SupportCount,
            Expr::col(project::Column::SupportCount).add(1),
        )
        .col_expr(
            project::Column::Version,
            Expr::col(project::Column::Version).add(1),
        )
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Status.eq(Status::Validated.as_str()))
        .filter(
            Expr::col(project::Column::GrantedCents)
                .lte(Expr::val(terrain_domain::stats::FIGURE_MAX).sub(amount)),
        )
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    // The update holds the project's row: what is read now is what the counters saw, plus
    // this support (its kind is added below).
    let mut new = find(conn, id)
        .await?
        .ok_or_else(|| corrupt("project vanished"))?;
    let mut old = new.clone();
    old.granted_cents -= amount;
    old.support_count -= 1;
    new.support_kinds.insert(kind);
    project::Entity::update_many()
        .col_expr(
            project::Column::SupportKinds,
            Expr::value(kinds_text(&new.support_kinds)),
        )
        .filter(project::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let mut delta = Delta::default();
    stats::add_project(&mut delta, &old, -1)?;
    stats::add_project(&mut delta, &new, 1)?;
    stats::apply(conn, &delta).await?;
    Ok(true)
}

/// Adds the given change (±1) to the event count of each project, in the order given (callers
/// sort by id, so that concurrent writers lock rows in the same order). On PostgreSQL the rows
/// are locked first, in that order.
///
/// # Errors
/// When the database fails.
pub(crate) async fn add_to_event_counts(
    conn: &impl ConnectionTrait,
    changes: &[(Uuid, i64)],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::Id.is_in(changes.iter().map(|(id, _)| *id)))
            .order_by_asc(project::Column::Id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .into_tuple::<Uuid>()
            .all(conn)
            .await?;
    }
    for (id, change) in changes {
        project::Entity::update_many()
            .col_expr(
                project::Column::EventCount,
                Expr::col(project::Column::EventCount).add(*change),
            )
            .filter(project::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// What a lead has created: drafts held now, and projects created since an instant.
#[derive(Debug, Clone, Copy)]
pub struct LeadCounts {
    /// Projects in `draft`.
    pub drafts: u64,
    /// Projects created at or after the instant asked.
    pub created_since: u64,
    /// The oldest of those creations.
    pub oldest_since: Option<DateTime<Utc>>,
}

/// Counts a lead's drafts and recent creations, each up to its limit only (so the cost stays
/// bounded whatever the lead holds). On PostgreSQL the lead's account row is locked until the
/// end of the transaction, so that concurrent creations by one lead are counted one after the
/// other (on SQLite the single writer does that already).
///
/// # Errors
/// When the database fails.
pub async fn lead_counts(
    conn: &impl ConnectionTrait,
    lead: Uuid,
    since: DateTime<Utc>,
    drafts_limit: u64,
    recent_limit: u64,
) -> Result<LeadCounts, StoreError> {
    use sea_orm::sea_query::{Alias, Query};

    use crate::entities::user;
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        user::Entity::find_by_id(lead)
            .select_only()
            .column(user::Column::Id)
            .lock(sea_orm::sea_query::LockType::Update)
            .into_tuple::<Uuid>()
            .one(conn)
            .await?;
    }
    let drafts = Query::select()
        .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n"))
        .from_subquery(
            Query::select()
                .column(project::Column::Id)
                .from(project::Entity)
                .and_where(project::Column::LeadId.eq(lead))
                .and_where(project::Column::Status.eq(Status::Draft.as_str()))
                .limit(drafts_limit)
                .take(),
            Alias::new("drafts"),
        )
        .take();
    let drafts: i64 = conn
        .query_one(&drafts)
        .await?
        .map(|row| row.try_get("", "n"))
        .transpose()?
        .unwrap_or_default();
    let recent = Query::select()
        .expr_as(Expr::col(Alias::new("created_at")).count(), Alias::new("n"))
        .expr_as(
            Expr::col(Alias::new("created_at")).min(),
            Alias::new("oldest"),
        )
        .from_subquery(
            Query::select()
                .column(project::Column::CreatedAt)
                .from(project::Entity)
                .and_where(project::Column::LeadId.eq(lead))
                .and_where(project::Column::CreatedAt.gte(since))
                .order_by(project::Column::CreatedAt, sea_orm::Order::Asc)
                .limit(recent_limit)
                .take(),
            Alias::new("recent"),
        )
        .take();
    let row = conn.query_one(&recent).await?;
    let (created_since, oldest_since): (i64, Option<DateTime<Utc>>) = match row {
        Some(row) => (row.try_get("", "n")?, row.try_get("", "oldest")?),
        None => (0, None),
    };
    Ok(LeadCounts {
        drafts: u64::try_from(drafts).unwrap_or_default(),
        created_since: u64::try_from(created_since).unwrap_or_default(),
        oldest_since,
    })
}
