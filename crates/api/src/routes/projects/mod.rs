//! `/projects`: submission, the validation workflow, history and visibility.

mod create;
mod fields;
mod read;
mod transitions;
mod update;

use terrain_domain::{Actor, Project};
use terrain_persistence::repo::{projects, users};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    dto::projects::{LeadContact, ProjectView},
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_project, read::list_projects))
        .routes(routes!(read::get_project, update::update_project))
        .routes(routes!(transitions::apply_transition))
        .routes(routes!(read::get_history))
}

/// The one place where project visibility is enforced: a project the caller may not see is
/// answered exactly as one that does not exist.
async fn visible_project(
    state: &AppState,
    id: Uuid,
    viewer: Option<&Actor>,
) -> Result<Project, ApiError> {
    projects::find(state.db.reader(), id)
        .await?
        .filter(|p| p.is_visible_to(viewer))
        .ok_or(ApiError::NotFound)
}

/// The view of a project for `viewer`, with the lead's contact when they may see it.
async fn view_for(
    state: &AppState,
    project: Project,
    viewer: Option<&Actor>,
) -> Result<ProjectView, ApiError> {
    let contact = if project.shows_lead_to(viewer) {
        users::find(state.db.reader(), project.lead_id)
            .await?
            .map(|lead| LeadContact {
                display_name: lead.display_name,
                email: lead.email.to_string(),
            })
    } else {
        None
    };
    Ok(ProjectView::new(project, contact))
}
