use axum::{Json, extract::State, http::StatusCode};
use terrain_app::{funding, projects};
use uuid::Uuid;

use crate::{
    auth::{AdminUser, MaybeUser},
    dto::funding::{CreateSupportRequest, SupportList, SupportView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    state::AppState,
};

/// Records a support decision on a validated project (administrators in scope). Financial
/// support commits money on a fund of the project's programme that covers its territory;
/// granting more than remains is refused with 409.
#[utoipa::path(post, path = "/projects/{id}/supports", tag = "funding", request_body = CreateSupportRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Soutien enregistré.", body = SupportView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs, et aux fonds que couvre leur périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, invisible, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou enveloppe insuffisante.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(project = %id))]
pub(super) async fn create_support(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CreateSupportRequest>,
) -> Result<(StatusCode, Json<SupportView>), ApiError> {
    let support = funding::grant(&state.app, &admin.actor(), id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(support.into())))
}

/// The supports a project received, oldest first (whoever may see the project).
#[utoipa::path(get, path = "/projects/{id}/supports", tag = "funding",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les soutiens.", body = SupportList),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_supports(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SupportList>, ApiError> {
    let items = projects::supports(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(SupportList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
