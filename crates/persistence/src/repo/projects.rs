//! Projects and their history. Every change is a conditional update on `version`, so two
//! writers that read the same version cannot both win.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, LikeExpr, NullOrdering, Order},
};
use terrain_domain::{
    Actor, Cents, HistoryEntry, HistoryKind, ProgrammeCode, Project, ProjectFields, Role, Stage,
    Status, SupportKind, TerritoryId, TerritoryPath,
    project::{Category, Description, Period, ProjectTitle, Stakeholder, Summary, Uai},
    stats::Delta,
};
use uuid::Uuid;

use super::{Page, corrupt, stats, subtree};
use crate::{
    StoreError,
    entities::{project, project_history},
};

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
pub async fn insert(conn: &impl ConnectionTrait, new: NewProject) -> Result<Project, StoreError> {
    let now = Utc::now();
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
            ..Default::default()
        };
        write_fields(&mut model, &p.fields, &p.territory_path);
        model
    });
    project::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// Appends many history entries at once (for the demonstration data set).
///
/// # Errors
/// When the database fails.
pub async fn append_history_many(
    conn: &impl ConnectionTrait,
    entries: &[(Uuid, HistoryEntry)],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let models = entries
        .iter()
        .map(|(project_id, entry)| project_history::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(*project_id),
            at: Set(entry.at),
            actor_id: Set(entry.actor_id),
            actor_role: Set(entry.actor_role.as_str().to_owned()),
            kind: Set(entry.kind.as_str().to_owned()),
            action: Set(entry.action.clone()),
            from_value: Set(entry.from.clone()),
            to_value: Set(entry.to.clone()),
            comment: Set(entry.comment.clone()),
        });
    project_history::Entity::insert_many(models)
        .exec(conn)
        .await?;
    Ok(())
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
) -> Result<Option<Project>, StoreError> {
    let (id, version) = (old.id, old.version);
    let mut model = project::ActiveModel::default();
    write_fields(&mut model, fields, path);
    model.version = Set(version + 1);
    model.updated_at = Set(Utc::now());
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
) -> Result<Option<Project>, StoreError> {
    let (id, version) = (old.id, old.version);
    let result = project::Entity::update_many()
        .col_expr(project::Column::Stage, Expr::value(to.as_str()))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(Utc::now()))
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
        .col_expr(project::Column::UpdatedAt, Expr::value(Utc::now()))
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

fn kinds_text(kinds: &BTreeSet<SupportKind>) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
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

/// Appends an entry to a project's history.
///
/// # Errors
/// When the database fails.
pub async fn append_history(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    entry: &HistoryEntry,
) -> Result<(), StoreError> {
    let model = project_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        at: Set(entry.at),
        actor_id: Set(entry.actor_id),
        actor_role: Set(entry.actor_role.as_str().to_owned()),
        kind: Set(entry.kind.as_str().to_owned()),
        action: Set(entry.action.clone()),
        from_value: Set(entry.from.clone()),
        to_value: Set(entry.to.clone()),
        comment: Set(entry.comment.clone()),
    };
    project_history::Entity::insert(model).exec(conn).await?;
    Ok(())
}

/// A project's history, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn history(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let rows = project_history::Entity::find()
        .filter(project_history::Column::ProjectId.eq(project_id))
        .order_by_asc(project_history::Column::At)
        .order_by_asc(project_history::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(HistoryEntry {
                at: row.at,
                actor_id: row.actor_id,
                actor_role: row
                    .actor_role
                    .parse()
                    .map_err(|_| corrupt(&row.actor_role))?,
                kind: HistoryKind::parse(&row.kind).ok_or_else(|| corrupt(&row.kind))?,
                action: row.action,
                from: row.from_value,
                to: row.to_value,
                comment: row.comment,
            })
        })
        .collect()
}

/// The order of a project list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// By creation time (the default).
    #[default]
    CreatedAt,
    /// By first submission; never-submitted projects come last.
    SubmittedAt,
}

