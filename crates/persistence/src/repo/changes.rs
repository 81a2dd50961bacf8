//! The change feed (SPEC §13): one row per change, written in the transaction of the change,
//! numbered by `seq` in commit order.
//!
//! Why a reader never skips an entry: on SQLite every write goes through the single writer, so
//! rows are numbered and committed one transaction after another. On PostgreSQL a sequence
//! value taken by one transaction may become visible after a later one's; so each transaction
//! that appends takes a transaction-level advisory lock first, held until it commits: the
//! appending transactions commit one at a time, in the order of their `seq`. A reader that has
//! seen `seq = n` can therefore only ever find new rows above `n`. The lock is taken by the
//! last statement of a write (see [`crate::Tx::record`]), so it is held for little more than
//! the commit, and never while the transaction still waits for another lock.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, Query},
};
use terrain_domain::{
    Actor, ChangeItem, ChangeType, Event, Fund, ProgrammeCode, Project, TerritoryId, TerritoryPath,
};
use uuid::Uuid;

use super::{Page, projects::visible_to, rows::corrupt};
use crate::{
    StoreError,
    entities::{change, project},
};

/// The advisory lock that orders the appending transactions on PostgreSQL.
const FEED_LOCK: i64 = 0x7465_7272_6169_6e01;

/// A change to append, with the time it happened.
#[derive(Debug, Clone)]
pub struct NewChange {
    /// What happened.
    pub kind: ChangeType,
    /// The project or event id, or the fund code.
    pub entity_id: String,
    /// The project, when the change is about one (its visibility is read from it).
    pub project_id: Option<Uuid>,
    /// Its programme.
    pub programme: Option<ProgrammeCode>,
    /// Its territory.
    pub territory: Option<TerritoryPath>,
    /// When.
    pub at: DateTime<Utc>,
}

impl NewChange {
    /// A change to a project.
    pub fn project(kind: ChangeType, project: &Project, at: DateTime<Utc>) -> Self {
        NewChange {
            kind,
            entity_id: project.id.to_string(),
            project_id: Some(project.id),
            programme: Some(project.fields.programme.clone()),
            territory: Some(project.territory_path.clone()),
            at,
        }
    }

    /// A change to an event.
    pub fn event(kind: ChangeType, event: &Event, at: DateTime<Utc>) -> Self {
        NewChange {
            kind,
            entity_id: event.id.to_string(),
            project_id: None,
            programme: Some(event.programme.clone()),
            territory: Some(event.territory.clone()),
            at,
        }
    }

    /// A new fund.
    pub fn fund(fund: &Fund, at: DateTime<Utc>) -> Self {
        NewChange {
            kind: ChangeType::FundCreated,
            entity_id: fund.code.as_str().to_owned(),
            project_id: None,
            programme: Some(fund.programme.clone()),
            territory: fund.territory.clone(),
            at,
        }
    }
}

/// Appends changes in order; called by [`crate::Tx::commit`] just before it commits (and by
/// bulk loads, in their transaction).
///
/// # Errors
/// When the database fails.
pub async fn append(conn: &impl ConnectionTrait, changes: &[NewChange]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [FEED_LOCK.into()],
        ))
        .await?;
    }
    for chunk in changes.chunks(500) {
        let models = chunk.iter().map(|c| change::ActiveModel {
            seq: sea_orm::ActiveValue::NotSet,
            at: Set(c.at),
            kind: Set(c.kind.as_str().to_owned()),
            entity_id: Set(c.entity_id.clone()),
            project_id: Set(c.project_id),
            programme: Set(c.programme.as_ref().map(|p| p.as_str().to_owned())),
            territory: Set(c.territory.as_ref().map(|t| t.id.as_str().to_owned())),
            region: Set(c
                .territory
                .as_ref()
                .and_then(|t| t.region.as_ref())
                .map(|r| r.as_str().to_owned())),
            academy: Set(c
                .territory
                .as_ref()
                .and_then(|t| t.academy.as_ref())
                .map(|a| a.as_str().to_owned())),
        });
        change::Entity::insert_many(models).exec(conn).await?;
    }
    Ok(())
}

fn to_item(model: change::Model) -> Result<ChangeItem, StoreError> {
    Ok(ChangeItem {
        seq: model.seq,
        at: model.at,
        kind: model.kind.parse().map_err(|_| corrupt(&model.kind))?,
        id: model.entity_id,
        programme: model
            .programme
            .as_deref()
            .map(|p| ProgrammeCode::parse(p).map_err(|_| corrupt(p)))
            .transpose()?,
        territory: model
            .territory
            .as_deref()
            .map(|t| TerritoryId::parse(t).map_err(|_| corrupt(t)))
            .transpose()?,
    })
}

/// Which changes a subscriber wants (a webhook): some types, within a programme and territory.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only these types (empty: every one).
    pub kinds: Vec<ChangeType>,
    /// Only this programme.
    pub programme: Option<ProgrammeCode>,
    /// Only this territory and below.
    pub territory: Option<TerritoryPath>,
}

/// The changes after `after` that `viewer` may see now, in commit order: those about a
/// project it may see as the project stands, and every change to events and funds (public).
///
/// # Errors
/// When the database fails.
pub async fn after(
    conn: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    after: i64,
    limit: u64,
) -> Result<Page<ChangeItem>, StoreError> {
    matching(conn, viewer, after, limit, &ChangeFilter::default()).await
}

/// The highest `seq` written so far (0 when the feed is empty): where a new subscriber starts.
///
/// # Errors
/// When the database fails.
pub async fn latest(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    Ok(change::Entity::find()
        .order_by_desc(change::Column::Seq)
        .one(conn)
        .await?
        .map_or(0, |c| c.seq))
}

/// The newest change, its sequence number and when it was made.
///
/// # Errors
/// When the database fails.
pub async fn newest(
    conn: &impl ConnectionTrait,
) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    Ok(change::Entity::find()
        .order_by_desc(change::Column::Seq)
        .one(conn)
        .await?
        .map(|c| (c.seq, c.at)))
}

/// As [`after`], among the changes `filter` selects.
///
/// # Errors
/// When the database fails.
pub async fn matching(
    conn: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    after: i64,
    limit: u64,
    filter: &ChangeFilter,
) -> Result<Page<ChangeItem>, StoreError> {
    let mut wanted = Condition::all();
    if !filter.kinds.is_empty() {
        wanted = wanted.add(change::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())));
    }
    if let Some(programme) = &filter.programme {
        wanted = wanted.add(change::Column::Programme.eq(programme.as_str()));
    }
    if let Some(territory) = &filter.territory {
        wanted = wanted.add(super::subtree(
            territory,
            change::Column::Territory,
            change::Column::Region,
            change::Column::Academy,
        ));
    }
    // The project of each change, looked up by its key: a correlated test rather than the set
    // of every visible project (over a hundred thousand for an observer), which SQLite would
    // build for each page.
    let project_visible = Query::select()
        .expr(Expr::val(1))
        .from(project::Entity)
        .and_where(
            Expr::col((project::Entity, project::Column::Id))
                .equals((change::Entity, change::Column::ProjectId)),
        )
        .cond_where(visible_to(viewer))
        .to_owned();
    let rows = change::Entity::find()
        .filter(change::Column::Seq.gt(after))
        .filter(wanted)
        .filter(
            Condition::any()
                .add(change::Column::ProjectId.is_null())
                .add(Expr::exists(project_visible)),
        )
        .order_by_asc(change::Column::Seq)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(to_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(items, limit))
}
