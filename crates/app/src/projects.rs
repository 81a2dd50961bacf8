//! Projects: creation, edits, the validation workflow, the SILK stage, reads and lists.

use chrono::{DateTime, Duration, Utc};
use terrain_domain::ChangeType;
use terrain_domain::{
    Action, Actor, Catalogue, Change, CorrectionReason, Email, Event, HistoryEntry, Project,
    ProjectFields, ProjectInput, Stage, Status, Support, TerritoryPath, User,
    access::{self, Intent},
    project::{Category, Stakeholder},
    stage,
    status::{self, Circumstances, Refusal},
};
use terrain_persistence::repo::changes::NewChange;
use terrain_persistence::{
    ConnectionTrait,
    repo::{
        batches, events, followers, history,
        projects::{self, NewProject, ProjectQuery},
        supports, users,
    },
    retrying,
};
use uuid::Uuid;

pub use terrain_persistence::repo::projects::{ProjectCursor, SortKey};

use crate::{
    App, AppError, Expected, comment,
    idempotency::{self, Once, Outcome},
    notify, required,
};

/// The scope of idempotency keys of project creations.
const KEYS: &str = "projects";

/// A lead's contact, shown to the lead and the administrators in charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub display_name: String,
    /// Address.
    pub email: Email,
}

impl From<&User> for Contact {
    fn from(user: &User) -> Self {
        Contact {
            display_name: user.display_name.clone(),
            email: user.email.clone(),
        }
    }
}

/// A project as one person may see it: the project, the lead's contact when they may see it,
/// and the events it emerged from.
#[derive(Debug, Clone)]
pub struct ProjectDetail {
    /// The project.
    pub project: Project,
    /// The lead's contact, when the viewer may see it.
    pub lead_contact: Option<Contact>,
    /// The concertation events it emerged from, by start.
    pub events: Vec<Event>,
}

/// The detail of `project` for `viewer`, read through `conn`.
async fn detail_in(
    conn: &impl ConnectionTrait,
    project: Project,
    viewer: Option<&Actor>,
) -> Result<ProjectDetail, AppError> {
    let lead_contact = if access::sees_lead_contact(viewer, &project) {
        users::find(conn, project.lead_id)
            .await?
            .map(|lead| Contact::from(&lead))
    } else {
        None
    };
    let events = if project.event_count > 0 {
        events::for_project(conn, project.id).await?
    } else {
        Vec::new()
    };
    Ok(ProjectDetail {
        project,
        lead_contact,
        events,
    })
}

/// A project `viewer` may see, or [`AppError::NotFound`].
///
/// # Errors
/// 404 when missing or invisible.
pub async fn visible(app: &App, viewer: Option<&Actor>, id: Uuid) -> Result<Project, AppError> {
    projects::find(app.store().reader(), id)
        .await?
        .filter(|p| access::sees(viewer, p))
        .ok_or(AppError::NotFound)
}

/// One project with its detail.
///
/// # Errors
/// 404 when missing or invisible to `viewer`.
pub async fn get(app: &App, viewer: Option<&Actor>, id: Uuid) -> Result<ProjectDetail, AppError> {
    let project = visible(app, viewer, id).await?;
    detail_in(app.store().reader(), project, viewer).await
}

