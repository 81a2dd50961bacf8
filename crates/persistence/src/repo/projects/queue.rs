//! The review queue (SPEC §16): the projects inside an administrator's scope, by tab, with the
//! filters of the reviewer pages, ordered by submission, and the count of every tab.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Alias, Condition, Expr, ExprTrait, LikeExpr, Order, Query, UnionType},
};
use terrain_domain::{
    Actor, ProgrammeCode, Project, Stage, Status, TerritoryPath,
    project::Category,
    review::{Tab, TabCounts},
};
use uuid::Uuid;

use super::list::{ProjectCursor, after_cursor, escape_like, project_subtree};
use crate::{
    StoreError,
    entities::{project, project_follower},
    repo::{Page, rows::to_project},
};

/// Who follows the projects to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowerFilter {
    /// Nobody (« sans instructeur »).
    Nobody,
    /// This account.
    Account(Uuid),
}

/// The filters of the queue (every tab shares them).
#[derive(Debug, Clone, Default)]
pub struct QueueFilters {
    /// Programme.
    pub programme: Option<ProgrammeCode>,
    /// Territory subtree.
    pub territory: Option<TerritoryPath>,
    /// Theme code.
    pub theme: Option<String>,
    /// SILK stage.
    pub stage: Option<Stage>,
    /// Category.
    pub category: Option<Category>,
    /// Follower.
    pub follower: Option<FollowerFilter>,
    /// First submitted on or after this instant.
    pub submitted_from: Option<DateTime<Utc>>,
    /// First submitted before this instant.
    pub submitted_before: Option<DateTime<Utc>>,
    /// Title contains this text.
    pub q: Option<String>,
}

/// Followed by `account`: the few projects it follows, found from its own index.
fn followed_by(account: Uuid) -> Condition {
    let followed = Query::select()
        .column(project_follower::Column::ProjectId)
        .from(project_follower::Entity)
        .and_where(Expr::col(project_follower::Column::UserId).eq(account))
        .to_owned();
    Condition::all().add(project::Column::Id.in_subquery(followed))
}

fn followed_by_nobody() -> Condition {
    let followers = Query::select()
        .expr(Expr::val(1))
        .from(project_follower::Entity)
        .and_where(
            Expr::col((
                project_follower::Entity,
                project_follower::Column::ProjectId,
            ))
            .equals((project::Entity, project::Column::Id)),
        )
        .to_owned();
    Condition::all().add(Expr::exists(followers).not())
}

