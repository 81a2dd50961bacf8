//! The validation workflow of a project, as a pure function: state × action × actor → new
//! state, or a typed refusal.
//!
//! ```text
//! draft ─submit─▶ submitted ─start_review─▶ under_review ─validate─▶ validated
//!                     ▲                        │  └─reject─▶ rejected
//!                     └─submit─ changes_requested ◀─request_changes─┘
//! draft | submitted | changes_requested ─withdraw─▶ withdrawn (final)
//! validated | rejected ─reopen─▶ under_review
//! ```

crate::code_enum! {
    /// Where a project stands in its validation.
    pub enum Status: "statut" {
        /// Being written by its lead; visible to them alone.
        Draft = "draft",
        /// Sent for review.
        Submitted = "submitted",
        /// Being reviewed by an administrator.
        UnderReview = "under_review",
        /// Sent back to the lead for changes.
        ChangesRequested = "changes_requested",
        /// Accepted: public, may receive support.
        Validated = "validated",
        /// Refused.
        Rejected = "rejected",
        /// Withdrawn by its lead; final.
        Withdrawn = "withdrawn",
    }
}

impl Status {
    /// Whether the lead may still edit the project's fields.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::ChangesRequested)
    }
}

crate::code_enum! {
    /// What someone asks the workflow to do.
    pub enum Action: "action" {
        /// The lead sends the project for review.
        Submit = "submit",
        /// The lead withdraws the project for good.
        Withdraw = "withdraw",
        /// An administrator starts reviewing.
        StartReview = "start_review",
        /// An administrator sends the project back for changes (comment required).
        RequestChanges = "request_changes",
        /// An administrator accepts the project.
        Validate = "validate",
        /// An administrator refuses the project (comment required).
        Reject = "reject",
        /// An administrator reopens a decision (comment required).
        Reopen = "reopen",
    }
}

impl Action {
    /// Whether the action needs an explanatory comment.
    pub fn requires_comment(self) -> bool {
        matches!(
            self,
            Action::RequestChanges | Action::Reject | Action::Reopen
        )
    }

    /// Who may take this action.
    pub fn taken_by(self) -> Party {
        match self {
            Action::Submit | Action::Withdraw => Party::Owner,
            _ => Party::AdminInScope,
        }
    }

    /// The actions `party` may take on a project in `status` now (a comment being given where
    /// one is needed), in workflow order.
    pub fn available(status: Status, party: Party, circumstances: Circumstances) -> Vec<Action> {
        let with_comment = Circumstances {
            has_comment: true,
            ..circumstances
        };
        Action::ALL
            .iter()
            .copied()
            .filter(|action| apply(status, *action, party, with_comment).is_ok())
            .collect()
    }
}

/// How the actor stands towards the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The lead who created it.
    Owner,
    /// An administrator whose scope contains it.
    AdminInScope,
    /// Anyone else (an observer, another lead, …).
    Other,
}

/// What the workflow needs to know besides the status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Circumstances {
    /// A non-blank comment was given.
    pub has_comment: bool,
    /// Financial support has been granted to the project.
    pub has_financial_support: bool,
}

/// Why the workflow refuses an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor may not take this action at all.
    #[error("l'action {action} est réservée à {}", party_label(*party))]
    Forbidden {
        /// The action.
        action: &'static str,
        /// Who may take it.
        party: Party,
    },
    /// Not possible from the current status.
    #[error("l'action {action} n'est pas possible depuis le statut {from}")]
    NotFromStatus {
        /// The action.
        action: &'static str,
        /// The current status.
        from: Status,
    },
    /// The action needs a comment.
    #[error("l'action {action} exige un commentaire")]
    CommentRequired {
        /// The action.
        action: &'static str,
    },
    /// A decision on a project that received money cannot be reopened.
    #[error("un projet qui a reçu un soutien financier ne peut pas être rouvert")]
    FinanciallySupported,
}

fn party_label(party: Party) -> &'static str {
    match party {
        Party::Owner => "son porteur",
        Party::AdminInScope => "un administrateur dont le périmètre contient le projet",
        Party::Other => "personne",
    }
}

