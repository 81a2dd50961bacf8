//! Programmes and territories: the reference data every check reads.

use terrain_domain::{Catalogue, Programme, ProgrammeCode, Territory, TerritoryId, TerritoryKind};
use terrain_persistence::{
    Database,
    repo::{
        Page,
        reference::{self, TerritoryFilter},
    },
};

use crate::{App, AppError};

/// Reads every programme and territory.
///
/// # Errors
/// When the database fails.
pub async fn load(store: &Database) -> Result<Catalogue, AppError> {
    let conn = store.reader();
    Ok(Catalogue::new(
        reference::all_programmes(conn).await?,
        reference::all_territories(conn).await?,
    ))
}

/// Programmes by code, after `after`.
///
/// # Errors
/// When the database fails.
pub async fn programmes(
    app: &App,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Programme>, AppError> {
    Ok(reference::list_programmes(app.store().reader(), after, limit).await?)
}

/// One programme with its themes.
///
/// # Errors
/// 404 when unknown.
pub async fn programme(app: &App, code: &str) -> Result<Programme, AppError> {
    let code = ProgrammeCode::parse(code).map_err(|_| AppError::NotFound)?;
    reference::find_programme(app.store().reader(), &code)
        .await?
        .ok_or(AppError::NotFound)
}

/// Territories from the root down, then by id, after `after`.
///
/// # Errors
/// 422 on an invalid parent.
pub async fn territories(
    app: &App,
    kind: Option<TerritoryKind>,
    parent: Option<&str>,
    after: Option<&TerritoryId>,
    limit: u64,
) -> Result<Page<Territory>, AppError> {
    let parent = parent
        .map(|p| TerritoryId::parse(p).map_err(|e| AppError::invalid("parent", e.to_string())))
        .transpose()?;
    let filter = TerritoryFilter { kind, parent };
    Ok(reference::list_territories(app.store().reader(), &filter, after, limit).await?)
}

/// One territory with its ancestors (from the country down) and its children.
///
/// # Errors
/// 404 when unknown.
pub async fn territory(
    app: &App,
    id: &str,
) -> Result<(Territory, Vec<Territory>, Vec<Territory>), AppError> {
    let id = TerritoryId::parse(id).map_err(|_| AppError::NotFound)?;
    let conn = app.store().reader();
    let territory = reference::find_territory(conn, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ancestors = reference::ancestors(conn, &territory).await?;
    let children = reference::children(conn, &id).await?;
    Ok((territory, ancestors, children))
}
