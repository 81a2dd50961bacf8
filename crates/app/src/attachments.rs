//! Files attached to a project (SPEC §15): streamed to the object store as they arrive (never
//! held whole in memory), recognised from their content against an allow-list, hashed on the
//! way, counted against the project's quota in the transaction that records them; read and
//! downloaded by the lead and the administrators in charge; and a project's whole file as a
//! streamed zip archive.
//!
//! Order of writes: the object is completed under its final key, then its row is committed.
//! A crash in between leaves an object without a row, which nobody can reach and
//! [`sweep`] removes; a row never names a missing object. Removal goes the other way: the row
//! first, then the object.

use std::{collections::HashSet, io::Write};

use bytes::Bytes;
use futures::{Stream, StreamExt, stream::BoxStream};
use sha2::{Digest, Sha256};
use terrain_domain::{
    Actor, Attachment, FileKind, FileName,
    access::{self, Intent},
    conversation::{MAX_FILE_BYTES, PROJECT_QUOTA_BYTES, SNIFF_BYTES},
};
use terrain_persistence::repo::{attachments, history};
use uuid::Uuid;

use crate::{App, AppError, csv, projects};

fn quota_reached(used: u64) -> AppError {
    AppError::Conflict(format!(
        "Le projet a atteint sa limite de {} Mo de pièces jointes ({} Mo utilisés) : retirez-en avant d'en ajouter.",
        PROJECT_QUOTA_BYTES / 1_000_000,
        used.div_ceil(1_000_000)
    ))
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "Un fichier ne peut dépasser {} Mo.",
        MAX_FILE_BYTES / 1_000_000
    ))
}

/// Stores a file sent by `actor` for project `id`, as its bytes arrive from `body`.
///
/// # Errors
/// 404 when the actor does not take part in the project; 403 for its lead once it is no
/// longer editable; 415 when the content is not of an accepted kind; 413 past 20 MB; 409 past
/// the project's quota; the error of `body` when the upload breaks off. Nothing is kept then.
pub async fn upload<S>(
    app: &App,
    actor: &Actor,
    id: Uuid,
    name: Option<&str>,
    mut body: S,
) -> Result<Attachment, AppError>
where
    S: Stream<Item = Result<Bytes, AppError>> + Unpin,
{
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Attach)?;
    let used = attachments::used(app.store().reader(), id).await?;
    if used >= PROJECT_QUOTA_BYTES {
        return Err(quota_reached(used));
    }
    let room = PROJECT_QUOTA_BYTES - used;

    // Recognise the kind from the first bytes before anything is stored.
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.is_empty() {
        return Err(AppError::invalid("file", "Le fichier est vide."));
    }
    let kind = infer::get(&head)
        .and_then(|t| FileKind::from_sniffed(t.mime_type()))
        .ok_or_else(|| {
            AppError::UnsupportedMedia(format!(
                "Ce type de fichier n'est pas accepté : {} seulement, reconnus d'après leur contenu.",
                FileKind::ACCEPTED_FR
            ))
        })?;
    let limit = MAX_FILE_BYTES.min(room);
    let over = |size: u64| {
        if size > MAX_FILE_BYTES {
            too_large()
        } else {
            quota_reached(used + size)
        }
    };
    if head.len() as u64 > limit {
        return Err(over(head.len() as u64));
    }

    let file_id = Uuid::now_v7();
    let key = Attachment::object_key(id, file_id);
    let files = app.files();
    let mut upload = files.create(&key).await?;
    let mut hasher = Sha256::new();
    let mut size = head.len() as u64;
    hasher.update(&head);
    let streamed: Result<(), AppError> = async {
        upload.write(&head).await?;
        drop(std::mem::take(&mut head));
        while !ended {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    size += chunk.len() as u64;
                    if size > limit {
                        return Err(over(size));
                    }
                    hasher.update(&chunk);
                    upload.write(&chunk).await?;
                }
                None => ended = true,
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = streamed {
        upload.abort().await;
        return Err(error);
    }
    upload.finish().await?;

    let file = Attachment {
        id: file_id,
        project_id: id,
        name: FileName::from_client(name),
        size,
        kind,
        sha256: hex(&hasher.finalize()),
        uploaded_at: app.now(),
        uploaded_by: actor.id,
    };
    match record(app, actor, &file).await {
        Ok(()) => Ok(file),
        Err(error) => {
            if let Err(cleanup) = files.remove(&key).await {
                tracing::warn!(%cleanup, key, "a refused file stays for the sweeper");
            }
            Err(error)
        }
    }
}

