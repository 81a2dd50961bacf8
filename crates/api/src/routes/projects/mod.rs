//! `/projects`: submission, the validation workflow, history and visibility.

mod create;
pub(crate) mod fields;
mod grants;
pub(crate) mod read;
mod stage;
mod transitions;
mod update;

use terrain_domain::{Actor, Project};
use terrain_persistence::{
    ConnectionTrait,
    repo::{events, projects, users},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    dto::{
        funding::SupportSummary,
        projects::{LeadContact, ProjectView},
    },
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_project, read::list_projects))
        .routes(routes!(read::get_project, update::update_project))
        .routes(routes!(transitions::apply_transition))
        .routes(routes!(read::get_history))
        .routes(routes!(stage::change_stage))
        .routes(routes!(grants::create_support, grants::list_supports))
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

/// The view of a project for `viewer`, with the lead's contact when they may see it. Reads
/// through `conn`, so that a handler inside a transaction never waits for a second connection.
async fn view_for(
    conn: &impl ConnectionTrait,
    project: Project,
    viewer: Option<&Actor>,
) -> Result<ProjectView, ApiError> {
    let contact = if project.shows_lead_to(viewer) {
        users::find(conn, project.lead_id)
            .await?
            .map(|lead| LeadContact {
                display_name: lead.display_name,
                email: lead.email.to_string(),
            })
    } else {
        None
    };
    let supports = SupportSummary::of(&project);
    let events = if project.event_count > 0 {
        events::for_project(conn, project.id).await?
    } else {
        Vec::new()
    };
    let mut view = ProjectView::new(project, contact);
    view.supports = Some(supports);
    view.events = Some(events.into_iter().map(Into::into).collect());
    Ok(view)
}