/// Where a page starts: the sort value and id of the last project of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCursor {
    /// Sort value (`None`: a never-submitted project under `SubmittedAt`).
    pub at: Option<DateTime<Utc>>,
    /// Id, to break ties.
    pub id: Uuid,
}

/// Filters, order and position of a project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// Only this territory's subtree.
    pub territory: Option<TerritoryPath>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this stage.
    pub stage: Option<Stage>,
    /// Only this theme.
    pub theme: Option<String>,
    /// Title contains this text (case-insensitive).
    pub q: Option<String>,
    /// Order.
    pub sort: SortKey,
    /// Newest first.
    pub descending: bool,
    /// Start after this project.
    pub after: Option<ProjectCursor>,
    /// Page size.
    pub limit: u64,
}

fn project_subtree(path: &TerritoryPath) -> Condition {
    subtree(
        path,
        project::Column::TerritoryId,
        project::Column::RegionId,
        project::Column::AcademyId,
    )
}

/// What `viewer` may see, as SQL: the same rule as [`Project::is_visible_to`].
fn visible_to(viewer: Option<&Actor>) -> Condition {
    let validated = project::Column::Status.eq(Status::Validated.as_str());
    let Some(viewer) = viewer else {
        return Condition::all().add(validated);
    };
    let own = project::Column::LeadId.eq(viewer.id);
    let not_draft = project::Column::Status.ne(Status::Draft.as_str());
    match viewer.role {
        Role::Lead => Condition::any().add(validated).add(own),
        Role::Observer => Condition::any().add(own).add(not_draft),
        Role::Admin => {
            let mut in_scope = Condition::all().add(not_draft);
            if let Some(programme) = &viewer.scope.programme {
                in_scope = in_scope.add(project::Column::Programme.eq(programme.as_str()));
            }
            if let Some(territory) = &viewer.scope.territory {
                in_scope = in_scope.add(project_subtree(territory));
            }
            Condition::any().add(validated).add(own).add(in_scope)
        }
    }
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The projects `viewer` may see, filtered, ordered and paginated.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    query: &ProjectQuery,
) -> Result<Page<Project>, StoreError> {
    let mut select = project::Entity::find().filter(visible_to(viewer));
    if let Some(programme) = &query.programme {
        select = select.filter(project::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &query.territory {
        select = select.filter(project_subtree(territory));
    }
    if let Some(status) = query.status {
        select = select.filter(project::Column::Status.eq(status.as_str()));
    }
    if let Some(stage) = query.stage {
        select = select.filter(project::Column::Stage.eq(stage.as_str()));
    }
    if let Some(theme) = &query.theme {
        select = select.filter(project::Column::Theme.eq(theme.as_str()));
    }
    if let Some(q) = &query.q {
        let pattern = LikeExpr::new(format!("%{}%", escape_like(q))).escape('\\');
        select = select.filter(Expr::col(project::Column::TitleSearch).like(pattern));
    }
    let column = match query.sort {
        SortKey::CreatedAt => project::Column::CreatedAt,
        SortKey::SubmittedAt => project::Column::SubmittedAt,
    };
    if let Some(after) = &query.after {
        select = select.filter(after_cursor(column, after, query.descending));
    }
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    // `created_at` is never null: a plain order lets an index deliver the rows in order.
    let select = match query.sort {
        SortKey::CreatedAt => select.order_by(column, order.clone()),
        SortKey::SubmittedAt => {
            select.order_by_with_nulls(column, order.clone(), NullOrdering::Last)
        }
    };
    let rows = select
        .order_by(project::Column::Id, order)
        .limit(query.limit + 1)
        .all(conn)
        .await?;
    let projects = rows
        .into_iter()
        .map(to_project)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(projects, query.limit))
}

/// Rows after the cursor in an order where NULLs come last.
fn after_cursor(column: project::Column, after: &ProjectCursor, descending: bool) -> Condition {
    let id_after = if descending {
        project::Column::Id.lt(after.id)
    } else {
        project::Column::Id.gt(after.id)
    };
    match after.at {
        None => Condition::all().add(column.is_null()).add(id_after),
        Some(at) => {
            let beyond = if descending {
                column.lt(at)
            } else {
                column.gt(at)
            };
            Condition::any()
                .add(beyond)
                .add(Condition::all().add(column.eq(at)).add(id_after))
                .add(column.is_null())
        }
    }
}

pub(crate) fn to_project(model: project::Model) -> Result<Project, StoreError> {
    let parse_id = |s: &str| TerritoryId::parse(s).map_err(|_| corrupt(s));
    let stakeholders = model
        .stakeholders
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Stakeholder>().map_err(|_| corrupt(s)))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let territory = parse_id(&model.territory_id)?;
    let fields = ProjectFields {
        programme: ProgrammeCode::parse(&model.programme).map_err(|_| corrupt(&model.programme))?,
        territory: territory.clone(),
        title: ProjectTitle::parse(&model.title).map_err(|_| corrupt("title"))?,
        summary: Summary::parse(&model.summary).map_err(|_| corrupt("summary"))?,
        description: model
            .description
            .as_deref()
            .map(|d| Description::parse(d).map_err(|_| corrupt("description")))
            .transpose()?,
        theme: model.theme,
        category: model
            .category
            .parse::<Category>()
            .map_err(|_| corrupt(&model.category))?,
        establishment_uai: model
            .establishment_uai
            .as_deref()
            .map(|u| Uai::parse(u).map_err(|_| corrupt(u)))
            .transpose()?,
        requested_amount: Cents::new(model.requested_amount_cents)
            .map_err(|_| corrupt(model.requested_amount_cents))?,
        stakeholders,
        period: Period::new(model.starts_on, model.ends_on).map_err(|_| corrupt("period"))?,
    };
    Ok(Project {
        id: model.id,
        fields,
        territory_path: TerritoryPath {
            id: territory,
            region: model.region_id.as_deref().map(parse_id).transpose()?,
            academy: model.academy_id.as_deref().map(parse_id).transpose()?,
        },
        lead_id: model.lead_id,
        status: model.status.parse().map_err(|_| corrupt(&model.status))?,
        stage: model.stage.parse().map_err(|_| corrupt(&model.stage))?,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
        submitted_at: model.submitted_at,
        decided_at: model.decided_at,
        granted_cents: model.granted_cents,
        support_kinds: model
            .support_kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| k.parse::<SupportKind>().map_err(|_| corrupt(k)))
            .collect::<Result<_, _>>()?,
        support_count: model.support_count,
        event_count: model.event_count,
    })
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

/// Counts a lead's drafts and recent creations. On PostgreSQL the lead's account row is locked
/// until the end of the transaction, so that concurrent creations by one lead are counted one
/// after the other (on SQLite the single writer does that already).
///
/// # Errors
/// When the database fails.
pub async fn lead_counts(
    conn: &impl ConnectionTrait,
    lead: Uuid,
    since: DateTime<Utc>,
) -> Result<LeadCounts, StoreError> {
    use sea_orm::PaginatorTrait as _;

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
    let drafts = project::Entity::find()
        .filter(project::Column::LeadId.eq(lead))
        .filter(project::Column::Status.eq(Status::Draft.as_str()))
        .count(conn)
        .await?;
    let (created_since, oldest_since): (i64, Option<DateTime<Utc>>) = project::Entity::find()
        .select_only()
        .column_as(Expr::col(project::Column::Id).count(), "created")
        .column_as(Expr::col(project::Column::CreatedAt).min(), "oldest")
        .filter(project::Column::LeadId.eq(lead))
        .filter(project::Column::CreatedAt.gte(since))
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or((0, None));
    Ok(LeadCounts {
        drafts,
        created_since: u64::try_from(created_since).unwrap_or_default(),
        oldest_since,
    })
}
