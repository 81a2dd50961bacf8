//! The messages and files of a project (SPEC §15) on the lead's and the reviewer's pages: the
//! conversation, oldest first, with its files; the form to write (a file may come with the
//! message); the project's files with their download links, the upload form and, for the lead
//! while the project is editable, the removal buttons. Forms work without JavaScript: a
//! multipart form whose CSRF token comes first, checked before the file is read.

use axum::{
    body::Body,
    extract::{Multipart, multipart::MultipartError},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use maud::{Markup, html};
use terrain_app::{AppError, attachments, messages};
use terrain_domain::{
    Actor, Attachment, CorrectionReason, HistoryEntry, Message, Project, Role, Status,
    access::{self, Intent},
    conversation::{self, MAX_FILE_BYTES, MESSAGE_BODY},
    fr,
};
use uuid::Uuid;

use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, token},
    session::SignedIn,
};

/// What the section shows.
#[derive(Debug)]
pub(super) struct Conversation {
    messages: Vec<Message>,
    files: Vec<Attachment>,
    may_attach: bool,
    may_detach: bool,
}

/// The conversation and files of `project` for `actor`, marked read as they are shown.
pub(super) async fn load(
    state: &WebState,
    actor: &Actor,
    project: &Project,
) -> Result<Conversation, PageError> {
    let (messages, files) = messages::shown(&state.app, actor, project).await?;
    Ok(Conversation {
        messages,
        files,
        may_attach: access::authorize(actor, project, Intent::Attach).is_ok(),
        may_detach: access::authorize(actor, project, Intent::Detach).is_ok(),
    })
}

fn size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = bytes.div_ceil(100_000);
        format!("{},{} Mo", tenths / 10, tenths % 10)
    } else {
        format!("{} ko", bytes.div_ceil(1_000).max(1))
    }
}

fn author(message: &Message) -> String {
    match message.author_role {
        Role::Lead => format!("{} (porteur)", message.author_name),
        _ => format!("{} (instruction)", message.author_name),
    }
}