/// What an administrator reviews: everything submitted at least once inside its scope.
fn in_scope(actor: &Actor) -> Condition {
    let mut condition = Condition::all()
        .add(project::Column::Status.ne(Status::Draft.as_str()))
        .add(project::Column::SubmittedAt.is_not_null());
    if let Some(programme) = &actor.scope.programme {
        condition = condition.add(project::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &actor.scope.territory {
        condition = condition.add(project_subtree(territory));
    }
    condition
}

fn filtered(actor: &Actor, filters: &QueueFilters) -> Condition {
    let mut c = in_scope(actor);
    if let Some(programme) = &filters.programme {
        c = c.add(project::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &filters.territory {
        c = c.add(project_subtree(territory));
    }
    if let Some(theme) = &filters.theme {
        c = c.add(project::Column::Theme.eq(theme.as_str()));
    }
    if let Some(stage) = filters.stage {
        c = c.add(project::Column::Stage.eq(stage.as_str()));
    }
    if let Some(category) = filters.category {
        c = c.add(project::Column::Category.eq(category.as_str()));
    }
    match filters.follower {
        Some(FollowerFilter::Nobody) => c = c.add(followed_by_nobody()),
        Some(FollowerFilter::Account(account)) => c = c.add(followed_by(account)),
        None => {}
    }
    if let Some(from) = filters.submitted_from {
        c = c.add(project::Column::SubmittedAt.gte(from));
    }
    if let Some(before) = filters.submitted_before {
        c = c.add(project::Column::SubmittedAt.lt(before));
    }
    if let Some(q) = &filters.q {
        let pattern = LikeExpr::new(format!("%{}%", escape_like(q))).escape('\\');
        c = c.add(Expr::col(project::Column::TitleSearch).like(pattern));
    }
    c
}

/// The statuses that alone make a tab, for the tabs that do not depend on followers.
fn statuses_of(tab: Tab) -> Option<&'static [Status]> {
    match tab {
        Tab::Waiting => Some(&[Status::ChangesRequested]),
        Tab::Decided => Some(&[Status::Validated, Status::Rejected]),
        Tab::ToReview | Tab::Followed | Tab::All => None,
    }
}

fn tab_condition(actor: &Actor, tab: Tab) -> Condition {
    if let Some(statuses) = statuses_of(tab) {
        return Condition::all()
            .add(project::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    match tab {
        Tab::ToReview => Condition::all()
            .add(project::Column::Status.eq(Status::Submitted.as_str()))
            .add(followed_by_nobody()),
        Tab::Followed => followed_by(actor.id),
        _ => Condition::all(),
    }
}

/// The count of every tab under `filters`, in one statement: the projects of the scope by
/// status (read from the queue's covering indexes), and the two tabs that depend on followers,
/// each a narrow count.
///
/// # Errors
/// When the database fails.
pub async fn counts(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    filters: &QueueFilters,
) -> Result<TabCounts, StoreError> {
    let base = filtered(actor, filters);
    let n = || Expr::col((project::Entity, project::Column::Id)).count();
    let narrow = |tab: Tab| {
        Query::select()
            .expr_as(Expr::val(tab.as_str()), Alias::new("part"))
            .expr_as(n(), Alias::new("n"))
            .from(project::Entity)
            .cond_where(base.clone())
            .cond_where(tab_condition(actor, tab))
            .take()
    };
    let statement = Query::select()
        .expr_as(
            Expr::col((project::Entity, project::Column::Status)),
            Alias::new("part"),
        )
        .expr_as(n(), Alias::new("n"))
        .from(project::Entity)
        .cond_where(base.clone())
        .group_by_col((project::Entity, project::Column::Status))
        .union(UnionType::All, narrow(Tab::ToReview))
        .union(UnionType::All, narrow(Tab::Followed))
        .take();
    let mut parts: Vec<(String, u64)> = Vec::new();
    for row in conn.query_all(&statement).await? {
        let part: String = row.try_get("", "part")?;
        let n: i64 = row.try_get("", "n")?;
        parts.push((part, u64::try_from(n).unwrap_or(0)));
    }
    let part = |name: &str| {
        parts
            .iter()
            .filter(|(p, _)| p == name)
            .map(|(_, n)| n)
            .sum()
    };
    let of = |statuses: &[Status]| statuses.iter().map(|s| part(s.as_str())).sum::<u64>();
    let mut counts = TabCounts::default();
    for tab in Tab::ALL {
        let n = match (tab, statuses_of(*tab)) {
            (_, Some(statuses)) => of(statuses),
            (Tab::All, None) => of(Status::ALL),
            (_, None) => part(tab.as_str()),
        };
        match tab {
            Tab::ToReview => counts.to_review = n,
            Tab::Followed => counts.followed = n,
            Tab::Waiting => counts.waiting = n,
            Tab::Decided => counts.decided = n,
            Tab::All => counts.all = n,
        }
    }
    Ok(counts)
}

/// One page of a tab, by first submission (oldest first unless `descending`), after `after`.
///
/// # Errors
/// When the database fails.
pub async fn page(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    tab: Tab,
    filters: &QueueFilters,
    descending: bool,
    after: Option<&ProjectCursor>,
    limit: u64,
) -> Result<Page<Project>, StoreError> {
    let mut select = project::Entity::find()
        .filter(filtered(actor, filters))
        .filter(tab_condition(actor, tab));
    let column = project::Column::SubmittedAt;
    if let Some(after) = after {
        select = select.filter(after_cursor(column, after, descending));
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    // Every project of the queue has been submitted (`in_scope`): ordering without a NULLS
    // clause lets both engines read the page in order from the queue's indexes, where
    // `NULLS LAST` made them sort every project of the tab first.
    let rows = select
        .order_by(column, order.clone())
        .order_by(project::Column::Id, order)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let projects = rows
        .into_iter()
        .map(to_project)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(projects, limit))
}

/// The projects just before and just after `current` in a tab's order.
///
/// # Errors
/// When the database fails.
pub async fn neighbours(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    tab: Tab,
    filters: &QueueFilters,
    descending: bool,
    current: &Project,
) -> Result<(Option<Uuid>, Option<Uuid>), StoreError> {
    let cursor = ProjectCursor {
        at: current.submitted_at,
        id: current.id,
    };
    let next = page(conn, actor, tab, filters, descending, Some(&cursor), 1).await?;
    let previous = page(conn, actor, tab, filters, !descending, Some(&cursor), 1).await?;
    Ok((
        previous.items.first().map(|p| p.id),
        next.items.first().map(|p| p.id),
    ))
}
