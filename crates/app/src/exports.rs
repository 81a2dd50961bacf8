//! Exports (CSV, spreadsheets) for administrators and observers: the list filters and rights,
//! read page by page so that a front door can stream any size with flat memory.

use terrain_domain::{Actor, Project, access};
use terrain_persistence::repo::{
    Page,
    events::EventQuery,
    projects::{self, ProjectCursor, ProjectQuery},
};

use crate::{
    App, AppError,
    events::{self, EventFilters, EventView},
    projects::ListFilters,
};

/// Rows read per page.
pub const PAGE: u64 = 500;

fn exporter(actor: &Actor) -> Result<(), AppError> {
    if access::may_export(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Les exports sont réservés aux administrateurs et aux observateurs.".into(),
        ))
    }
}

/// The query of a projects export.
///
/// # Errors
/// 403 for a lead, 422 on a bad filter.
pub fn projects_query(
    app: &App,
    actor: &Actor,
    filters: ListFilters,
) -> Result<ProjectQuery, AppError> {
    exporter(actor)?;
    crate::projects::query(
        &app.catalogue(),
        ListFilters {
            limit: PAGE,
            ..filters
        },
    )
}

/// One page of a projects export; `query.after` moves to the next one.
///
/// # Errors
/// When the database fails.
pub async fn projects_page(
    app: &App,
    actor: &Actor,
    query: &mut ProjectQuery,
) -> Result<Page<Project>, AppError> {
    let page = projects::list(app.store().reader(), Some(actor), query).await?;
    query.after = page.items.last().map(|p| ProjectCursor {
        at: Some(p.created_at),
        id: p.id,
    });
    Ok(page)
}

/// The query of an events export.
///
/// # Errors
/// 403 for a lead, 422 on a bad filter.
pub fn events_query(
    app: &App,
    actor: &Actor,
    filters: EventFilters,
) -> Result<EventQuery, AppError> {
    exporter(actor)?;
    events::query(app, filters, None, PAGE)
}

/// One page of an events export, each with the links the actor may see; `query.after` moves
/// to the next one.
///
/// # Errors
/// When the database fails.
pub async fn events_page(
    app: &App,
    actor: &Actor,
    query: &mut EventQuery,
) -> Result<Page<EventView>, AppError> {
    let conn = app.store().reader();
    let page = terrain_persistence::repo::events::list(conn, query).await?;
    query.after = page.items.last().map(|e| (e.starts_at, e.id));
    Ok(Page {
        more: page.more,
        items: events::views(conn, page.items, Some(actor)).await?,
    })
}
