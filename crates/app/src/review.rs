//! The review workspace (SPEC §16): the queue of an administrator's scope, the followers of a
//! project, private notes and decision templates. Batches are in [`crate::batches`].

use chrono::{NaiveDate, TimeZone as _, Utc};
use chrono_tz::Europe::Paris;
use terrain_domain::{
    Action, Actor, Change, HistoryEntry, Project, Role, Stage, User,
    access::{self, Intent},
    project::Category,
    review::{self, DecisionTemplate, Note, Tab, TabCounts},
};
use terrain_persistence::{
    ConnectionTrait,
    repo::{
        Page, followers, history, notes,
        projects::{
            ProjectCursor,
            queue::{self, FollowerFilter, QueueFilters},
        },
        templates, users,
    },
    retrying,
};
use uuid::Uuid;

use crate::{App, AppError, projects::visible};

/// A queue as asked for: the tab, the filters as typed, the order and the position.
#[derive(Debug, Clone, Default)]
pub struct QueueRequest {
    /// The tab (« À examiner » by default).
    pub tab: Option<Tab>,
    /// Programme code.
    pub programme: Option<String>,
    /// Territory id (its subtree).
    pub territory: Option<String>,
    /// Theme code.
    pub theme: Option<String>,
    /// SILK stage.
    pub stage: Option<Stage>,
    /// Category.
    pub category: Option<Category>,
    /// `none` (nobody follows), or an account id.
    pub follower: Option<String>,
    /// First submitted on or after this day (Paris).
    pub submitted_from: Option<NaiveDate>,
    /// First submitted on or before this day (Paris).
    pub submitted_to: Option<NaiveDate>,
    /// Title search.
    pub q: Option<String>,
    /// Newest submissions first.
    pub descending: bool,
    /// Start after this project.
    pub after: Option<ProjectCursor>,
    /// Page size.
    pub limit: u64,
}

impl QueueRequest {
    /// The tab asked for, or « À examiner ».
    pub fn tab(&self) -> Tab {
        self.tab.unwrap_or(Tab::ToReview)
    }
}

/// A page of the queue and the count of every tab.
#[derive(Debug)]
pub struct Queue {
    /// How many projects each tab holds under the filters.
    pub counts: TabCounts,
    /// The page of the tab asked for.
    pub page: Page<Project>,
}

fn admin(actor: &Actor) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "L'instruction est réservée aux administrateurs.".into(),
        ))
    }
}

fn paris_midnight(day: NaiveDate) -> Option<chrono::DateTime<Utc>> {
    Paris
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// The filters checked against the reference data.
///
/// # Errors
/// 422 on an unknown programme, territory or theme, a bad follower, an inverted date range or
/// a bad search.
pub fn filters(app: &App, request: &QueueRequest) -> Result<QueueFilters, AppError> {
    let catalogue = app.catalogue();
    let mut errors = terrain_domain::FieldErrors::new();
    let programme = catalogue
        .programme_filter("programme", request.programme.as_deref())
        .map_err(|e| errors.extend(e))
        .ok()
        .flatten();
    let territory = catalogue
        .territory_filter("territory", request.territory.as_deref())
        .map_err(|e| errors.extend(e))
        .ok()
        .flatten();
    if let Some(theme) = &request.theme
        && !catalogue.knows_theme(theme)
    {
        errors.push("theme", "thème inconnu");
    }
    let follower = match request.follower.as_deref() {
        None => None,
        Some("none") => Some(FollowerFilter::Nobody),
        Some(id) => match id.parse() {
            Ok(id) => Some(FollowerFilter::Account(id)),
            Err(_) => {
                errors.push("follower", "« none » ou l'identifiant d'un compte");
                None
            }
        },
    };
    if let (Some(from), Some(to)) = (request.submitted_from, request.submitted_to)
        && to < from
    {
        errors.push("submitted_to", "la fin de la période précède son début");
    }
    let q = match crate::projects::title_search(request.q.clone()) {
        Ok(q) => q,
        Err(AppError::Invalid(e)) => {
            errors.extend(e);
            None
        }
        Err(other) => return Err(other),
    };
    errors.finish(|| Some(()))?;
    Ok(QueueFilters {
        programme,
        territory,
        theme: request.theme.clone(),
        stage: request.stage,
        category: request.category,
        follower,
        submitted_from: request.submitted_from.and_then(paris_midnight),
        submitted_before: request
            .submitted_to
            .and_then(|d| d.succ_opt())
            .and_then(paris_midnight),
        q,
    })
}

/// The queue of `actor`'s scope.
///
/// # Errors
/// 403 for anyone but an administrator, 422 on a bad filter.
pub async fn queue(app: &App, actor: &Actor, request: &QueueRequest) -> Result<Queue, AppError> {
    admin(actor)?;
    let filters = filters(app, request)?;
    let reader = app.store().reader();
    let counts = queue::counts(reader, actor, &filters).await?;
    let page = queue::page(
        reader,
        actor,
        request.tab(),
        &filters,
        request.descending,
        request.after.as_ref(),
        request.limit,
    )
    .await?;
    Ok(Queue { counts, page })
}

/// The projects before and after `project` in the queue as filtered.
///
/// # Errors
/// 403, 422 as [`queue`].
pub async fn neighbours(
    app: &App,
    actor: &Actor,
    request: &QueueRequest,
    project: &Project,
) -> Result<(Option<Uuid>, Option<Uuid>), AppError> {
    admin(actor)?;
    let filters = filters(app, request)?;
    Ok(queue::neighbours(
        app.store().reader(),
        actor,
        request.tab(),
        &filters,
        request.descending,
        project,
    )
    .await?)
}

/// A project `actor` reviews (an administrator in its scope).
async fn reviewed(app: &App, actor: &Actor, id: Uuid) -> Result<Project, AppError> {
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Review)?;
    Ok(project)
}