/// Applies `action` by `party` to a project in `current` status.
///
/// # Errors
/// [`Refusal`] saying why, checked in this order: who, from where, then what is missing.
pub fn apply(
    current: Status,
    action: Action,
    party: Party,
    circumstances: Circumstances,
) -> Result<Status, Refusal> {
    if action.taken_by() != party {
        return Err(Refusal::Forbidden {
            action: action.as_str(),
            party: action.taken_by(),
        });
    }
    use Status as S;
    let next = match (action, current) {
        (Action::Submit, S::Draft | S::ChangesRequested) => S::Submitted,
        (Action::Withdraw, S::Draft | S::Submitted | S::ChangesRequested) => S::Withdrawn,
        (Action::StartReview, S::Submitted) => S::UnderReview,
        (Action::RequestChanges, S::UnderReview) => S::ChangesRequested,
        (Action::Validate, S::UnderReview) => S::Validated,
        (Action::Reject, S::UnderReview) => S::Rejected,
        (Action::Reopen, S::Validated | S::Rejected) => S::UnderReview,
        (action, from) => {
            return Err(Refusal::NotFromStatus {
                action: action.as_str(),
                from,
            });
        }
    };
    if action.requires_comment() && !circumstances.has_comment {
        return Err(Refusal::CommentRequired {
            action: action.as_str(),
        });
    }
    if action == Action::Reopen && circumstances.has_financial_support {
        return Err(Refusal::FinanciallySupported);
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Party as P;
    use Status as S;

    const WITH_COMMENT: Circumstances = Circumstances {
        has_comment: true,
        has_financial_support: false,
    };
    const NO_COMMENT: Circumstances = Circumstances {
        has_comment: false,
        has_financial_support: false,
    };

    /// Every arrow of the diagram, and nothing else.
    const ARROWS: [(Status, Action, Status); 11] = [
        (S::Draft, A::Submit, S::Submitted),
        (S::ChangesRequested, A::Submit, S::Submitted),
        (S::Draft, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::Withdraw, S::Withdrawn),
        (S::ChangesRequested, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::StartReview, S::UnderReview),
        (S::UnderReview, A::RequestChanges, S::ChangesRequested),
        (S::UnderReview, A::Validate, S::Validated),
        (S::UnderReview, A::Reject, S::Rejected),
        (S::Validated, A::Reopen, S::UnderReview),
        (S::Rejected, A::Reopen, S::UnderReview),
    ];

    #[test]
    fn a_lead_submits_a_draft() {
        assert_eq!(
            apply(S::Draft, A::Submit, P::Owner, NO_COMMENT),
            Ok(S::Submitted)
        );
    }

    #[test]
    fn a_lead_resubmits_after_changes_were_requested() {
        assert_eq!(
            apply(S::ChangesRequested, A::Submit, P::Owner, NO_COMMENT),
            Ok(S::Submitted)
        );
    }

    #[test]
    fn a_lead_withdraws_a_draft_a_submitted_or_a_returned_project() {
        for from in [S::Draft, S::Submitted, S::ChangesRequested] {
            assert_eq!(
                apply(from, A::Withdraw, P::Owner, NO_COMMENT),
                Ok(S::Withdrawn)
            );
        }
    }

    #[test]
    fn an_admin_starts_reviewing_a_submitted_project() {
        assert_eq!(
            apply(S::Submitted, A::StartReview, P::AdminInScope, NO_COMMENT),
            Ok(S::UnderReview)
        );
    }

    #[test]
    fn an_admin_requests_changes_with_a_comment() {
        assert_eq!(
            apply(
                S::UnderReview,
                A::RequestChanges,
                P::AdminInScope,
                WITH_COMMENT
            ),
            Ok(S::ChangesRequested)
        );
    }

    #[test]
    fn an_admin_validates_a_project_under_review_without_comment() {
        assert_eq!(
            apply(S::UnderReview, A::Validate, P::AdminInScope, NO_COMMENT),
            Ok(S::Validated)
        );
    }

    #[test]
    fn an_admin_rejects_with_a_comment() {
        assert_eq!(
            apply(S::UnderReview, A::Reject, P::AdminInScope, WITH_COMMENT),
            Ok(S::Rejected)
        );
    }

    #[test]
    fn an_admin_reopens_a_validated_or_rejected_project_with_a_comment() {
        for from in [S::Validated, S::Rejected] {
            assert_eq!(
                apply(from, A::Reopen, P::AdminInScope, WITH_COMMENT),
                Ok(S::UnderReview)
            );
        }
    }

    #[test]
    fn every_pair_off_the_diagram_is_refused_as_not_from_status() {
        for from in Status::ALL.iter().copied() {
            for action in Action::ALL.iter().copied() {
                let on_diagram = ARROWS.iter().any(|(f, a, _)| *f == from && *a == action);
                let outcome = apply(from, action, action.taken_by(), WITH_COMMENT);
                if on_diagram {
                    let expected = ARROWS
                        .iter()
                        .find(|(f, a, _)| *f == from && *a == action)
                        .map(|(_, _, to)| *to);
                    assert_eq!(outcome.ok(), expected, "{from} {}", action.as_str());
                } else {
                    assert_eq!(
                        outcome,
                        Err(Refusal::NotFromStatus {
                            action: action.as_str(),
                            from
                        }),
                        "{from} {}",
                        action.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn withdrawn_is_final() {
        for action in Action::ALL.iter().copied() {
            assert!(apply(S::Withdrawn, action, action.taken_by(), WITH_COMMENT).is_err());
        }
    }

    #[test]
    fn an_admin_cannot_submit_or_withdraw_and_a_lead_cannot_decide() {
        for (from, action, _) in ARROWS {
            let wrong = match action.taken_by() {
                P::Owner => P::AdminInScope,
                _ => P::Owner,
            };
            for party in [wrong, P::Other] {
                assert!(
                    matches!(
                        apply(from, action, party, WITH_COMMENT),
                        Err(Refusal::Forbidden { .. })
                    ),
                    "{from} {} by {party:?}",
                    action.as_str()
                );
            }
        }
    }

    #[test]
    fn request_changes_reject_and_reopen_need_a_comment() {
        assert_eq!(
            apply(
                S::UnderReview,
                A::RequestChanges,
                P::AdminInScope,
                NO_COMMENT
            ),
            Err(Refusal::CommentRequired {
                action: "request_changes"
            })
        );
        assert_eq!(
            apply(S::UnderReview, A::Reject, P::AdminInScope, NO_COMMENT),
            Err(Refusal::CommentRequired { action: "reject" })
        );
        assert_eq!(
            apply(S::Validated, A::Reopen, P::AdminInScope, NO_COMMENT),
            Err(Refusal::CommentRequired { action: "reopen" })
        );
    }

    #[test]
    fn a_financially_supported_project_cannot_be_reopened() {
        let supported = Circumstances {
            has_comment: true,
            has_financial_support: true,
        };
        assert_eq!(
            apply(S::Validated, A::Reopen, P::AdminInScope, supported),
            Err(Refusal::FinanciallySupported)
        );
        assert_eq!(
            apply(S::UnderReview, A::Reject, P::AdminInScope, supported),
            Ok(S::Rejected)
        );
    }

    #[test]
    fn the_actions_available_are_those_the_machine_accepts() {
        let none = Circumstances::default();
        assert_eq!(
            Action::available(S::Draft, P::Owner, none),
            vec![A::Submit, A::Withdraw]
        );
        assert_eq!(
            Action::available(S::UnderReview, P::AdminInScope, none),
            vec![A::RequestChanges, A::Validate, A::Reject]
        );
        let supported = Circumstances {
            has_financial_support: true,
            ..none
        };
        assert_eq!(
            Action::available(S::Validated, P::AdminInScope, supported),
            vec![]
        );
        assert_eq!(Action::available(S::Submitted, P::Other, none), vec![]);
    }

    #[test]
    fn statuses_and_actions_round_trip_through_their_names() {
        for status in Status::ALL.iter().copied() {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        for action in Action::ALL.iter().copied() {
            assert_eq!(action.as_str().parse(), Ok(action));
        }
        assert!("approved".parse::<Status>().is_err());
    }
}