/// Commits a stored file's row, the project still open to the actor and within its quota.
async fn record(app: &App, actor: &Actor, file: &Attachment) -> Result<(), AppError> {
    let txn = app.store().begin_write().await?;
    let project = projects::visible(app, Some(actor), file.project_id).await?;
    access::authorize(actor, &project, Intent::Attach)?;
    if !attachments::reserve(&txn, file.project_id, file.size, PROJECT_QUOTA_BYTES).await? {
        let used = attachments::used(&txn, file.project_id).await?;
        return Err(quota_reached(used + file.size));
    }
    attachments::insert(&txn, file).await?;
    txn.commit().await?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A project's files, oldest first.
///
/// # Errors
/// 404 when the actor does not take part in the project.
pub async fn list(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<Attachment>, AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    Ok(attachments::of_project(app.store().reader(), id)
        .await?
        .into_iter()
        .map(|(file, _)| file)
        .collect())
}

/// A file and its content, as it is read from storage.
///
/// # Errors
/// 404 when the actor does not take part in the project or the file is not one of its own.
pub async fn open(
    app: &App,
    actor: &Actor,
    id: Uuid,
    file: Uuid,
) -> Result<
    (
        Attachment,
        BoxStream<'static, Result<Bytes, std::io::Error>>,
    ),
    AppError,
> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    let (file, _) = attachments::find(app.store().reader(), id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    let content = app
        .files()
        .read(&Attachment::object_key(id, file.id))
        .await?;
    Ok((file, content))
}

/// Removes a file.
///
/// # Errors
/// 404 when hidden or unknown; 403 for anyone but the lead, or once the project is no longer
/// editable; 409 when it was sent with a message (messages are never changed).
pub async fn delete(app: &App, actor: &Actor, id: Uuid, file: Uuid) -> Result<(), AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    let (found, message) = attachments::find(app.store().reader(), id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    access::authorize(actor, &project, Intent::Detach)?;
    if message.is_some() {
        return Err(AppError::Conflict(
            "Ce fichier a été envoyé avec un message : il reste avec lui.".into(),
        ));
    }
    let txn = app.store().begin_write().await?;
    if !attachments::delete(&txn, found.id).await? {
        return Err(AppError::NotFound);
    }
    attachments::release(&txn, id, found.size).await?;
    txn.commit().await?;
    if let Err(error) = app
        .files()
        .remove(&Attachment::object_key(id, found.id))
        .await
    {
        tracing::warn!(%error, "a removed file's object stays for the sweeper");
    }
    Ok(())
}

/// Takes back a file just stored by `actor` when the request that sent it turns out to be
/// refused after all (a part the upload does not take followed the file).
///
/// # Errors
/// When the database fails.
pub async fn undo_upload(app: &App, actor: &Actor, file: &Attachment) -> Result<(), AppError> {
    if file.uploaded_by != actor.id {
        return Err(AppError::NotFound);
    }
    let txn = app.store().begin_write().await?;
    if attachments::delete(&txn, file.id).await? {
        attachments::release(&txn, file.project_id, file.size).await?;
    }
    txn.commit().await?;
    app.files()
        .remove(&Attachment::object_key(file.project_id, file.id))
        .await
}

/// Removes the objects a crash left without their row, once `older_than` old (the worker
/// waits [`crate::files::Files::ORPHAN_AFTER`], so that uploads under way are not touched); how many.
///
/// # Errors
/// When the storage or the database fails.
pub async fn sweep(app: &App, older_than: chrono::Duration) -> Result<usize, AppError> {
    let stored = app.files().stored_before(app.now() - older_than).await?;
    let mut removed = 0;
    for chunk in stored.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|(_, id)| *id).collect();
        let kept = attachments::existing(app.store().reader(), &ids).await?;
        for (key, id) in chunk {
            if !kept.contains(id) {
                app.files().remove(key).await?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Bytes of the archive as they are written, sent to the response through a small channel
/// (the zip writer is synchronous and runs on a blocking thread).
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

const ARCHIVE_CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(ARCHIVE_CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= ARCHIVE_CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// A name not yet taken in the archive: `devis.pdf`, then `devis (2).pdf`, …
fn unique(taken: &mut HashSet<String>, name: &str) -> String {
    let mut candidate = name.to_owned();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
            _ => format!("{name} ({n})"),
        };
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The project's whole file as a zip archive, written as it is sent: `projet.json` (what the
/// front door gives as `project_json`), `historique.csv`, and every attachment under
/// `pieces-jointes/`. Only the lead and the administrators in charge may take it (it holds
/// the files).
///
/// # Errors
/// 404 when the actor does not take part in the project.
pub async fn archive(
    app: &App,
    actor: &Actor,
    id: Uuid,
    project_json: Vec<u8>,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + use<>, AppError> {
    let project = projects::visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Converse)?;
    let entries = history::of_project(app.store().reader(), id).await?;
    let files = attachments::of_project(app.store().reader(), id).await?;
    let mut records = vec![
        [
            "date",
            "acteur",
            "role",
            "type",
            "action",
            "avant",
            "apres",
            "commentaire",
            "motifs",
            "lot",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for entry in &entries {
        records.push(vec![
            entry.at.to_rfc3339(),
            entry.actor_id.to_string(),
            entry.actor_role.as_str().to_owned(),
            entry.change.kind().to_owned(),
            entry.change.action().to_owned(),
            entry.change.from_code().unwrap_or_default(),
            entry.change.to_code().unwrap_or_default(),
            csv::neutralise(entry.comment.as_deref().unwrap_or_default()),
            terrain_domain::CorrectionReason::join(&entry.reasons),
            entry.batch.map(|b| b.to_string()).unwrap_or_default(),
        ]);
    }
    let history_csv = csv::encode(&records);
    let store = app.files().clone();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let runtime = tokio::runtime::Handle::current();
    let failure = sender.clone();
    tokio::task::spawn_blocking(move || {
        let written = (|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            let mut zip = zip::ZipWriter::new_stream(ChannelWriter {
                sender,
                buffer: Vec::with_capacity(ARCHIVE_CHUNK),
            });
            let deflated = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(false);
            zip.start_file("projet.json", deflated)?;
            zip.write_all(&project_json)?;
            zip.start_file("historique.csv", deflated)?;
            zip.write_all(&history_csv)?;
            let mut taken = HashSet::new();
            for (file, _) in &files {
                let name = unique(&mut taken, file.name.as_str());
                zip.start_file(format!("pieces-jointes/{name}"), stored)?;
                let mut content = runtime
                    .block_on(store.read(&Attachment::object_key(file.project_id, file.id)))?;
                while let Some(chunk) = runtime.block_on(content.next()) {
                    zip.write_all(&chunk?)?;
                }
            }
            let mut inner = zip.finish()?.into_inner();
            inner.flush()?;
            Ok(())
        })();
        if let Err(error) = written {
            tracing::warn!(%error, "the archive was cut short");
            // The client sees the body end with an error, not a truncated zip passed as whole.
            let _ = failure.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    Ok(tokio_stream(receiver))
}

fn tokio_stream(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_never_collide() {
        let mut taken = HashSet::new();
        assert_eq!(unique(&mut taken, "devis.pdf"), "devis.pdf");
        assert_eq!(unique(&mut taken, "devis.pdf"), "devis (2).pdf");
        assert_eq!(unique(&mut taken, "devis.pdf"), "devis (3).pdf");
        assert_eq!(unique(&mut taken, "notes"), "notes");
        assert_eq!(unique(&mut taken, "notes"), "notes (2)");
    }
}
