//! Lists of projects: filters, the visibility rule as SQL, keyset pagination.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, LikeExpr, NullOrdering, Order},
};
use terrain_domain::{Actor, ProgrammeCode, Project, Role, Stage, Status, TerritoryPath};
use uuid::Uuid;

use crate::{
    StoreError,
    entities::project,
    repo::{Page, rows::to_project, subtree},
};

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
    /// Only this lead's projects.
    pub lead: Option<Uuid>,
    /// Order.
    pub sort: SortKey,
    /// Newest first.
    pub descending: bool,
    /// Start after this project.
    pub after: Option<ProjectCursor>,
    /// Page size.
    pub limit: u64,
}

pub(crate) fn project_subtree(path: &TerritoryPath) -> Condition {
    subtree(
        path,
        project::Column::TerritoryId,
        project::Column::RegionId,
        project::Column::AcademyId,
    )
}

/// The projects whose conversation `actor` takes part in, as SQL: the rule of
/// `Intent::Converse` in `terrain_domain::access`, mirrored (the lead's own; an administrator's
/// in scope, drafts excepted; nobody else's).
pub(crate) fn converses_in(actor: &Actor) -> Condition {
    let mut in_scope = Condition::all();
    if let Some(programme) = &actor.scope.programme {
        in_scope = in_scope.add(project::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &actor.scope.territory {
        in_scope = in_scope.add(project_subtree(territory));
    }
    let own = Condition::all()
        .add(project::Column::LeadId.eq(actor.id))
        .add(in_scope.clone());
    match actor.role {
        Role::Lead => own,
        Role::Admin => Condition::any()
            .add(own)
            .add(in_scope.add(project::Column::Status.ne(Status::Draft.as_str()))),
        Role::Observer => Condition::all().add(Expr::val(false)),
    }
}

/// What `viewer` may see, as SQL: the rule of `terrain_domain::access::sees`, mirrored.
pub(crate) fn visible_to(viewer: Option<&Actor>) -> Condition {
    let validated = project::Column::Status.eq(Status::Validated.as_str());
    let Some(viewer) = viewer else {
        return Condition::all().add(validated);
    };
    // The viewer's scope: an administrator's, or the reach of an API token (national for
    // leads and observers signed in themselves).
    let mut in_scope = Condition::all();
    if let Some(programme) = &viewer.scope.programme {
        in_scope = in_scope.add(project::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &viewer.scope.territory {
        in_scope = in_scope.add(project_subtree(territory));
    }
    let own = Condition::all()
        .add(project::Column::LeadId.eq(viewer.id))
        .add(in_scope.clone());
    let not_draft = project::Column::Status.ne(Status::Draft.as_str());
    match viewer.role {
        Role::Lead => Condition::any().add(validated).add(own),
        Role::Observer | Role::Admin => Condition::any()
            .add(validated)
            .add(own)
            .add(in_scope.add(not_draft)),
    }
}

pub(super) fn escape_like(text: &str) -> String {
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
    if let Some(lead) = query.lead {
        select = select.filter(project::Column::LeadId.eq(lead));
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
pub(super) fn after_cursor(
    column: project::Column,
    after: &ProjectCursor,
    descending: bool,
) -> Condition {
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
