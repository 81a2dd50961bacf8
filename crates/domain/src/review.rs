//! The review workspace (SPEC §16): the tabs of the queue, private notes, decision templates
//! and batches of decisions.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Action, ProgrammeCode, text::TextRule};

crate::code_enum! {
    /// A tab of the review queue.
    pub enum Tab: "onglet" {
        /// Submitted, followed by nobody.
        ToReview = "to_review",
        /// Followed by the caller.
        Followed = "followed",
        /// Waiting for the lead (changes requested).
        Waiting = "waiting",
        /// Validated or rejected.
        Decided = "decided",
        /// Everything in scope.
        All = "all",
    }
}

/// How many projects each tab holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TabCounts {
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

impl TabCounts {
    /// The count of one tab.
    pub fn of(&self, tab: Tab) -> u64 {
        match tab {
            Tab::ToReview => self.to_review,
            Tab::Followed => self.followed,
            Tab::Waiting => self.waiting,
            Tab::Decided => self.decided,
            Tab::All => self.all,
        }
    }
}

/// What a private note accepts.
pub const NOTE: TextRule = TextRule::lines(1, 5_000);

/// A private note of the administrators on a project (never shown to its lead nor to
/// observers, never exported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Their name, as shown.
    pub author_name: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What a decision template's title accepts.
pub const TEMPLATE_TITLE: TextRule = TextRule::line(1, 120);
/// What a decision template's text accepts (as a decision's comment).
pub const TEMPLATE_BODY: TextRule = TextRule::lines(1, 2_000);

/// A ready-made comment for a decision of a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTemplate {
    /// Identifier.
    pub id: Uuid,
    /// The programme it serves.
    pub programme: ProgrammeCode,
    /// The action it explains.
    pub action: Action,
    /// Its name in lists.
    pub title: String,
    /// The comment it gives.
    pub body: String,
    /// Who wrote it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

crate::code_enum! {
    /// What a batch does to each of its projects.
    pub enum BatchAction: "action de lot" {
        /// Start the review.
        StartReview = "start_review",
        /// Validate.
        Validate = "validate",
        /// Reject.
        Reject = "reject",
        /// Ask for changes.
        RequestChanges = "request_changes",
        /// Follow the projects.
        Follow = "follow",
    }
}

impl BatchAction {
    /// The workflow action, for all but `follow`.
    pub fn action(self) -> Option<Action> {
        match self {
            BatchAction::StartReview => Some(Action::StartReview),
            BatchAction::Validate => Some(Action::Validate),
            BatchAction::Reject => Some(Action::Reject),
            BatchAction::RequestChanges => Some(Action::RequestChanges),
            BatchAction::Follow => None,
        }
    }
}

/// The most projects of a batch.
pub const MAX_BATCH: usize = 500;

crate::code_enum! {
    /// What a batch did to one project.
    pub enum Outcome: "résultat" {
        /// Done.
        Done = "done",
        /// Not done, and why (out of scope, wrong status…): the others go on.
        Skipped = "skipped",
        /// Not done because something failed.
        Failed = "failed",
    }
}

crate::code_enum! {
    /// Where a batch stands.
    pub enum BatchStatus: "état du lot" {
        /// Some projects are still to be done.
        Running = "running",
        /// Every project has its outcome.
        Done = "done",
    }
}

/// One project of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    /// The project.
    pub project_id: Uuid,
    /// Its outcome, once done.
    pub outcome: Option<Outcome>,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
}

/// A batch of decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Identifier.
    pub id: Uuid,
    /// Who asked for it.
    pub actor_id: Uuid,
    /// What it does.
    pub action: BatchAction,
    /// The comment given with each decision.
    pub comment: Option<String>,
    /// Where it stands.
    pub status: BatchStatus,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When its last project got its outcome.
    pub finished_at: Option<DateTime<Utc>>,
    /// The projects, in the order given.
    pub items: Vec<BatchItem>,
}
