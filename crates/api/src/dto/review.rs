//! The review workspace: the queue, followers, notes, decision templates, batches.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{
    Action, User,
    review::{Batch, BatchAction, BatchStatus, DecisionTemplate, Note, Outcome, Tab, TabCounts},
};
use utoipa::ToSchema;
use uuid::Uuid;

use super::projects::{ActionName, ProjectView};
use crate::openapi::fields;
use crate::openapi::reference::ProgrammeCode;

macro_rules! mirror_code {
    ($(#[$doc:meta])* $name:ident => $domain:ty { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$domain>::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_code!(
    /// A tab of the queue.
    TabName => Tab {
        /// Submitted, followed by nobody.
        ToReview,
        /// Followed by you.
        Followed,
        /// Waiting for the lead (changes requested).
        Waiting,
        /// Validated or rejected.
        Decided,
        /// Everything in your scope.
        All,
    }
);

/// A decision of the review: the actions a template can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionName {
    /// Start the review.
    StartReview,
    /// Send back for changes.
    RequestChanges,
    /// Validate.
    Validate,
    /// Reject.
    Reject,
    /// Reopen a decision.
    Reopen,
}

impl From<DecisionName> for Action {
    fn from(value: DecisionName) -> Self {
        match value {
            DecisionName::StartReview => Action::StartReview,
            DecisionName::RequestChanges => Action::RequestChanges,
            DecisionName::Validate => Action::Validate,
            DecisionName::Reject => Action::Reject,
            DecisionName::Reopen => Action::Reopen,
        }
    }
}

mirror_code!(
    /// What a batch does.
    BatchActionName => BatchAction {
        /// Start the review.
        StartReview,
        /// Validate.
        Validate,
        /// Reject (a comment is needed).
        Reject,
        /// Ask for changes (a comment is needed).
        RequestChanges,
        /// Follow the projects.
        Follow,
    }
);

mirror_code!(
    /// What a batch did to a project.
    OutcomeName => Outcome {
        /// Done.
        Done,
        /// Not done, with the reason.
        Skipped,
        /// Failed.
        Failed,
    }
);

mirror_code!(
    /// Where a batch stands.
    BatchStatusName => BatchStatus {
        /// Projects are still to be done.
        Running,
        /// Every project has its outcome.
        Done,
    }
);

/// How many projects each tab holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsView {
    /// « À examiner ».
    pub to_review: u64,
    /// « Suivis par moi ».
    pub followed: u64,
    /// « En attente du porteur ».
    pub waiting: u64,
    /// « Décidés ».
    pub decided: u64,
    /// « Tous ».
    pub all: u64,
}

impl From<TabCounts> for CountsView {
    fn from(c: TabCounts) -> Self {
        CountsView {
            to_review: c.to_review,
            followed: c.followed,
            waiting: c.waiting,
            decided: c.decided,
            all: c.all,
        }
    }
}

/// A page of the queue, with the count of every tab.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    /// The counts under the filters.
    pub counts: CountsView,
    /// The projects of the tab.
    pub items: Vec<ProjectView>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An administrator following a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowerView {
    /// Account.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
    /// Address.
    pub email: String,
}

impl From<User> for FollowerView {
    fn from(user: User) -> Self {
        FollowerView {
            id: user.id,
            display_name: user.display_name,
            email: user.email.to_string(),
        }
    }
}

/// The followers of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowersView {
    /// The followers.
    pub items: Vec<FollowerView>,
}

/// `POST /projects/{id}/notes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// 1 to 5,000 characters; line breaks allowed.
    #[schema(schema_with = fields::note_body)]
    pub body: String,
}

/// A private note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    /// Identifier.
    pub id: Uuid,
    /// Author.
    pub author: FollowerRef,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An account, by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowerRef {
    /// Account.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
}

impl From<Note> for NoteView {
    fn from(note: Note) -> Self {
        NoteView {
            id: note.id,
            author: FollowerRef {
                id: note.author_id,
                display_name: note.author_name,
            },
            body: note.body,
            created_at: note.created_at,
        }
    }
}

/// The private notes of a project, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotesView {
    /// The notes.
    pub items: Vec<NoteView>,
}

/// `POST /decision-templates`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplateRequest {
    /// Programme.
    #[schema(value_type = ProgrammeCode)]
    pub programme: String,
    /// The decision it explains.
    pub action: DecisionName,
    /// Its name, 1 to 120 characters.
    #[schema(schema_with = fields::template_title)]
    pub title: String,
    /// The comment it gives, 1 to 2,000 characters.
    #[schema(schema_with = fields::template_body)]
    pub body: String,
}

/// `PATCH /decision-templates/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTemplateRequest {
    /// New name.
    #[schema(schema_with = fields::template_title_or_null)]
    pub title: Option<String>,
    /// New text.
    #[schema(schema_with = fields::template_body_or_null)]
    pub body: Option<String>,
}

/// A decision template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    /// Identifier.
    pub id: Uuid,
    /// Programme.
    pub programme: String,
    /// The decision it explains.
    pub action: ActionName,
    /// Name.
    pub title: String,
    /// Text.
    pub body: String,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<DecisionTemplate> for TemplateView {
    fn from(t: DecisionTemplate) -> Self {
        TemplateView {
            id: t.id,
            programme: t.programme.to_string(),
            action: t.action.into(),
            title: t.title,
            body: t.body,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The templates.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplatesView {
    /// The templates.
    pub items: Vec<TemplateView>,
}

/// `POST /batches`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// What to do to each project.
    pub action: BatchActionName,
    /// 1 to 500 projects (a repeated id counts once).
    #[schema(min_items = 1, max_items = 500)]
    pub project_ids: Vec<Uuid>,
    /// The comment of each decision.
    #[schema(schema_with = fields::comment)]
    pub comment: Option<String>,
    /// A template whose text is the comment when no comment is given.
    pub template_id: Option<Uuid>,
}

/// A batch just asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreated {
    /// Identifier: follow it at `/batches/{id}`.
    pub id: Uuid,
}

/// What a batch did to one project.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResultView {
    /// The project.
    pub project_id: Uuid,
    /// The outcome; `null` while it waits its turn.
    pub outcome: Option<OutcomeName>,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
}

/// A batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchView {
    /// Identifier.
    pub id: Uuid,
    /// What it does.
    pub action: BatchActionName,
    /// Where it stands.
    pub status: BatchStatusName,
    /// The comment of each decision.
    pub comment: Option<String>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When its last project got its outcome.
    pub finished_at: Option<DateTime<Utc>>,
    /// One result per project, in the order given.
    pub results: Vec<BatchResultView>,
}

impl From<Batch> for BatchView {
    fn from(b: Batch) -> Self {
        BatchView {
            id: b.id,
            action: b.action.into(),
            status: b.status.into(),
            comment: b.comment,
            created_at: b.created_at,
            finished_at: b.finished_at,
            results: b
                .items
                .into_iter()
                .map(|i| BatchResultView {
                    project_id: i.project_id,
                    outcome: i.outcome.map(Into::into),
                    reason: i.reason,
                })
                .collect(),
        }
    }
}
