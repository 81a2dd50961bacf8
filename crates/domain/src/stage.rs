//! The SILK lifecycle stage of a project, kept apart from its status:
//! `initiate → create → test → transfer`, and `test → create` to refine the model.

use std::{fmt, str::FromStr};

use crate::status::Status;

/// Where a project stands in the Social Innovation Lab method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Initiate a theme.
    Initiate,
    /// Create the model.
    Create,
    /// Test and refine it.
    Test,
    /// Transfer it to elected officials.
    Transfer,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 4] = [Stage::Initiate, Stage::Create, Stage::Test, Stage::Transfer];

    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initiate => "initiate",
            Stage::Create => "create",
            Stage::Test => "test",
            Stage::Transfer => "transfer",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not a stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("étape inconnue")]
pub struct UnknownStage;

impl FromStr for Stage {
    type Err = UnknownStage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or(UnknownStage)
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
        for status in S::ALL.into_iter().filter(|s| *s != S::Validated) {
            assert!(advance(G::Create, G::Test, status).is_err(), "{status}");
        }
    }

    #[test]
    fn test_to_transfer_needs_a_validated_project() {
        assert_eq!(advance(G::Test, G::Transfer, S::Validated), Ok(G::Transfer));
        assert!(advance(G::Test, G::Transfer, S::UnderReview).is_err());
    }

    #[test]
    fn test_back_to_create_refines_the_model() {
        assert_eq!(advance(G::Test, G::Create, S::Validated), Ok(G::Create));
        assert!(advance(G::Test, G::Create, S::Rejected).is_err());
    }

    #[test]
    fn every_other_step_does_not_exist() {
        let arrows = [
            (G::Initiate, G::Create),
            (G::Create, G::Test),
            (G::Test, G::Transfer),
            (G::Test, G::Create),
        ];
        for from in Stage::ALL {
            for to in Stage::ALL {
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
