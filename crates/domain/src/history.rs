//! The history of a project: every transition, stage change and support decision, oldest first.
//! Each entry is a typed [`Change`]; the database keeps it as `kind`, `action`, `from` and
//! `to` codes, which [`Change::parse`] reads back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    Action, Cents, FundCode, Role, Stage, Status, SupportKind, funding::Grant, text::TextRule,
};

/// What the comment of a transition or stage change, or the note of a support decision,
/// accepts (empty means none).
pub const COMMENT: TextRule = TextRule::lines(0, 2_000);

/// What happened to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A status transition.
    Transition {
        /// The action taken.
        action: Action,
        /// The status before.
        from: Status,
        /// The status after.
        to: Status,
    },
    /// A SILK stage change (forward, or back from `test` to `create` to refine the model).
    Stage {
        /// The stage before.
        from: Stage,
        /// The stage after.
        to: Stage,
    },
    /// A support decision.
    Support(Grant),
    /// An administrator starts or stops following the project.
    Assignment {
        /// The administrator who follows (or no longer follows).
        account: Uuid,
        /// Whether they follow it from now on.
        follows: bool,
    },
    /// Money paid of a financial support.
    Payment {
        /// The support paid from.
        support: Uuid,
        /// The amount paid.
        amount: Cents,
    },
    /// The final report was written or rewritten.
    Report,
}

impl Change {
    /// The kind of entry: `transition`, `stage` or `support`.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Transition { .. } => "transition",
            Change::Stage { .. } => "stage",
            Change::Support(_) => "support",
            Change::Assignment { .. } => "assignment",
            Change::Payment { .. } => "payment",
            Change::Report => "report",
        }
    }

    /// The action: the workflow action, `advance` or `refine`, or the kind of support.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Transition { action, .. } => action.as_str(),
            Change::Stage { from, to } if to < from => "refine",
            Change::Stage { .. } => "advance",
            Change::Support(grant) => grant.kind().as_str(),
            Change::Assignment { follows: true, .. } => "follow",
            Change::Assignment { follows: false, .. } => "unfollow",
            Change::Payment { .. } => "pay",
            Change::Report => "write",
        }
    }

    /// The value before, when it applies.
    pub fn from_code(&self) -> Option<String> {
        match self {
            Change::Transition { from, .. } => Some(from.as_str().to_owned()),
            Change::Stage { from, .. } => Some(from.as_str().to_owned()),
            Change::Support(_)
            | Change::Assignment { .. }
            | Change::Payment { .. }
            | Change::Report => None,
        }
    }

    /// The value after: the status or stage, or for money `FUND amount`.
    pub fn to_code(&self) -> Option<String> {
        match self {
            Change::Transition { to, .. } => Some(to.as_str().to_owned()),
            Change::Stage { to, .. } => Some(to.as_str().to_owned()),
            Change::Support(Grant::Financial { fund, amount }) => {
                Some(format!("{fund} {}", amount.get()))
            }
            Change::Support(Grant::Other(_)) => None,
            Change::Assignment { account, .. } => Some(account.to_string()),
            Change::Payment { support, amount } => Some(format!("{support} {}", amount.get())),
            Change::Report => None,
        }
    }

    /// Reads back the stored codes; `None` for codes the service never writes.
    pub fn parse(kind: &str, action: &str, from: Option<&str>, to: Option<&str>) -> Option<Self> {
        match kind {
            "transition" => Some(Change::Transition {
                action: action.parse().ok()?,
                from: from?.parse().ok()?,
                to: to?.parse().ok()?,
            }),
            "stage" => Some(Change::Stage {
                from: from?.parse().ok()?,
                to: to?.parse().ok()?,
            }),
            "support" => {
                let kind: SupportKind = action.parse().ok()?;
                match (kind, to) {
                    (SupportKind::Financial, Some(to)) => {
                        let (fund, amount) = to.split_once(' ')?;
                        Some(Change::Support(Grant::Financial {
                            fund: FundCode::parse(fund).ok()?,
                            amount: Cents::new(amount.parse().ok()?).ok()?,
                        }))
                    }
                    (SupportKind::Financial, None) => None,
                    (kind, _) => Some(Change::Support(Grant::Other(kind))),
                }
            }
            "assignment" => Some(Change::Assignment {
                account: to?.parse().ok()?,
                follows: match action {
                    "follow" => true,
                    "unfollow" => false,
                    _ => return None,
                },
            }),
            "payment" if action == "pay" => {
                let (support, amount) = to?.split_once(' ')?;
                Some(Change::Payment {
                    support: support.parse().ok()?,
                    amount: Cents::new(amount.parse().ok()?).ok()?,
                })
            }
            "report" if action == "write" => Some(Change::Report),
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
    /// What happened.
    pub change: Change,
    /// The comment or note given.
    pub comment: Option<String>,
    /// The batch the change was part of (`POST /batches`).
    pub batch: Option<Uuid>,
    /// Why changes were requested (a `request_changes` entry only).
    pub reasons: Vec<crate::conversation::CorrectionReason>,
}

impl HistoryEntry {
    /// An entry of `actor` at `at`, with no comment, batch or reason.
    pub fn by(actor: &crate::Actor, at: DateTime<Utc>, change: Change) -> Self {
        HistoryEntry {
            at,
            actor_id: actor.id,
            actor_role: actor.role,
            change,
            comment: None,
            batch: None,
            reasons: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_reads_back_from_its_codes() {
        let changes = [
            Change::Transition {
                action: Action::Validate,
                from: Status::UnderReview,
                to: Status::Validated,
            },
            Change::Stage {
                from: Stage::Test,
                to: Stage::Create,
            },
            Change::Stage {
                from: Stage::Initiate,
                to: Stage::Create,
            },
            Change::Support(Grant::Financial {
                fund: FundCode::parse("FIP-2025").expect("code"),
                amount: Cents::new(150_000).expect("amount"),
            }),
            Change::Support(Grant::Other(SupportKind::Human)),
            Change::Assignment {
                account: Uuid::now_v7(),
                follows: true,
            },
            Change::Assignment {
                account: Uuid::now_v7(),
                follows: false,
            },
            Change::Payment {
                support: Uuid::now_v7(),
                amount: Cents::new(42_00).expect("amount"),
            },
            Change::Report,
        ];
        for change in changes {
            let back = Change::parse(
                change.kind(),
                change.action(),
                change.from_code().as_deref(),
                change.to_code().as_deref(),
            );
            assert_eq!(back.as_ref(), Some(&change), "{change:?}");
        }
        assert_eq!(
            Change::Stage {
                from: Stage::Test,
                to: Stage::Create
            }
            .action(),
            "refine"
        );
        assert_eq!(
            Change::parse("transition", "approve", Some("draft"), Some("x")),
            None
        );
    }
}