/// Everything a project's page shows: the detail, the history and the supports, from one
/// check of who may see it.
///
/// # Errors
/// 404 when missing or invisible to `viewer`.
pub async fn page(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<(ProjectDetail, Vec<HistoryEntry>, Vec<Support>), AppError> {
    let project = visible(app, viewer, id).await?;
    let reader = app.store().reader();
    let history = history::of_project(reader, project.id).await?;
    let supports = if project.support_count > 0 {
        supports::for_project(reader, project.id).await?
    } else {
        Vec::new()
    };
    Ok((detail_in(reader, project, viewer).await?, history, supports))
}

/// A project's history, oldest first.
///
/// # Errors
/// 404 when missing or invisible to `viewer`.
pub async fn history(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<HistoryEntry>, AppError> {
    let project = visible(app, viewer, id).await?;
    Ok(history::of_project(app.store().reader(), project.id).await?)
}

/// A project's supports, oldest first.
///
/// # Errors
/// 404 when missing or invisible to `viewer`.
pub async fn supports(
    app: &App,
    viewer: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<Support>, AppError> {
    let project = visible(app, viewer, id).await?;
    Ok(supports::for_project(app.store().reader(), project.id).await?)
}

/// Creates a project in `draft` for the lead `lead`. A lead holds at most
/// `limits.drafts_per_lead` drafts and creates at most `limits.projects_per_hour` an hour.
///
/// # Errors
/// 403 for anyone but a lead, 422 naming every field at fault, 409 beyond the drafts, 429
/// (with the seconds to wait) beyond the creations of the hour.
pub async fn create(
    app: &App,
    lead: &User,
    input: ProjectInput,
    once: Option<&Once<'_, ProjectDetail>>,
) -> Result<Outcome<ProjectDetail>, AppError> {
    let actor = Actor::from(lead);
    if actor.role != terrain_domain::Role::Lead {
        return Err(AppError::Forbidden(
            "Seuls les porteurs de projet créent des projets.".into(),
        ));
    }
    if let Some(stored) = idempotency::prior(app, actor.id, KEYS, once).await? {
        return Ok(Outcome::Replayed(stored));
    }
    let (fields, territory_path) = ProjectFields::parse(input, &app.catalogue())?;
    idempotency::run(app, actor.id, KEYS, once, || async {
        let now = app.now();
        let txn = app.store().begin_write().await?;
        within_limits(app, &txn, actor.id, now).await?;
        let project = projects::insert(
            &txn,
            NewProject {
                fields: fields.clone(),
                territory_path: territory_path.clone(),
                lead_id: actor.id,
            },
            now,
        )
        .await?;
        txn.record(NewChange::project(
            ChangeType::ProjectCreated,
            &project,
            now,
        ));
        // A new project has no event yet, and its lead is the caller: no further read.
        let detail = ProjectDetail {
            project,
            lead_contact: Some(Contact::from(lead)),
            events: Vec::new(),
        };
        Ok((txn, detail))
    })
    .await
}

/// The lead's limits, counted in the creation's transaction.
async fn within_limits(
    app: &App,
    txn: &impl ConnectionTrait,
    lead: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let limits = &app.settings().limits;
    let counts = projects::lead_counts(
        txn,
        lead,
        now - Duration::hours(1),
        u64::from(limits.drafts_per_lead),
        u64::from(limits.projects_per_hour),
    )
    .await?;
    if counts.created_since >= u64::from(limits.projects_per_hour) {
        let retry_after = counts.oldest_since.map_or(3600, |at| {
            (at + Duration::hours(1) - now).num_seconds().max(1)
        });
        return Err(AppError::TooManyRequests { retry_after });
    }
    if counts.drafts >= u64::from(limits.drafts_per_lead) {
        return Err(AppError::Conflict(format!(
            "Vous avez déjà {} brouillons : déposez-en ou retirez-en avant d'en créer un autre.",
            counts.drafts
        )));
    }
    Ok(())
}

/// Changes to a project's fields: what is `Some` replaces the current value (`Some(None)`
/// clears an optional one).
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    /// Territory id.
    pub territory: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<Option<String>>,
    /// Theme code.
    pub theme: Option<String>,
    /// Category.
    pub category: Option<Category>,
    /// School UAI.
    pub establishment_uai: Option<Option<String>>,
    /// Amount asked for, in cents.
    pub requested_amount_cents: Option<i64>,
    /// Who takes part.
    pub stakeholders: Option<Vec<Stakeholder>>,
    /// First day.
    pub starts_on: Option<Option<chrono::NaiveDate>>,
    /// Last day.
    pub ends_on: Option<Option<chrono::NaiveDate>>,
}

impl ProjectPatch {
    /// The fields of `current` with this patch applied.
    pub fn apply(self, current: &ProjectFields) -> ProjectInput {
        let mut input = ProjectInput::of(current);
        let ProjectPatch {
            territory,
            title,
            summary,
            description,
            theme,
            category,
            establishment_uai,
            requested_amount_cents,
            stakeholders,
            starts_on,
            ends_on,
        } = self;
        if let Some(v) = territory {
            input.territory = v;
        }
        if let Some(v) = title {
            input.title = v;
        }
        if let Some(v) = summary {
            input.summary = v;
        }
        if let Some(v) = description {
            input.description = v;
        }
        if let Some(v) = theme {
            input.theme = v;
        }
        if let Some(v) = category {
            input.category = Some(v);
        }
        if let Some(v) = establishment_uai {
            input.establishment_uai = v;
        }
        if let Some(v) = requested_amount_cents {
            input.requested_amount_cents = Some(v);
        }
        if let Some(v) = stakeholders {
            input.stakeholders = v;
        }
        if let Some(v) = starts_on {
            input.starts_on = v;
        }
        if let Some(v) = ends_on {
            input.ends_on = v;
        }
        input
    }
}

/// Changes a project's fields (its lead, while it is editable).
///
/// # Errors
/// 404 hidden, 403 not the lead, no version given, 409 not editable any more, 422 every field
/// at fault, 412 stale — in that order.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
    patch: ProjectPatch,
) -> Result<ProjectDetail, AppError> {
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Edit)?;
    let expected = required(expected)?;
    if !project.status.is_editable() {
        return Err(AppError::Conflict(format!(
            "Un projet au statut {} n'est plus modifiable.",
            project.status
        )));
    }
    let (fields, path) = ProjectFields::parse(patch.apply(&project.fields), &app.catalogue())?;
    expected.check(project.version)?;
    let updated = retrying(|| async {
        let txn = app.store().begin_write().await?;
        let now = app.now();
        let updated = projects::update_fields(&txn, &project, &fields, &path, now)
            .await?
            .ok_or(AppError::Stale)?;
        txn.record(NewChange::project(
            ChangeType::ProjectUpdated,
            &updated,
            now,
        ));
        txn.commit().await?;
        Ok::<_, AppError>(updated)
    })
    .await?;
    detail_in(app.store().reader(), updated, Some(actor)).await
}

