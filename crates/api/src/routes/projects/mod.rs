//! `/projects`: submission, the validation workflow, history and visibility.

mod attachments;
mod create;
mod follow_up;
mod followers;
mod grants;
mod messages;
mod notes;
pub(crate) mod read;
mod stage;
mod transitions;
mod update;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_project, read::list_projects))
        .routes(routes!(read::get_project, update::update_project))
        .routes(routes!(transitions::apply_transition))
        .routes(routes!(read::get_history))
        .routes(routes!(stage::change_stage))
        .routes(routes!(grants::create_support, grants::list_supports))
        .routes(routes!(followers::list_followers))
        .routes(routes!(followers::add_follower, followers::remove_follower))
        .routes(routes!(notes::list_notes, notes::add_note))
        .routes(routes!(messages::list_messages, messages::post_message))
        .routes(routes!(
            attachments::upload_attachment,
            attachments::list_attachments
        ))
        .routes(routes!(
            attachments::download_attachment,
            attachments::delete_attachment
        ))
        .routes(routes!(attachments::download_archive))
        .routes(routes!(
            follow_up::list_milestones,
            follow_up::add_milestone
        ))
        .routes(routes!(follow_up::update_milestone))
        .routes(routes!(
            follow_up::list_indicators,
            follow_up::add_indicator
        ))
        .routes(routes!(follow_up::add_measurement))
        .routes(routes!(follow_up::get_report, follow_up::put_report))
        .routes(routes!(follow_up::list_payments, follow_up::record_payment))
}

/// The path of a project.
pub(crate) fn location(id: uuid::Uuid) -> String {
    format!("/api/v1/projects/{id}")
}
