//! Batches of decisions (SPEC §16): up to 500 projects decided one transaction each — its
//! history entry carrying the batch id, its mails, its outcome recorded with the decision — in
//! the background, so that the write lock is never held for the whole batch and other
//! requests go on. A project out of scope or in the wrong status is skipped with the reason;
//! it never stops the others. A batch survives a restart: its worker holds a lease, and an
//! unfinished batch whose lease ran out is taken up again where it stopped.

use std::collections::HashSet;

use chrono::Duration;
use terrain_domain::{
    Actor, Role,
    review::{Batch, BatchAction, MAX_BATCH, Outcome},
};
use terrain_persistence::repo::{batches, templates, users};
use uuid::Uuid;

use crate::{
    App, AppError, Expected,
    idempotency::{self, Once, Outcome as Once_},
    projects, review,
};

/// The scope of the idempotency keys of batches.
const KEYS: &str = "batches";

/// How long a worker holds a batch before another may take it up.
const LEASE: Duration = Duration::seconds(60);

/// A batch as asked for.
#[derive(Debug, Clone)]
pub struct BatchInput {
    /// What to do.
    pub action: BatchAction,
    /// To which projects.
    pub project_ids: Vec<Uuid>,
    /// The comment of each decision.
    pub comment: Option<String>,
    /// A template whose text is the comment, when no comment is given.
    pub template_id: Option<Uuid>,
}

/// Asks for a batch; it runs in the background.
///
/// # Errors
/// 403 for anyone but an administrator; 422 for no project, more than 500, a bad comment or
/// an unknown template (or one of another action).
pub async fn create(
    app: &App,
    actor: &Actor,
    input: BatchInput,
    once: Option<&Once<'_, Batch>>,
) -> Result<Once_<Batch>, AppError> {
    if actor.role != Role::Admin {
        return Err(AppError::Forbidden(
            "Les lots de décisions sont réservés aux administrateurs.".into(),
        ));
    }
    if let Some(stored) = idempotency::prior(app, actor.id, KEYS, once).await? {
        return Ok(Once_::Replayed(stored));
    }
    if input.project_ids.is_empty() {
        return Err(AppError::invalid("project_ids", "au moins un projet"));
    }
    if input.project_ids.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "project_ids",
            format!("au plus {MAX_BATCH} projets par lot"),
        ));
    }
    let mut seen = HashSet::new();
    let ids: Vec<Uuid> = input
        .project_ids
        .into_iter()
        .filter(|id| seen.insert(*id))
        .collect();
    let mut comment = crate::comment(input.comment, "comment")?;
    if let Some(template) = input.template_id {
        let found = templates::find(app.store().reader(), template)
            .await?
            .filter(|t| Some(t.action) == input.action.action())
            .ok_or_else(|| {
                AppError::invalid(
                    "template_id",
                    "aucun modèle de cette décision ne porte cet identifiant",
                )
            })?;
        comment = comment.or(Some(found.body));
    }
    let action = input.action;
    let outcome = idempotency::run(app, actor.id, KEYS, once, || async {
        let txn = app.store().begin_write().await?;
        let id =
            batches::insert(&txn, actor.id, action, comment.as_deref(), &ids, app.now()).await?;
        let batch = batches::find(&txn, id).await?.ok_or(AppError::NotFound)?;
        Ok((txn, batch))
    })
    .await?;
    app.batch_written();
    Ok(outcome)
}

/// A batch and the outcome of each of its projects (its author, or a national administrator).
///
/// # Errors
/// 404 unknown, or another administrator's.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<Batch, AppError> {
    let batch = batches::find(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let national = actor.role == Role::Admin && actor.scope.is_national();
    if batch.actor_id == actor.id || national {
        Ok(batch)
    } else {
        Err(AppError::NotFound)
    }
}

/// Why a project of a batch was not decided, in French.
fn skipped(error: &AppError) -> Option<String> {
    match error {
        AppError::NotFound => Some("projet introuvable ou hors de votre périmètre".into()),
        AppError::Forbidden(reason) | AppError::Conflict(reason) => Some(reason.clone()),
        AppError::Invalid(fields) => Some(fields.to_string()),
        AppError::Stale => Some("le projet a changé pendant le lot".into()),
        _ => None,
    }
}

/// Works through one batch whose lease is free, if any; returns whether there was one.
///
/// # Errors
/// When the database fails (the batch is then taken up again later).
pub async fn work_one(app: &App) -> Result<bool, AppError> {
    let now = app.now();
    let txn = app.store().begin_write().await?;
    let claimed = batches::claim(&txn, now, now + LEASE).await?;
    txn.commit().await?;
    let Some(id) = claimed else {
        return Ok(false);
    };
    let batch = batches::find(app.store().reader(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = users::find(app.store().reader(), batch.actor_id)
        .await?
        .filter(|u| !u.disabled && u.role == Role::Admin)
        .map(|u| Actor::from(&u));
    loop {
        let items = batches::pending_items(app.store().reader(), id, 50).await?;
        if items.is_empty() {
            break;
        }
        for (position, project) in items {
            let Some(actor) = &author else {
                record(
                    app,
                    id,
                    position,
                    Outcome::Skipped,
                    Some("le compte qui a demandé le lot n'est plus actif"),
                )
                .await?;
                continue;
            };
            let result = match batch.action.action() {
                Some(action) => projects::decide(
                    app,
                    actor,
                    project,
                    Some(&Expected::Any),
                    action,
                    projects::Remark {
                        comment: batch.comment.clone(),
                        reasons: Vec::new(),
                    },
                    Some((id, position)),
                )
                .await
                .map(|_| ()),
                None => follow(app, actor, id, position, project).await,
            };
            match result {
                Ok(()) => {}
                Err(error @ (AppError::Unavailable(_) | AppError::Busy)) => return Err(error),
                Err(error) => match skipped(&error) {
                    Some(reason) => {
                        record(app, id, position, Outcome::Skipped, Some(&reason)).await?
                    }
                    None => {
                        tracing::error!(batch = %id, %project, error = format!("{error:#}"), "batch item failed");
                        record(
                            app,
                            id,
                            position,
                            Outcome::Failed,
                            Some("erreur inattendue, enregistrée"),
                        )
                        .await?;
                    }
                },
            }
        }
        let txn = app.store().begin_write().await?;
        batches::extend(&txn, id, app.now() + LEASE).await?;
        txn.commit().await?;
    }
    let txn = app.store().begin_write().await?;
    batches::finish(&txn, id, app.now()).await?;
    txn.commit().await?;
    Ok(true)
}

async fn record(
    app: &App,
    batch: Uuid,
    position: i32,
    outcome: Outcome,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let txn = app.store().begin_write().await?;
    batches::record(&txn, batch, position, outcome, reason).await?;
    txn.commit().await?;
    Ok(())
}

/// The author of the batch follows one of its projects (skipped when out of its scope).
async fn follow(
    app: &App,
    actor: &Actor,
    batch: Uuid,
    position: i32,
    project: Uuid,
) -> Result<(), AppError> {
    let found = projects::visible(app, Some(actor), project).await?;
    terrain_domain::access::authorize(actor, &found, terrain_domain::access::Intent::Review)?;
    let txn = app.store().begin_write().await?;
    let changed =
        review::set_following(&txn, actor, project, actor.id, true, Some(batch), app.now()).await?;
    let reason = (!changed).then_some("vous suivez déjà ce projet");
    let outcome = if changed {
        Outcome::Done
    } else {
        Outcome::Skipped
    };
    batches::record(&txn, batch, position, outcome, reason).await?;
    txn.commit().await?;
    Ok(())
}