/// Applies a workflow action; one transaction with its history entry.
///
/// # Errors
/// 404 hidden (or an administrator outside its scope), 422 an invalid comment, 412 stale, 403
/// the wrong party, 409 not from this status (or reopening a financially supported project),
/// 422 a missing comment or what a submission lacks.
pub async fn transition(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
    action: Action,
    comment_text: Option<String>,
    reasons: &[CorrectionReason],
) -> Result<ProjectDetail, AppError> {
    let remark = Remark {
        comment: comment_text,
        reasons: reasons.to_vec(),
    };
    let updated = decide(app, actor, id, expected, action, remark, None).await?;
    detail_in(app.store().reader(), updated, Some(actor)).await
}

/// What a decision says beside its action.
#[derive(Debug, Clone, Default)]
pub(crate) struct Remark {
    /// The comment.
    pub comment: Option<String>,
    /// Why changes are requested (`request_changes` only).
    pub reasons: Vec<CorrectionReason>,
}

/// A workflow action; as item `position` of batch `batch` when given, whose outcome is then
/// recorded in the same transaction (its history entry names the batch).
pub(crate) async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
    action: Action,
    remark: Remark,
    item: Option<(Uuid, i32)>,
) -> Result<Project, AppError> {
    let batch = item.map(|(batch, _)| batch);
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Transition)?;
    let expected = required(expected)?;
    let comment = comment(remark.comment, "comment")?;
    let mut reasons = remark.reasons;
    if !reasons.is_empty() && action != Action::RequestChanges {
        return Err(AppError::invalid(
            "reasons",
            "Les motifs accompagnent seulement une demande de modifications.",
        ));
    }
    reasons.sort();
    reasons.dedup();
    let updated = retrying(|| async {
        let project = visible(app, Some(actor), id).await?;
        let party = access::authorize(actor, &project, Intent::Transition)?;
        expected.check(project.version)?;
        let circumstances = Circumstances {
            has_comment: comment.is_some(),
            has_financial_support: project.granted_cents > 0,
        };
        let to = status::apply(project.status, action, party, circumstances).map_err(refusal)?;
        if action == Action::Submit {
            project.fields.ready_for_submission(&app.catalogue())?;
        }
        let now = app.now();
        let txn = app.store().begin_write().await?;
        let updated = projects::change_status(&txn, &project, to, now)
            .await?
            .ok_or(AppError::Stale)?;
        let entry = HistoryEntry {
            at: now,
            actor_id: actor.id,
            actor_role: actor.role,
            change: Change::Transition {
                action,
                from: project.status,
                to,
            },
            comment: comment.clone(),
            batch,
            reasons: reasons.clone(),
        };
        history::append(&txn, id, &entry).await?;
        let entry = &entry;
        if action == Action::StartReview {
            // The administrator who starts the review follows the project (SPEC §11).
            followers::follow(&txn, id, actor.id, now).await?;
        }
        notify::transition(app, &txn, &project, &updated, entry).await?;
        if let Some((batch, position)) = item {
            let done = terrain_domain::review::Outcome::Done;
            batches::record(&txn, batch, position, done, None).await?;
        }
        txn.record(NewChange::project(
            ChangeType::ProjectStatusChanged,
            &updated,
            now,
        ));
        txn.commit().await?;
        Ok::<_, AppError>(updated)
    })
    .await?;
    app.outbox_written();
    Ok(updated)
}