/// The administrators following a project.
///
/// # Errors
/// 404 hidden (or out of scope), 403 anyone but an administrator in charge.
pub async fn followers(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<User>, AppError> {
    let project = reviewed(app, actor, id).await?;
    Ok(followers::of_project(app.store().reader(), project.id).await?)
}

/// Whether `account` may follow `project`: an enabled administrator in its scope.
fn may_follow(account: &User, project: &Project) -> bool {
    !account.disabled
        && access::administers(
            &Actor::from(account),
            &project.fields.programme,
            &project.territory_path,
        )
}

/// Writes that `account` follows (or stops following) `project`, with its history entry; the
/// project's version does not change. Nothing is written when it is so already.
pub(crate) async fn set_following(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project: Uuid,
    account: Uuid,
    follows: bool,
    batch: Option<Uuid>,
    now: chrono::DateTime<Utc>,
) -> Result<bool, AppError> {
    let already = followers::of_project(conn, project)
        .await?
        .iter()
        .any(|u| u.id == account);
    if already == follows {
        return Ok(false);
    }
    if follows {
        followers::follow(conn, project, account, now).await?;
    } else {
        followers::unfollow(conn, project, account).await?;
    }
    let entry = HistoryEntry {
        at: now,
        actor_id: actor.id,
        actor_role: actor.role,
        change: Change::Assignment { account, follows },
        comment: None,
        batch,
        reasons: Vec::new(),
    };
    history::append(conn, project, &entry).await?;
    Ok(true)
}

/// `account` follows `project` from now on (an administrator in charge follows, or assigns a
/// colleague in charge).
///
/// # Errors
/// 404 hidden, 403 not in charge, 422 when `account` is not an enabled administrator of the
/// project's scope.
pub async fn follow(
    app: &App,
    actor: &Actor,
    id: Uuid,
    account: Uuid,
    follows: bool,
) -> Result<Vec<User>, AppError> {
    let project = reviewed(app, actor, id).await?;
    if follows {
        let target = users::find(app.store().reader(), account)
            .await?
            .filter(|u| may_follow(u, &project))
            .ok_or_else(|| {
                AppError::invalid(
                    "account_id",
                    "ce compte n'est pas un administrateur actif du périmètre du projet",
                )
            })?;
        debug_assert_eq!(target.id, account);
    }
    retrying(|| async {
        let txn = app.store().begin_write().await?;
        set_following(&txn, actor, id, account, follows, None, app.now()).await?;
        txn.commit().await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(followers::of_project(app.store().reader(), id).await?)
}

/// The private notes of a project.
///
/// # Errors
/// 404 hidden, 403 anyone but an administrator in charge.
pub async fn notes(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<Note>, AppError> {
    let project = reviewed(app, actor, id).await?;
    Ok(notes::of_project(app.store().reader(), project.id).await?)
}

/// Adds a private note.
///
/// # Errors
/// 404 hidden, 403 not in charge, 422 on the text.
pub async fn add_note(app: &App, actor: &Actor, id: Uuid, body: &str) -> Result<Note, AppError> {
    let project = reviewed(app, actor, id).await?;
    review::NOTE
        .check(body)
        .map_err(|e| AppError::invalid("body", e.to_string()))?;
    let txn = app.store().begin_write().await?;
    let note = notes::insert(&txn, project.id, actor.id, body, app.now()).await?;
    txn.commit().await?;
    notes::of_project(app.store().reader(), project.id)
        .await?
        .into_iter()
        .find(|n| n.id == note)
        .ok_or(AppError::NotFound)
}

/// A template's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    /// Programme code.
    pub programme: String,
    /// The action it explains.
    pub action: Option<Action>,
    /// Its name.
    pub title: String,
    /// Its text.
    pub body: String,
}

fn writes_templates_of(actor: &Actor, programme: &terrain_domain::ProgrammeCode) -> bool {
    actor.role == Role::Admin
        && actor
            .scope
            .programme
            .as_ref()
            .is_none_or(|p| p == programme)
}

fn check_text(title: &str, body: &str) -> Result<(), AppError> {
    let mut errors = terrain_domain::FieldErrors::new();
    if let Err(e) = review::TEMPLATE_TITLE.check(title) {
        errors.push("title", e.to_string());
    }
    if let Err(e) = review::TEMPLATE_BODY.check(body) {
        errors.push("body", e.to_string());
    }
    Ok(errors.finish(|| Some(()))?)
}

/// The templates an administrator may use: those of its programme (every programme for an
/// administrator of all programmes), optionally of one programme and one action.
///
/// # Errors
/// 403 for anyone but an administrator, 422 on an unknown programme.
pub async fn templates(
    app: &App,
    actor: &Actor,
    programme: Option<&str>,
    action: Option<Action>,
) -> Result<Vec<DecisionTemplate>, AppError> {
    admin(actor)?;
    let asked = app.catalogue().programme_filter("programme", programme)?;
    let programme = match (&actor.scope.programme, asked) {
        (Some(own), Some(asked)) if *own != asked => return Ok(Vec::new()),
        (Some(own), _) => Some(own.clone()),
        (None, asked) => asked,
    };
    Ok(templates::list(app.store().reader(), programme.as_ref(), action).await?)
}

/// One template (any administrator of its programme).
///
/// # Errors
/// 403, 404.
pub async fn template(app: &App, actor: &Actor, id: Uuid) -> Result<DecisionTemplate, AppError> {
    admin(actor)?;
    templates::find(app.store().reader(), id)
        .await?
        .filter(|t| writes_templates_of(actor, &t.programme))
        .ok_or(AppError::NotFound)
}

/// Creates a template for a programme (its administrators).
///
/// # Errors
/// 403 another programme's, 422 every field at fault.
pub async fn create_template(
    app: &App,
    actor: &Actor,
    input: TemplateInput,
) -> Result<DecisionTemplate, AppError> {
    admin(actor)?;
    let mut errors = terrain_domain::FieldErrors::new();
    let programme = app
        .catalogue()
        .programme(&input.programme)
        .map(|p| p.code.clone());
    if programme.is_none() {
        errors.push("programme", "programme inconnu");
    }
    let action = input
        .action
        .filter(|a| a.taken_by() == terrain_domain::status::Party::AdminInScope);
    if action.is_none() {
        errors.push("action", "une décision de l'instruction (start_review, request_changes, validate, reject, reopen)");
    }
    if let Err(AppError::Invalid(e)) = check_text(&input.title, &input.body) {
        errors.extend(e);
    }
    let (programme, action) = errors.finish(|| Some((programme?, action?)))?;
    if !writes_templates_of(actor, &programme) {
        return Err(AppError::Forbidden(
            "Vous ne rédigez des modèles que pour votre programme.".into(),
        ));
    }
    let txn = app.store().begin_write().await?;
    let template = templates::insert(
        &txn,
        &programme,
        action,
        &input.title,
        &input.body,
        actor.id,
        app.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(template)
}

/// Changes a template's title or text.
///
/// # Errors
/// 403, 404, 422.
pub async fn update_template(
    app: &App,
    actor: &Actor,
    id: Uuid,
    title: Option<String>,
    body: Option<String>,
) -> Result<DecisionTemplate, AppError> {
    let current = template(app, actor, id).await?;
    let title = title.unwrap_or(current.title);
    let body = body.unwrap_or(current.body);
    check_text(&title, &body)?;
    let txn = app.store().begin_write().await?;
    let updated = templates::update(&txn, id, &title, &body, app.now())
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a template.
///
/// # Errors
/// 403, 404.
pub async fn delete_template(app: &App, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    template(app, actor, id).await?;
    let txn = app.store().begin_write().await?;
    templates::delete(&txn, id).await?;
    txn.commit().await?;
    Ok(())
}
