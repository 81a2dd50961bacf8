//! `/projects/{id}/followers`: the administrators who follow a project (SPEC §16). Following
//! is recorded in the history and does not change the project's version.

use axum::{Json, extract::State};
use terrain_app::review;
use uuid::Uuid;

use crate::{
    auth::AdminUser,
    dto::review::FollowersView,
    error::{ApiError, Problem},
    extract::ApiPath,
    state::AppState,
};

fn view(users: Vec<terrain_domain::User>) -> Json<FollowersView> {
    Json(FollowersView {
        items: users.into_iter().map(Into::into).collect(),
    })
}

/// The administrators following the project (administrators in charge).
#[utoipa::path(get, path = "/projects/{id}/followers", tag = "review",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les administrateurs qui suivent le projet.", body = FollowersView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_followers(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<FollowersView>, ApiError> {
    Ok(view(
        review::followers(&state.app, &admin.actor(), id).await?,
    ))
}

/// An administrator in charge follows the project, or has a colleague in charge follow it.
#[utoipa::path(put, path = "/projects/{id}/followers/{account_id}", tag = "review",
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("account_id" = Uuid, Path, description = "Identifiant du compte qui suit"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les administrateurs qui suivent le projet.", body = FollowersView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Ce compte n'administre pas ce projet.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_follower(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath((id, account)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<FollowersView>, ApiError> {
    Ok(view(
        review::follow(&state.app, &admin.actor(), id, account, true).await?,
    ))
}

/// The account stops following the project.
#[utoipa::path(delete, path = "/projects/{id}/followers/{account_id}", tag = "review",
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("account_id" = Uuid, Path, description = "Identifiant du compte"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les administrateurs qui suivent le projet.", body = FollowersView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn remove_follower(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath((id, account)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<FollowersView>, ApiError> {
    Ok(view(
        review::follow(&state.app, &admin.actor(), id, account, false).await?,
    ))
}