/// The section: `base` is the page's path (`/espace/projets/{id}` or
/// `/instruction/projets/{id}`); `errors` and `draft` those of the last post.
pub(super) fn section(
    conversation: &Conversation,
    base: &str,
    csrf: &str,
    errors: &FormErrors,
    draft: &str,
) -> Markup {
    let name_of = |id: &Uuid| {
        conversation
            .files
            .iter()
            .find(|f| f.id == *id)
            .map(|f| f.name.as_str().to_owned())
    };
    let in_message: Vec<Uuid> = conversation
        .messages
        .iter()
        .flat_map(|m| m.attachments.iter().copied())
        .collect();
    html! {
        section #messages aria-labelledby="h-messages" {
            h2 #h-messages { "Messages" }
            p.hint { "Entre le porteur et l'instruction : les observateurs ne les voient pas, ils ne figurent dans aucun export." }
            @if conversation.messages.is_empty() {
                p { "Aucun message pour l'instant." }
            } @else {
                ol.messages {
                    @for message in &conversation.messages {
                        li {
                            p.meta {
                                strong { (author(message)) } " — "
                                time datetime=(message.at.to_rfc3339()) { (fr::datetime(message.at)) }
                            }
                            @for paragraph in message.body.split("\n\n") {
                                p { @for (i, line) in paragraph.lines().enumerate() { @if i > 0 { br; } (line) } }
                            }
                            @if !message.attachments.is_empty() {
                                ul.files {
                                    @for id in &message.attachments {
                                        @if let Some(name) = name_of(id) {
                                            li { a href=(format!("{base}/pieces/{id}")) download { (name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.stack method="post" action=(format!("{base}/messages#messages")) enctype="multipart/form-data" novalidate {
                (token(csrf))
                (Field::new("body", "Votre message", errors).required().textarea(draft, 4))
                (file_field(errors, "file-m", "Joindre un fichier (facultatif)"))
                button type="submit" { "Envoyer le message" }
            }
        }
        section #pieces aria-labelledby="h-pieces" {
            h2 #h-pieces { "Pièces jointes" }
            @if conversation.files.is_empty() {
                p { "Aucune pièce jointe." }
            } @else {
                ul.files {
                    @for file in &conversation.files {
                        li {
                            a href=(format!("{base}/pieces/{}", file.id)) download { (file.name.as_str()) }
                            " — " (size(file.size)) ", " (file.kind.extension().to_uppercase())
                            ", ajoutée le " (fr::datetime(file.uploaded_at))
                            @if conversation.may_detach && !in_message.contains(&file.id) {
                                form.inline method="post" action=(format!("{base}/pieces/{}/suppression#pieces", file.id)) {
                                    (token(csrf))
                                    button.secondary.small type="submit" aria-label=(format!("Retirer {}", file.name.as_str())) { "Retirer" }
                                }
                            }
                        }
                    }
                }
            }
            @if conversation.may_attach {
                form.stack method="post" action=(format!("{base}/pieces#pieces")) enctype="multipart/form-data" novalidate {
                    (token(csrf))
                    (file_field(errors, "file", "Ajouter un fichier"))
                    button.secondary type="submit" { "Ajouter la pièce jointe" }
                }
            } @else {
                @if let Some(error) = errors.get("file") {
                    div.warning role="alert" { p { (error) } }
                }
                p.hint { "Le projet n'est plus modifiable : envoyez un fichier avec un message." }
            }
        }
    }
}

fn file_field(errors: &FormErrors, name: &str, label: &str) -> Markup {
    let hint = format!(
        "{}, {} Mo au plus ; son type est reconnu d'après son contenu.",
        terrain_domain::FileKind::ACCEPTED_FR,
        MAX_FILE_BYTES / 1_000_000
    );
    let error = errors.get(name);
    let id = format!("f-{name}");
    html! {
        div.field.error[error.is_some()] {
            label for=(id) { (label) }
            p.hint id=(format!("{id}-hint")) { (hint) }
            @if let Some(message) = error {
                p.error-message id=(format!("{id}-error")) { (message) }
            }
            input type="file" id=(id) name="file"
                accept=".pdf,.png,.jpg,.jpeg,.odt,.ods,.docx,.xlsx"
                aria-describedby=(if error.is_some() { format!("{id}-hint {id}-error") } else { format!("{id}-hint") })
                aria-invalid=[error.map(|_| "true")];
        }
    }
}

/// The open request for changes of a project in `changes_requested`: its reasons and comment.
pub(super) fn open_request(project: &Project, history: &[HistoryEntry]) -> Markup {
    let request = conversation::corrections(history)
        .into_iter()
        .rev()
        .find(|c| c.answered_at.is_none());
    html! {
        @if let (Status::ChangesRequested, Some(request)) = (project.status, request) {
            div.warning role="note" {
                p { strong { "La commission demande des modifications" } " (le " (fr::datetime(request.requested_at)) ")." }
                @if !request.reasons.is_empty() {
                    p { "Motifs : " (reasons(&request.reasons)) "." }
                }
                @if let Some(comment) = &request.comment { blockquote { (comment) } }
                p { "Corrigez le projet, joignez au besoin les pièces demandées, puis déposez-le à nouveau : votre dépôt répondra à cette demande." }
            }
        }
    }
}

/// Reasons in French, joined.
pub(super) fn reasons(list: &[CorrectionReason]) -> String {
    list.iter()
        .map(|r| r.label_fr())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the multipart form of a message or an upload came with.
#[derive(Debug, Default)]
pub(super) struct Posted {
    /// The message, as typed (kept for the page when something is refused).
    pub draft: String,
    /// The errors to show next to the fields.
    pub errors: FormErrors,
}

fn broken(error: &MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!(
            "Un fichier ne peut dépasser {} Mo.",
            MAX_FILE_BYTES / 1_000_000
        ))
    } else {
        AppError::invalid(
            "file",
            "Le fichier n'a pas été reçu en entier : recommencez.",
        )
    }
}

/// Where the refusal of a use case goes on the form; a hidden project stays a 404 page.
fn place(error: AppError, field: &str, errors: &mut FormErrors) -> Result<(), PageError> {
    match error {
        AppError::Invalid(fields) => {
            for e in fields.errors() {
                let name = if e.field == "body" { "body" } else { field };
                errors.push(name, &e.message);
            }
        }
        AppError::TooLarge(reason)
        | AppError::UnsupportedMedia(reason)
        | AppError::Conflict(reason)
        | AppError::Forbidden(reason) => errors.push(field, &reason),
        other => return Err(other.into()),
    }
    Ok(())
}

/// Reads a message form (`csrf`, `body`, then an optional `file`) or an upload form (`csrf`,
/// `file`), and does what it asks: the file is stored first, then the message carrying it.
pub(super) async fn receive(
    state: &WebState,
    signed: &SignedIn,
    id: Uuid,
    mut multipart: Multipart,
    with_message: bool,
) -> Result<Posted, PageError> {
    let actor = signed.actor();
    let file_field = if with_message { "file-m" } else { "file" };
    let mut posted = Posted::default();
    let mut checked = false;
    let mut file_id = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                place(broken(&e), file_field, &mut posted.errors)?;
                return Ok(posted);
            }
        };
        match field.name().unwrap_or_default() {
            "csrf" => {
                let value = field.text().await.map_err(|_| PageError::BadToken)?;
                signed.viewer.check(&value)?;
                checked = true;
            }
            _ if !checked => return Err(PageError::BadToken),
            "body" if with_message => {
                posted.draft = field.text().await.unwrap_or_default();
                if let Err(e) = MESSAGE_BODY.check(&posted.draft) {
                    posted.errors.push("body", &e.to_string());
                    return Ok(posted);
                }
            }
            "file" => {
                let name = field.file_name().map(str::to_owned);
                if name.as_deref().is_none_or(str::is_empty) {
                    // No file chosen: browsers send an empty part.
                    continue;
                }
                let body = Box::pin(field.map(|chunk| chunk.map_err(|e| broken(&e))));
                match attachments::upload(&state.app, &actor, id, name.as_deref(), body).await {
                    Ok(file) => file_id = Some(file.id),
                    Err(error) => {
                        place(error, file_field, &mut posted.errors)?;
                        return Ok(posted);
                    }
                }
            }
            _ => {}
        }
    }
    if !checked {
        return Err(PageError::BadToken);
    }
    if with_message {
        let files: Vec<Uuid> = file_id.into_iter().collect();
        if let Err(error) = messages::post(&state.app, &actor, id, &posted.draft, &files).await {
            place(error, file_field, &mut posted.errors)?;
        }
    } else if file_id.is_none() && posted.errors.is_empty() {
        posted
            .errors
            .push("file", "Choisissez un fichier à ajouter.");
    }
    Ok(posted)
}

/// A file of the project, downloaded as an attachment and never sniffed.
pub(super) async fn download(
    state: &WebState,
    signed: &SignedIn,
    id: Uuid,
    file: Uuid,
) -> Result<Response, PageError> {
    let (file, content) = attachments::open(&state.app, &signed.actor(), id, file).await?;
    let mut response = Body::from_stream(content).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.kind.as_str()),
    );
    let encoded = percent_encoding::utf8_percent_encode(
        file.name.as_str(),
        percent_encoding::NON_ALPHANUMERIC,
    );
    let fallback = format!("fichier.{}", file.kind.extension());
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    Ok(response)
}
