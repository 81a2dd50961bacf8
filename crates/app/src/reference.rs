//! Programmes and territories: the reference data every check reads.

use terrain_domain::{
    Actor, Catalogue, Programme, ProgrammeCode, Territory, TerritoryId, TerritoryKind,
    reference::NewProgramme, stats::MAX_PROGRAMMES,
};
use terrain_persistence::{
    Database,
    repo::{
        Page,
        reference::{self, TerritoryFilter, ThemeRemoval},
    },
};

use crate::{App, AppError};

/// Reads every programme and territory.
///
/// # Errors
/// When the database fails.
pub async fn load(store: &Database) -> Result<(Catalogue, i64), AppError> {
    let conn = store.reader();
    // The version first: a change committed while reading is then seen as newer next time.
    let version = reference::version(conn).await?;
    Ok((
        Catalogue::new(
            reference::all_programmes(conn).await?,
            reference::all_territories(conn).await?,
        ),
        version,
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

/// A programme as a national administrator writes it.
#[derive(Debug, Clone)]
pub struct ProgrammeInput {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Policy domain.
    pub domain: String,
    /// `academy`, `region` or `department`.
    pub validation_level: String,
    /// Themes, `(code, label)`.
    pub themes: Vec<(String, String)>,
}

/// Reads the programmes again after a change committed here. The change is made whatever
/// comes of it: should the read fail, the next one (within a second) catches up.
async fn refresh(app: &App) {
    if let Err(error) = app.refresh_catalogue().await {
        tracing::warn!(%error, "programmes changed but not read again yet");
    }
}

fn duplicate(theme: &str) -> AppError {
    AppError::Conflict(format!(
        "Le thème « {theme} » figure déjà dans ce programme (ou deux fois dans la demande)."
    ))
}

fn national_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.is_national_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Seuls les administrateurs nationaux gèrent les programmes.".into(),
        ))
    }
}

/// Creates a programme with its themes (national administrators); usable at once here, and on
/// the other instances as soon as they see the reference version move.
///
/// # Errors
/// 403, 422 every field at fault, 409 a code already used or 1,000 programmes already.
pub async fn create_programme(
    app: &App,
    actor: &Actor,
    input: ProgrammeInput,
) -> Result<Programme, AppError> {
    national_admin(actor)?;
    if let Some(code) = terrain_domain::reference::duplicate_theme(&input.themes, &[]) {
        return Err(duplicate(code));
    }
    let NewProgramme(programme) = NewProgramme::parse(
        &input.code,
        input.name,
        &input.domain,
        &input.validation_level,
        input.themes,
    )?;
    let txn = app.store().begin_write().await?;
    if reference::programme_count(&txn).await? >= MAX_PROGRAMMES as u64 {
        return Err(AppError::Conflict(format!(
            "Le service compte déjà {MAX_PROGRAMMES} programmes, le plus qu'il tienne."
        )));
    }
    reference::insert_programme(&txn, &programme, app.now())
        .await
        .map_err(|e| match e {
            terrain_persistence::StoreError::Conflict(_) => {
                AppError::Conflict("Un programme porte déjà ce code.".into())
            }
            other => other.into(),
        })?;
    txn.commit().await?;
    refresh(app).await;
    Ok(programme)
}

/// Renames a programme and adds themes to it (national administrators).
///
/// # Errors
/// 403, 404 unknown, 422 a field, 409 a theme it has already or more than it can hold.
pub async fn update_programme(
    app: &App,
    actor: &Actor,
    code: &str,
    name: Option<String>,
    themes: Vec<(String, String)>,
) -> Result<Programme, AppError> {
    national_admin(actor)?;
    let code = ProgrammeCode::parse(code).map_err(|_| AppError::NotFound)?;
    let txn = app.store().begin_write().await?;
    let old = reference::find_programme(&txn, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(code) = terrain_domain::reference::duplicate_theme(&themes, &old.themes) {
        return Err(duplicate(code));
    }
    let mut errors = terrain_domain::FieldErrors::new();
    if let Some(name) = &name {
        errors.check(
            "name",
            terrain_domain::reference::PROGRAMME_NAME.check(name),
        );
    }
    let themes = match terrain_domain::reference::parse_themes(themes) {
        Ok(themes) => themes,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let max = terrain_domain::reference::MAX_THEMES;
    if old.themes.len() + themes.len() > max {
        return Err(AppError::Conflict(format!(
            "Ce programme compte déjà {} thèmes : il en tient {max} au plus.",
            old.themes.len()
        )));
    }
    reference::update_programme(&txn, &old, name.as_deref(), &themes).await?;
    let updated = reference::find_programme(&txn, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    refresh(app).await;
    Ok(updated)
}

/// Removes a theme that no project uses (national administrators).
///
/// # Errors
/// 403, 404 unknown programme or theme, 409 a project uses it.
pub async fn remove_theme(
    app: &App,
    actor: &Actor,
    code: &str,
    theme: &str,
) -> Result<(), AppError> {
    national_admin(actor)?;
    let code = ProgrammeCode::parse(code).map_err(|_| AppError::NotFound)?;
    let txn = app.store().begin_write().await?;
    match reference::remove_theme(&txn, &code, theme).await? {
        ThemeRemoval::Removed => {}
        ThemeRemoval::Unknown => return Err(AppError::NotFound),
        ThemeRemoval::InUse => {
            return Err(AppError::Conflict(
                "Des projets relèvent de ce thème : il ne peut pas être retiré.".into(),
            ));
        }
    }
    txn.commit().await?;
    refresh(app).await;
    Ok(())
}

/// The version of the reference data in the database.
///
/// # Errors
/// When the database fails.
pub async fn version(store: &Database) -> Result<i64, AppError> {
    Ok(reference::version(store.reader()).await?)
}
