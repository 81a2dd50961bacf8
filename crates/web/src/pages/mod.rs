//! The pages, one module per subject; each handler extracts, calls a use case and renders.

mod about;
mod account;
mod accounts;
mod conversation;
pub mod dashboard;
mod event_form;
mod follow_up;
mod funds;
mod instruction;
mod oidc;
mod open_data;
mod password;
mod programmes;
mod project;
mod project_form;
mod public_project;
mod review_project;
mod space;
mod tokens;

use axum::{
    Router,
    extract::{FromRequestParts, Path},
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use terrain_app::sessions;
use uuid::Uuid;

use crate::{WebState, assets, error::PageError, session::SignedIn};

/// Every page.
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(dashboard::show_dashboard))
        .route("/accessibilite", get(about::show_accessibility))
        .route("/donnees", get(open_data::show_open_data))
        .route(
            "/donnees/projets-valides.csv",
            get(open_data::validated_projects),
        )
        .route("/donnees/evenements.csv", get(open_data::events))
        .route(
            "/donnees/indicateurs-territoires.csv",
            get(open_data::indicators),
        )
        .route("/donnees/datapackage.json", get(open_data::datapackage))
        .route(
            "/connexion",
            get(account::show_sign_in).post(account::sign_in),
        )
        .route("/deconnexion", post(account::sign_out))
        .route("/auth/oidc/login", get(oidc::start_sign_in))
        .route("/auth/oidc/callback", get(oidc::finish_sign_in))
        .route(
            "/inscription",
            get(account::show_registration).post(account::register),
        )
        .route(
            "/mot-de-passe-oublie",
            get(password::show_request).post(password::request_link),
        )
        .route(
            "/mot-de-passe-oublie/{jeton}",
            get(password::show_reset).post(password::reset),
        )
        .route("/espace", get(space::show_space))
        .route(
            "/espace/jetons",
            get(tokens::show_tokens).post(tokens::create_token),
        )
        .route("/espace/jetons/{id}/revocation", post(tokens::revoke_token))
        .route(
            "/espace/projets/nouveau",
            get(project_form::show_new_project).post(project_form::create_project),
        )
        .route("/espace/projets/{id}", get(project::show_project))
        .route(
            "/espace/projets/{id}/modifier",
            get(project_form::show_edit_project).post(project_form::update_project),
        )
        .route("/espace/projets/{id}/depot", post(project::submit_project))
        .route("/espace/projets/{id}/messages", post(project::post_message))
        .route("/espace/projets/{id}/pieces", post(project::upload_file))
        .route(
            "/espace/projets/{id}/pieces/{file}",
            get(project::download_file),
        )
        .route(
            "/espace/projets/{id}/pieces/{file}/suppression",
            post(project::delete_file),
        )
        .route(
            "/espace/projets/{id}/retrait",
            post(project::withdraw_project),
        )
        .route("/espace/projets/{id}/etape", post(project::change_stage))
        .route(
            "/espace/projets/{id}/resultats/{what}",
            post(project::record_follow_up),
        )
        .route("/projets/{id}", get(public_project::show_public_project))
        .route(
            "/espace/evenements/nouveau",
            get(event_form::show_new_event).post(event_form::record_event),
        )
        .route("/instruction", get(instruction::show_queue))
        .route("/instruction/lot", post(instruction::create_batch))
        .route("/instruction/lots/{id}", get(instruction::show_batch))
        .route(
            "/instruction/projets/{id}",
            get(review_project::show_project),
        )
        .route(
            "/instruction/projets/{id}/decision",
            post(review_project::decide),
        )
        .route(
            "/instruction/projets/{id}/soutien",
            post(review_project::grant),
        )
        .route(
            "/instruction/projets/{id}/suivi",
            post(review_project::follow),
        )
        .route(
            "/instruction/projets/{id}/notes",
            post(review_project::add_note),
        )
        .route(
            "/instruction/projets/{id}/messages",
            post(review_project::post_message),
        )
        .route(
            "/instruction/projets/{id}/pieces",
            post(review_project::upload_file),
        )
        .route(
            "/instruction/projets/{id}/pieces/{file}",
            get(review_project::download_file),
        )
        .route(
            "/instruction/projets/{id}/resultats/{what}",
            post(review_project::record_follow_up),
        )
        .route("/fonds", get(funds::show_funds))
        .route(
            "/administration/programmes",
            get(programmes::show_programmes).post(programmes::create_programme),
        )
        .route(
            "/administration/programmes/{code}/themes",
            post(programmes::add_theme),
        )
        .route(
            "/administration/programmes/{code}/themes/{theme}/retrait",
            post(programmes::remove_theme),
        )
        .route(
            "/administration/comptes",
            get(accounts::show_accounts).post(accounts::create_account),
        )
        .route(
            "/administration/comptes/{id}",
            get(accounts::show_account).post(accounts::update_account),
        )
        .route("/assets/{name}", get(assets::serve_asset))
        .route("/favicon.ico", get(assets::favicon))
}

/// « 1 message non lu », « 3 messages non lus ».
fn unread_text(n: u64) -> String {
    if n == 1 {
        "1 message non lu".to_owned()
    } else {
        format!(
            "{} messages non lus",
            terrain_domain::fr::number(i64::try_from(n).unwrap_or(i64::MAX))
        )
    }
}

/// The id in a page's path; anything else is a 404 page.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NotFound)?;
        raw.parse().map(PathId).map_err(|_| PageError::NotFound)
    }
}

/// Leaves `notice` for the next page of the session and goes there (303).
async fn notify_and_go(
    state: &WebState,
    signed: &SignedIn,
    notice: String,
    to: &str,
) -> Result<Response, PageError> {
    sessions::notify(&state.app, &signed.session, notice).await?;
    Ok(Redirect::to(to).into_response())
}

/// A project of the signed-in lead: anyone else's is a 404 page, as in the API.
async fn own_project(
    state: &WebState,
    signed: &SignedIn,
    id: Uuid,
) -> Result<terrain_app::projects::ProjectDetail, PageError> {
    let actor = signed.actor();
    let detail = terrain_app::projects::get(&state.app, Some(&actor), id).await?;
    if detail.project.lead_id == actor.id {
        Ok(detail)
    } else {
        Err(PageError::NotFound)
    }
}