/// A refusal of the status machine as an answer.
pub fn refusal(refusal: Refusal) -> AppError {
    let detail = refusal.to_string();
    match refusal {
        Refusal::Forbidden { .. } => AppError::Forbidden(detail),
        Refusal::NotFromStatus { .. } | Refusal::FinanciallySupported => AppError::Conflict(detail),
        Refusal::CommentRequired { .. } => AppError::invalid("comment", detail),
    }
}

/// Moves a project along the SILK lifecycle (its lead or an administrator in scope); recorded
/// in the history.
///
/// # Errors
/// 404 hidden, 403 not the lead nor an administrator in charge, 422 an invalid note, 412
/// stale, 409 a step the lifecycle or the status does not allow.
pub async fn change_stage(
    app: &App,
    actor: &Actor,
    id: Uuid,
    expected: Option<&Expected>,
    to: Stage,
    note: Option<String>,
) -> Result<ProjectDetail, AppError> {
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::ChangeStage)?;
    let expected = required(expected)?;
    let note = comment(note, "note")?;
    let updated = retrying(|| async {
        let project = visible(app, Some(actor), id).await?;
        expected.check(project.version)?;
        let to = stage::enter(
            project.stage,
            to,
            project.status,
            project.follow_up.reported,
        )
        .map_err(|refusal| AppError::Conflict(refusal.to_string()))?;
        let now = app.now();
        let txn = app.store().begin_write().await?;
        let updated = projects::change_stage(&txn, &project, to, now)
            .await?
            .ok_or(AppError::Stale)?;
        let entry = HistoryEntry {
            at: now,
            actor_id: actor.id,
            actor_role: actor.role,
            change: Change::Stage {
                from: project.stage,
                to,
            },
            comment: note.clone(),
            batch: None,
            reasons: Vec::new(),
        };
        history::append(&txn, id, &entry).await?;
        txn.record(NewChange::project(
            ChangeType::ProjectStageChanged,
            &updated,
            now,
        ));
        txn.commit().await?;
        Ok::<_, AppError>(updated)
    })
    .await?;
    detail_in(app.store().reader(), updated, Some(actor)).await
}

