//! Programmes, themes and territories.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, Query},
};
use terrain_domain::{
    Programme, ProgrammeCode, Territory, TerritoryId, TerritoryKind, TerritoryPath, Theme,
};

use super::{Page, rows::corrupt};
use crate::{
    StoreError,
    entities::{programme, programme_theme, project, reference_version, territory},
};

/// Programmes with their themes, by code, after the programme `after`.
///
/// # Errors
/// When the database fails.
pub async fn list_programmes(
    conn: &impl ConnectionTrait,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Programme>, StoreError> {
    let mut query = programme::Entity::find();
    if let Some(after) = after {
        query = query.filter(programme::Column::Code.gt(after));
    }
    let programmes = query
        .order_by_asc(programme::Column::Code)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let codes: Vec<&str> = programmes.iter().map(|p| p.code.as_str()).collect();
    let themes = programme_theme::Entity::find()
        .filter(programme_theme::Column::ProgrammeCode.is_in(codes))
        .order_by_asc(programme_theme::Column::Position)
        .all(conn)
        .await?;
    let programmes = programmes
        .into_iter()
        .map(|p| {
            let own = themes
                .iter()
                .filter(|t| t.programme_code == p.code)
                .cloned()
                .collect();
            to_programme(p, own)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(programmes, limit))
}

/// One programme with its themes.
///
/// # Errors
/// When the database fails.
pub async fn find_programme(
    conn: &impl ConnectionTrait,
    code: &ProgrammeCode,
) -> Result<Option<Programme>, StoreError> {
    let Some(found) = programme::Entity::find_by_id(code.as_str())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let themes = programme_theme::Entity::find()
        .filter(programme_theme::Column::ProgrammeCode.eq(code.as_str()))
        .order_by_asc(programme_theme::Column::Position)
        .all(conn)
        .await?;
    to_programme(found, themes).map(Some)
}

fn to_programme(
    model: programme::Model,
    themes: Vec<programme_theme::Model>,
) -> Result<Programme, StoreError> {
    Ok(Programme {
        code: ProgrammeCode::parse(&model.code).map_err(|_| corrupt(&model.code))?,
        validation_level: model
            .validation_level
            .parse()
            .map_err(|_| corrupt(&model.validation_level))?,
        name: model.name,
        domain: model.domain,
        themes: themes
            .into_iter()
            .map(|t| Theme {
                code: t.code,
                label: t.label,
            })
            .collect(),
    })
}

/// Filters of the territory list.
#[derive(Debug, Clone, Default)]
pub struct TerritoryFilter {
    /// Only this level.
    pub kind: Option<TerritoryKind>,
    /// Only the direct children of this territory.
    pub parent: Option<TerritoryId>,
}

/// Territories from the root down, then by id, after the `after` territory.
///
/// # Errors
/// When the database fails.
pub async fn list_territories(
    conn: &impl ConnectionTrait,
    filter: &TerritoryFilter,
    after: Option<&TerritoryId>,
    limit: u64,
) -> Result<Page<Territory>, StoreError> {
    let mut query = territory::Entity::find();
    if let Some(kind) = filter.kind {
        query = query.filter(territory::Column::Kind.eq(kind.as_str()));
    }
    if let Some(parent) = &filter.parent {
        query = query.filter(territory::Column::ParentId.eq(parent.as_str()));
    }
    if let Some(after) = after {
        let depth = depth_of(after.kind());
        query = query.filter(
            Condition::any()
                .add(territory::Column::Depth.gt(depth))
                .add(
                    Condition::all()
                        .add(territory::Column::Depth.eq(depth))
                        .add(territory::Column::Id.gt(after.as_str())),
                ),
        );
    }
    let rows = query
        .order_by_asc(territory::Column::Depth)
        .order_by_asc(territory::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let territories = rows
        .into_iter()
        .map(to_territory)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(territories, limit))
}

/// One territory.
///
/// # Errors
/// When the database fails.
pub async fn find_territory(
    conn: &impl ConnectionTrait,
    id: &TerritoryId,
) -> Result<Option<Territory>, StoreError> {
    territory::Entity::find_by_id(id.as_str())
        .one(conn)
        .await?
        .map(to_territory)
        .transpose()
}

/// The ancestors of a territory, from the country down to its parent.
///
/// # Errors
/// When the database fails.
pub async fn ancestors(
    conn: &impl ConnectionTrait,
    of: &Territory,
) -> Result<Vec<Territory>, StoreError> {
    let mut ids = vec![TerritoryId::country()];
    ids.extend(of.path.region.iter().cloned());
    ids.extend(of.path.academy.iter().cloned());
    ids.retain(|id| id != of.id());
    let rows = territory::Entity::find()
        .filter(territory::Column::Id.is_in(ids.iter().map(TerritoryId::as_str)))
        .order_by_asc(territory::Column::Depth)
        .all(conn)
        .await?;
    rows.into_iter().map(to_territory).collect()
}

/// The direct children of a territory, by id.
///
/// # Errors
/// When the database fails.
pub async fn children(
    conn: &impl ConnectionTrait,
    of: &TerritoryId,
) -> Result<Vec<Territory>, StoreError> {
    let rows = territory::Entity::find()
        .filter(territory::Column::ParentId.eq(of.as_str()))
        .order_by_asc(territory::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter().map(to_territory).collect()
}

fn depth_of(kind: TerritoryKind) -> i32 {
    i32::try_from(kind.depth()).unwrap_or(i32::MAX)
}

fn to_territory(model: territory::Model) -> Result<Territory, StoreError> {
    let parse = |s: &str| TerritoryId::parse(s).map_err(|_| corrupt(s));
    let parse_opt = |s: &Option<String>| s.as_deref().map(parse).transpose();
    Ok(Territory {
        path: TerritoryPath {
            id: parse(&model.id)?,
            region: parse_opt(&model.region_id)?,
            academy: parse_opt(&model.academy_id)?,
        },
        parent: parse_opt(&model.parent_id)?,
        name: model.name,
    })
}

/// Every programme with its themes.
///
/// # Errors
/// When the database fails.
pub async fn all_programmes(conn: &impl ConnectionTrait) -> Result<Vec<Programme>, StoreError> {
    Ok(list_programmes(conn, None, u64::from(u32::MAX))
        .await?
        .items)
}

/// Every territory.
///
/// # Errors
/// When the database fails.
pub async fn all_territories(conn: &impl ConnectionTrait) -> Result<Vec<Territory>, StoreError> {
    territory::Entity::find()
        .order_by_asc(territory::Column::Depth)
        .order_by_asc(territory::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_territory)
        .collect()
}

/// The version of the programmes and themes: raised by every change to them, read by every
/// instance (one row, one column) to know when its copy is stale.
///
/// # Errors
/// When the database fails.
pub async fn version(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    Ok(reference_version::Entity::find_by_id(1)
        .one(conn)
        .await?
        .map_or(0, |row| row.version))
}

async fn bump(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    reference_version::Entity::update_many()
        .col_expr(
            reference_version::Column::Version,
            Expr::col(reference_version::Column::Version).add(1),
        )
        .filter(reference_version::Column::Id.eq(1))
        .exec(conn)
        .await?;
    Ok(())
}

/// How many programmes there are.
///
/// # Errors
/// When the database fails.
pub async fn programme_count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(programme::Entity::find().count(conn).await?)
}

async fn insert_themes(
    conn: &impl ConnectionTrait,
    programme: &ProgrammeCode,
    themes: &[Theme],
    first_position: usize,
) -> Result<(), StoreError> {
    if themes.is_empty() {
        return Ok(());
    }
    let models = themes
        .iter()
        .enumerate()
        .map(|(i, t)| programme_theme::ActiveModel {
            programme_code: Set(programme.as_str().to_owned()),
            code: Set(t.code.clone()),
            label: Set(t.label.clone()),
            position: Set(i32::try_from(first_position + i).unwrap_or(i32::MAX)),
        });
    programme_theme::Entity::insert_many(models)
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a programme with its themes.
///
/// # Errors
/// [`StoreError::Conflict`] when the code is taken.
pub async fn insert_programme(
    conn: &impl ConnectionTrait,
    new: &Programme,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    programme::Entity::insert(programme::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(new.name.clone()),
        domain: Set(new.domain.clone()),
        validation_level: Set(new.validation_level.as_str().to_owned()),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    insert_themes(conn, &new.code, &new.themes, 0).await?;
    bump(conn).await
}

/// Renames a programme and adds themes after its own (`old` as read, in this transaction).
///
/// # Errors
/// [`StoreError::Conflict`] when a theme exists already.
pub async fn update_programme(
    conn: &impl ConnectionTrait,
    old: &Programme,
    name: Option<&str>,
    themes: &[Theme],
) -> Result<(), StoreError> {
    if let Some(name) = name {
        programme::Entity::update_many()
            .col_expr(programme::Column::Name, Expr::value(name))
            .filter(programme::Column::Code.eq(old.code.as_str()))
            .exec(conn)
            .await?;
    }
    let next = programme_theme::Entity::find()
        .filter(programme_theme::Column::ProgrammeCode.eq(old.code.as_str()))
        .count(conn)
        .await?;
    insert_themes(
        conn,
        &old.code,
        themes,
        usize::try_from(next).unwrap_or(usize::MAX),
    )
    .await?;
    bump(conn).await
}

/// What removing a theme found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeRemoval {
    /// Removed.
    Removed,
    /// The programme has no such theme.
    Unknown,
    /// A project uses it: kept.
    InUse,
}

/// Removes a theme no project uses (the check and the deletion are one statement).
///
/// # Errors
/// When the database fails.
pub async fn remove_theme(
    conn: &impl ConnectionTrait,
    programme: &ProgrammeCode,
    theme: &str,
) -> Result<ThemeRemoval, StoreError> {
    let used = Query::select()
        .expr(Expr::val(1))
        .from(project::Entity)
        .and_where(project::Column::Programme.eq(programme.as_str()))
        .and_where(project::Column::Theme.eq(theme))
        .to_owned();
    let removed = programme_theme::Entity::delete_many()
        .filter(programme_theme::Column::ProgrammeCode.eq(programme.as_str()))
        .filter(programme_theme::Column::Code.eq(theme))
        .filter(Expr::exists(used).not())
        .exec(conn)
        .await?
        .rows_affected;
    if removed == 1 {
        bump(conn).await?;
        return Ok(ThemeRemoval::Removed);
    }
    let exists = programme_theme::Entity::find()
        .filter(programme_theme::Column::ProgrammeCode.eq(programme.as_str()))
        .filter(programme_theme::Column::Code.eq(theme))
        .count(conn)
        .await?
        > 0;
    Ok(if exists {
        ThemeRemoval::InUse
    } else {
        ThemeRemoval::Unknown
    })
}
