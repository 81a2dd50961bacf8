//! Random sequences of actions by random parties keep the workflow's invariants.

use proptest::prelude::*;
use terrain_domain::{
    Action, Status,
    status::{Circumstances, Party, apply},
};

fn action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}

fn party() -> impl Strategy<Value = Party> {
    prop::sample::select(vec![Party::Owner, Party::AdminInScope, Party::Other])
}

/// A project as the workflow sees it, with the bookkeeping the service does around `apply`.
#[derive(Debug)]
struct Model {
    status: Status,
    submitted_at: Option<usize>,
    history: Vec<(usize, Status, Action, Status)>,
}

proptest! {
    #[test]
    fn random_sequences_keep_the_invariants(
        steps in prop::collection::vec((action(), party(), any::<bool>(), any::<bool>()), 0..60)
    ) {
        let mut model = Model { status: Status::Draft, submitted_at: None, history: Vec::new() };
        let mut successes = 0;
        for (tick, (action, party, has_comment, has_financial_support)) in steps.into_iter().enumerate() {
            let before = model.status;
            let circumstances = Circumstances { has_comment, has_financial_support };
            match apply(before, action, party, circumstances) {
                Ok(after) => {
                    successes += 1;
                    prop_assert_eq!(party, action.taken_by());
                    prop_assert!(!action.requires_comment() || has_comment);
                    prop_assert_ne!(before, Status::Withdrawn);
                    if action == Action::Submit && model.submitted_at.is_none() {
                        model.submitted_at = Some(tick);
                    }
                    model.history.push((tick, before, action, after));
                    model.status = after;
                }
                Err(_) => prop_assert_eq!(model.status, before),
            }
            prop_assert!(Status::ALL.contains(&model.status));
            if model.status != Status::Draft && model.status != Status::Withdrawn {
                prop_assert!(model.submitted_at.is_some(), "reached {} without submission", model.status);
            }
        }
        prop_assert_eq!(model.history.len(), successes);
        let first_submission = model
            .history
            .iter()
            .find(|(_, _, action, _)| *action == Action::Submit)
            .map(|(tick, ..)| *tick);
        prop_assert_eq!(model.submitted_at, first_submission);
        for window in model.history.windows(2) {
            prop_assert_eq!(window[0].3, window[1].1, "history entries chain");
        }
    }
}
