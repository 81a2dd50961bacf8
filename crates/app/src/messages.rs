//! A project's conversation between its lead and the administrators in charge (SPEC §15):
//! append-only, never shown to observers, never in exports, the feed or open data. A message
//! mails the other side through the outbox, in its transaction.

use std::collections::{HashMap, HashSet};

use terrain_domain::{
    Actor, Message,
    access::{self, Intent},
    conversation::{MAX_MESSAGE_ATTACHMENTS, MESSAGE_BODY},
};
use terrain_persistence::repo::{attachments, messages};
use uuid::Uuid;

use crate::{App, AppError, notify, projects};

/// A project's messages, oldest first.
///
/// # Errors
/// 404 when the actor does not take part in its conversation.
pub async fn list(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<Message>, AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    Ok(messages::of_project(app.store().reader(), id).await?)
}

/// Writes a message, carrying files the author attached to the project beforehand.
///
/// # Errors
/// 404 when the actor does not take part; 422 on the text or on a file that is not the
/// author's, not this project's, or already sent with another message.
pub async fn post(
    app: &App,
    actor: &Actor,
    id: Uuid,
    body: &str,
    files: &[Uuid],
) -> Result<Message, AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    let mut errors = terrain_domain::FieldErrors::new();
    if let Err(e) = MESSAGE_BODY.check(body) {
        errors.push("body", e.to_string());
    }
    let distinct: Vec<Uuid> = {
        let mut seen = HashSet::new();
        files.iter().copied().filter(|f| seen.insert(*f)).collect()
    };
    if distinct.len() > MAX_MESSAGE_ATTACHMENTS {
        errors.push(
            "attachment_ids",
            format!("Au plus {MAX_MESSAGE_ATTACHMENTS} pièces jointes par message."),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = app.now();
    let txn = app.store().begin_write().await?;
    let message_id = messages::insert(&txn, id, actor, body, now).await?;
    let joined = attachments::join_message(&txn, id, actor.id, &distinct, message_id).await?;
    if joined != distinct.len() as u64 {
        return Err(AppError::invalid(
            "attachment_ids",
            "Une pièce jointe est inconnue, d'un autre projet ou d'une autre personne, ou déjà envoyée avec un message.",
        ));
    }
    let message = messages::of_project(&txn, id)
        .await?
        .into_iter()
        .find(|m| m.id == message_id)
        .ok_or(AppError::NotFound)?;
    let names: HashMap<Uuid, String> = attachments::of_project(&txn, id)
        .await?
        .into_iter()
        .map(|(file, _)| (file.id, file.name.as_str().to_owned()))
        .collect();
    let file_names: Vec<String> = message
        .attachments
        .iter()
        .filter_map(|f| names.get(f).cloned())
        .collect();
    messages::mark_read(&txn, actor.id, id, now).await?;
    notify::message(app, &txn, &project, &message, &file_names, now).await?;
    txn.commit().await?;
    app.outbox_written();
    Ok(message)
}

/// The actor has read the project's conversation (its page was shown to them).
///
/// # Errors
/// 404 when the actor does not take part.
pub async fn mark_read(app: &App, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    let txn = app.store().begin_write().await?;
    messages::mark_read(&txn, actor.id, id, app.now()).await?;
    txn.commit().await?;
    Ok(())
}

/// The messages the actor has not read yet, by project.
///
/// # Errors
/// When the database fails.
pub async fn unread(app: &App, actor: &Actor) -> Result<HashMap<Uuid, u64>, AppError> {
    Ok(messages::unread(app.store().reader(), actor).await?)
}
