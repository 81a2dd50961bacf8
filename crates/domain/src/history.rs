//! The history of a project: every transition, stage change and support decision, oldest first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Role, text::TextRule};

/// What the comment of a transition or stage change, or the note of a support decision,
/// accepts (empty means none).
pub const COMMENT: TextRule = TextRule::lines(0, 2_000);

/// What kind of event a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    /// A status transition.
    Transition,
    /// A SILK stage change.
    Stage,
    /// A support decision.
    Support,
}

impl HistoryKind {
    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Transition => "transition",
            HistoryKind::Stage => "stage",
            HistoryKind::Support => "support",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "transition" => Some(HistoryKind::Transition),
            "stage" => Some(HistoryKind::Stage),
            "support" => Some(HistoryKind::Support),
            _ => None,
        }
    }
}

/// One entry of a project's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_id: Uuid,
    /// With which role.
    pub actor_role: Role,
    /// What kind of event.
    pub kind: HistoryKind,
    /// The action (`submit`, `advance`, `financial`, …).
    pub action: String,
    /// The value before (status or stage), when it applies.
    pub from: Option<String>,
    /// The value after, when it applies.
    pub to: Option<String>,
    /// The comment or note given.
    pub comment: Option<String>,
}
