//! A project's conversation between its lead and the administrators in charge (SPEC §15):
//! append-only, never shown to observers, never in exports, the feed or open data. A message
//! mails the other side through the outbox, in its transaction.

use std::collections::{HashMap, HashSet};

use terrain_domain::{
    Actor, Attachment, Message, Project,
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

/// The conversation and files of `project` (already read by the caller) as its page shows them
/// to the actor, who has read it from now on. The read mark is written only when someone else
/// wrote since the last one, so showing a page is not a write every time.
///
/// # Errors
/// 404 when the actor does not take part.
pub async fn shown(
    app: &App,
    actor: &Actor,
    project: &Project,
) -> Result<(Vec<Message>, Vec<Attachment>), AppError> {
    access::authorize(actor, project, Intent::Converse)?;
    let conn = app.store().reader();
    let list = messages::of_project(conn, project.id).await?;
    let files = attachments::of_project(conn, project.id)
        .await?
        .into_iter()
        .map(|(file, _)| file)
        .collect();
    let newest_other = list
        .iter()
        .filter(|m| m.author_id != actor.id)
        .map(|m| m.at)
        .max();
    if let Some(newest) = newest_other
        && messages::read_at(conn, actor.id, project.id)
            .await?
            .is_none_or(|read| read < newest)
    {
        let txn = app.store().begin_write().await?;
        messages::mark_read(&txn, actor.id, project.id, app.now()).await?;
        txn.commit().await?;
    }
    Ok((list, files))
}

/// The messages the actor has not read yet, by project.
///
/// # Errors
/// When the database fails.
pub async fn unread(app: &App, actor: &Actor) -> Result<HashMap<Uuid, u64>, AppError> {
    Ok(messages::unread(app.store().reader(), actor).await?)
}
