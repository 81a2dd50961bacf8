//! `/projects/{id}/attachments` and `/projects/{id}/archive.zip`: files attached to a project,
//! streamed in and out (the upload is the one route allowed past the 64 KiB body limit), and
//! the project's whole file as a zip.

use axum::{
    Json,
    body::Body,
    extract::{Multipart, State, multipart::MultipartError},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use terrain_app::{AppError, attachments};
use uuid::Uuid;

use crate::{
    auth::AuthUser,
    dto::{
        conversation::{AttachmentView, AttachmentsView, FileBytes, UploadForm},
        projects::ProjectView,
    },
    error::{ApiError, Problem},
    extract::ApiPath,
    reply::Created,
    state::AppState,
};

fn broken(error: &MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("Le corps de la requête dépasse la taille permise.".into())
    } else {
        AppError::invalid(
            "file",
            format!(
                "Le fichier n'a pas été reçu en entier : {}",
                error.body_text()
            ),
        )
    }
}

/// Attaches a file (multipart, one part named `file`, at most 20 MB): by the lead while the
/// project is editable, by administrators in charge at any time. Its type is recognised from
/// its content.
#[utoipa::path(post, path = "/projects/{id}/attachments", tag = "messages",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Fichier enregistré.", body = AttachmentView),
        (status = 400, description = "Corps multipart illisible.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Le projet n'est plus modifiable par son porteur, ou jeton en lecture seule.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, ou dont vous ne suivez pas la conversation.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Le projet a atteint sa limite de 100 Mo.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Fichier de plus de 20 Mo.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Type de fichier non accepté.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Pas de partie « file », fichier vide ou interrompu.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn upload_attachment(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    mut multipart: Multipart,
) -> Result<Created<AttachmentView>, ApiError> {
    let unknown = |name: &str| {
        ApiError::invalid(
            name.to_owned(),
            "Seule une partie nommée « file » est attendue.",
        )
    };
    let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::from(broken(&e)))?
    else {
        return Err(ApiError::invalid(
            "file",
            "Envoyez le fichier dans une partie nommée « file ».",
        ));
    };
    if field.name() != Some("file") {
        return Err(unknown(field.name().unwrap_or_default()));
    }
    let name = field.file_name().map(str::to_owned);
    let body = Box::pin(field.map(|chunk| chunk.map_err(|e| broken(&e))));
    let actor = user.actor();
    let file = attachments::upload(&state.app, &actor, id, name.as_deref(), body).await?;
    // The file is the only part: anything after it refuses the whole request.
    let next = multipart.next_field().await;
    if !matches!(next, Ok(None)) {
        let part = match &next {
            Ok(Some(field)) => field.name().unwrap_or_default().to_owned(),
            _ => "file".to_owned(),
        };
        drop(next);
        attachments::undo_upload(&state.app, &actor, &file).await?;
        return Err(unknown(&part));
    }
    Ok(Created {
        location: format!("/api/v1/projects/{id}/attachments/{}", file.id),
        version: None,
        body: file.into(),
    })
}

/// The project's files, oldest first (its lead and the administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/attachments", tag = "messages",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les fichiers.", body = AttachmentsView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, ou dont vous ne suivez pas la conversation.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_attachments(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AttachmentsView>, ApiError> {
    let files = attachments::list(&state.app, &user.actor(), id).await?;
    Ok(Json(AttachmentsView {
        items: files.into_iter().map(Into::into).collect(),
    }))
}

/// `attachment; filename="…"` with an ASCII fallback and the exact name in RFC 5987 form.
fn disposition(name: &str) -> HeaderValue {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// A download: the content as stored, never to be displayed inline nor sniffed.
pub(crate) fn download(name: &str, content_type: &str, size: Option<u64>, body: Body) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition(name));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(size) = size {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    response
}

/// Downloads a file, as an attachment (its lead and the administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/attachments/{attachment_id}", tag = "messages",
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("attachment_id" = Uuid, Path, description = "Identifiant du fichier"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le fichier, tel qu'envoyé.",
            content(
                (FileBytes = "application/pdf"), (FileBytes = "image/png"), (FileBytes = "image/jpeg"),
                (FileBytes = "application/vnd.oasis.opendocument.text"),
                (FileBytes = "application/vnd.oasis.opendocument.spreadsheet"),
                (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Fichier ou projet inconnu, ou conversation que vous ne suivez pas.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn download_attachment(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, attachment_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (file, content) = attachments::open(&state.app, &user.actor(), id, attachment_id).await?;
    Ok(download(
        file.name.as_str(),
        file.kind.as_str(),
        Some(file.size),
        Body::from_stream(content),
    ))
}

/// Removes a file: by the lead, while the project is editable, unless it was sent with a
/// message.
#[utoipa::path(delete, path = "/projects/{id}/attachments/{attachment_id}", tag = "messages",
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("attachment_id" = Uuid, Path, description = "Identifiant du fichier"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Fichier retiré."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Seul le porteur retire un fichier, tant que le projet est modifiable.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Fichier ou projet inconnu.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Fichier envoyé avec un message.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn delete_attachment(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, attachment_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    attachments::delete(&state.app, &user.actor(), id, attachment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The project's whole file as a zip, written as it is sent: `projet.json` (as
/// `GET /projects/{id}` answers), `historique.csv`, and `pieces-jointes/` (its lead and the
/// administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/archive.zip", tag = "messages",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "L'archive.", content((FileBytes = "application/zip"))),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, ou conversation que vous ne suivez pas.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn download_archive(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let detail = terrain_app::projects::get(&state.app, Some(&actor), id).await?;
    let json = serde_json::to_vec_pretty(&ProjectView::from(detail))
        .map_err(|e| ApiError::Internal(e.into()))?;
    let zip = attachments::archive(&state.app, &actor, id, json).await?;
    Ok(download(
        &format!("projet-{id}.zip"),
        "application/zip",
        None,
        Body::from_stream(zip),
    ))
}
