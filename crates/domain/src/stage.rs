//! The SILK lifecycle stage of a project, kept apart from its status:
//! `initiate → create → test → transfer`, and `test → create` to refine the model.

use crate::status::Status;

crate::code_enum! {
    /// Where a project stands in the Social Innovation Lab method.
    pub enum Stage: "étape" {
        /// Initiate a theme.
        Initiate = "initiate",
        /// Create the model.
        Create = "create",
        /// Test and refine it.
        Test = "test",
        /// Transfer it to elected officials.
        Transfer = "transfer",
    }
}

impl Stage {
    /// The stages a project of status `status` at this stage may move to now.
    pub fn next(self, status: Status) -> Vec<Stage> {
        Stage::ALL
            .iter()
            .copied()
            .filter(|to| advance(self, *to, status).is_ok())
            .collect()
    }
}

/// Why a stage change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StageRefusal {
    /// Not an arrow of the lifecycle.
    #[error("le passage de l'étape {from} à l'étape {to} n'existe pas")]
    NoSuchStep {
        /// Current stage.
        from: Stage,
        /// Requested stage.
        to: Stage,
    },
    /// The project's status does not allow it.
    #[error("l'étape {to} n'est pas possible pour un projet au statut {status}")]
    NotForStatus {
        /// Requested stage.
        to: Stage,
        /// Current status.
        status: Status,
    },
    /// Transfer hands the results to elected officials: there must be a report to hand.
    #[error("le passage à l'étape transfer demande le rapport final du projet")]
    NoReport,
}

/// Moves a project along the lifecycle as [`advance`] does, and refuses `transfer` until its
/// final report is written.
///
/// # Errors
/// [`StageRefusal`] when the step does not exist, the status forbids it or the report lacks.
pub fn enter(
    from: Stage,
    to: Stage,
    status: Status,
    reported: bool,
) -> Result<Stage, StageRefusal> {
    let to = advance(from, to, status)?;
    if to == Stage::Transfer && !reported {
        return Err(StageRefusal::NoReport);
    }
    Ok(to)
}

/// Moves a project of status `status` from stage `from` to stage `to`.
///
/// # Errors
/// [`StageRefusal`] when the step does not exist or the status forbids it.
pub fn advance(from: Stage, to: Stage, status: Status) -> Result<Stage, StageRefusal> {
    let step_exists = matches!(
        (from, to),
        (Stage::Initiate, Stage::Create)
            | (Stage::Create, Stage::Test)
            | (Stage::Test, Stage::Transfer)
            | (Stage::Test, Stage::Create)
    );
    if !step_exists {
        return Err(StageRefusal::NoSuchStep { from, to });
    }
    let allowed = match to {
        Stage::Create => !matches!(status, Status::Withdrawn | Status::Rejected),
        Stage::Test | Stage::Transfer => status == Status::Validated,
        Stage::Initiate => false,
    };
    if allowed {
        Ok(to)
    } else {
        Err(StageRefusal::NotForStatus { to, status })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage as G;
    use Status as S;

    #[test]
    fn initiate_to_create_is_allowed_while_not_withdrawn_or_rejected() {
        for status in [
            S::Draft,
            S::Submitted,
            S::UnderReview,
            S::ChangesRequested,
            S::Validated,
        ] {
            assert_eq!(
                advance(G::Initiate, G::Create, status),
                Ok(G::Create),
                "{status}"
            );
        }
        for status in [S::Withdrawn, S::Rejected] {
            assert_eq!(
                advance(G::Initiate, G::Create, status),
                Err(StageRefusal::NotForStatus {
                    to: G::Create,
                    status
                })
            );
        }
    }

    #[test]
    fn create_to_test_needs_a_validated_project() {
        assert_eq!(advance(G::Create, G::Test, S::Validated), Ok(G::Test));
        for status in S::ALL.iter().copied().filter(|s| *s != S::Validated) {
            assert!(advance(G::Create, G::Test, status).is_err(), "{status}");
        }
    }

    #[test]
    fn test_to_transfer_needs_a_validated_project() {
        assert_eq!(advance(G::Test, G::Transfer, S::Validated), Ok(G::Transfer));
        assert!(advance(G::Test, G::Transfer, S::UnderReview).is_err());
    }

    #[test]
    fn transfer_needs_the_final_report_and_the_other_steps_do_not() {
        assert_eq!(
            enter(G::Test, G::Transfer, S::Validated, false),
            Err(StageRefusal::NoReport)
        );
        assert_eq!(
            enter(G::Test, G::Transfer, S::Validated, true),
            Ok(G::Transfer)
        );
        assert_eq!(enter(G::Create, G::Test, S::Validated, false), Ok(G::Test));
        assert!(matches!(
            enter(G::Test, G::Transfer, S::Submitted, true),
            Err(StageRefusal::NotForStatus { .. })
        ));
    }

    #[test]
    fn test_back_to_create_refines_the_model() {
        assert_eq!(advance(G::Test, G::Create, S::Validated), Ok(G::Create));
        assert!(advance(G::Test, G::Create, S::Rejected).is_err());
    }

    #[test]
    fn the_next_stages_follow_the_lifecycle() {
        assert_eq!(G::Initiate.next(S::Draft), vec![G::Create]);
        assert_eq!(G::Create.next(S::Draft), vec![]);
        assert_eq!(G::Test.next(S::Validated), vec![G::Create, G::Transfer]);
        assert_eq!(G::Transfer.next(S::Validated), vec![]);
    }

    #[test]
    fn every_other_step_does_not_exist() {
        let arrows = [
            (G::Initiate, G::Create),
            (G::Create, G::Test),
            (G::Test, G::Transfer),
            (G::Test, G::Create),
        ];
        for from in Stage::ALL.iter().copied() {
            for to in Stage::ALL.iter().copied() {
                if !arrows.contains(&(from, to)) {
                    assert_eq!(
                        advance(from, to, S::Validated),
                        Err(StageRefusal::NoSuchStep { from, to }),
                        "{from} → {to}"
                    );
                }
            }
        }
    }
}