/// Filters, order and position of a project list, as typed.
#[derive(Debug, Clone, Default)]
pub struct ListFilters {
    /// Programme code.
    pub programme: Option<String>,
    /// Territory id (its subtree).
    pub territory: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Theme code (of any programme).
    pub theme: Option<String>,
    /// Title search.
    pub q: Option<String>,
    /// Only this lead's projects (a lead's own space).
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

/// The most characters of a title search.
pub const SEARCH_MAX: usize = 200;

/// A title search: 1 to 200 characters, none of them a control or invisible character (titles
/// hold none); blanks only means no search.
///
/// # Errors
/// 422 on `q`.
pub fn title_search(q: Option<String>) -> Result<Option<String>, AppError> {
    match q {
        Some(q)
            if !(1..=SEARCH_MAX).contains(&q.chars().count())
                || q.chars()
                    .any(|c| c.is_control() || terrain_domain::text::is_invisible(c)) =>
        {
            Err(AppError::invalid(
                "q",
                "de 1 à 200 caractères, sans caractère de contrôle",
            ))
        }
        q => Ok(q.filter(|q| !q.trim().is_empty())),
    }
}

/// The filters checked against the reference data, as a query of the store.
///
/// # Errors
/// 422 on an unknown programme, territory or theme, or a bad search.
pub fn query(catalogue: &Catalogue, filters: ListFilters) -> Result<ProjectQuery, AppError> {
    let programme = catalogue.programme_filter("programme", filters.programme.as_deref())?;
    let territory = catalogue.territory_filter("territory", filters.territory.as_deref())?;
    if let Some(theme) = &filters.theme
        && !catalogue.knows_theme(theme)
    {
        return Err(AppError::invalid("theme", "thème inconnu"));
    }
    Ok(ProjectQuery {
        programme,
        territory,
        status: filters.status,
        stage: filters.stage,
        theme: filters.theme,
        q: title_search(filters.q)?,
        lead: filters.lead,
        sort: filters.sort,
        descending: filters.descending,
        after: filters.after,
        limit: filters.limit,
    })
}

/// One page of the projects `viewer` may see.
///
/// # Errors
/// 422 on a bad filter.
pub async fn list(
    app: &App,
    viewer: Option<&Actor>,
    filters: ListFilters,
) -> Result<terrain_persistence::repo::Page<Project>, AppError> {
    let query = query(&app.catalogue(), filters)?;
    Ok(projects::list(app.store().reader(), viewer, &query).await?)
}

/// The territory path of a project's territory, for callers holding a territory id.
pub fn path_of(catalogue: &Catalogue, territory: &str) -> Option<TerritoryPath> {
    catalogue.territory(territory).map(|t| t.path.clone())
}

/// Writes projects exactly as given (ids, statuses, dates: imports and the demonstration data
/// set), with their figures, in one transaction. `advanced` hears how many are written as it
/// goes.
///
/// # Errors
/// When the database fails (nothing is written then) or a figure would overflow.
pub async fn insert_as_given(
    app: &App,
    given: &[Project],
    advanced: &mut (dyn FnMut(u64) + Send),
) -> Result<(), AppError> {
    const BATCH: usize = 500;
    let txn = app.store().begin_write().await?;
    let mut delta = terrain_domain::stats::Delta::default();
    let at = app.now();
    for chunk in given.chunks(BATCH) {
        projects::insert_many(&txn, chunk).await?;
        for project in chunk {
            terrain_persistence::repo::stats::add_project(&mut delta, project, 1)?;
            txn.record(NewChange::project(ChangeType::ProjectCreated, project, at));
        }
        advanced(chunk.len() as u64);
    }
    terrain_persistence::repo::stats::apply(&txn, &delta).await?;
    txn.commit().await?;
    Ok(())
}

/// When each of `projects` (already read by the viewer) entered its current status, for lists
/// that say « Modifications demandées le … ».
///
/// # Errors
/// When the database fails.
pub async fn status_dates(
    app: &App,
    projects: &[Project],
) -> Result<std::collections::HashMap<Uuid, DateTime<Utc>>, AppError> {
    let keys: Vec<(Uuid, &str)> = projects.iter().map(|p| (p.id, p.status.as_str())).collect();
    Ok(history::entered_current_status(app.store().reader(), &keys).await?)
}

/// The projects of `ids` that `viewer` may see (for pages listing a batch's projects).
///
/// # Errors
/// When the database fails.
pub async fn visible_many(
    app: &App,
    viewer: Option<&Actor>,
    ids: &[Uuid],
) -> Result<Vec<Project>, AppError> {
    Ok(projects::find_many(app.store().reader(), ids)
        .await?
        .into_iter()
        .filter(|p| access::sees(viewer, p))
        .collect())
}
