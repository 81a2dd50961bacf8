//! What happened after the decision, for part of the validated projects of the data set
//! (SPEC §17): milestones, payments (most of what was granted, not all), indicators measured
//! against their baseline and target — in the spirit of the seeds: a cost per family down
//! 13–38 %, a use up about 20 % — and the final report of every project at the `transfer`
//! stage (which requires one). Drawn from a generator seeded by the project's id, so that the
//! rest of the data set (and its published counts) is the same as without it.

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use terrain_domain::{
    Cents, Change, Grant, HistoryEntry, Indicator, Measurement, Milestone, Payment, Project,
    Report, Role, Stage, Status, Support, fr,
};
use terrain_persistence::repo::follow_up::Bulk;
use uuid::Uuid;

const STEPS: [&str; 5] = [
    "Constitution de l'équipe projet",
    "Premier atelier avec les usagers",
    "Mise en place du prototype",
    "Bilan intermédiaire",
    "Restitution aux élus",
];

fn day(project: &Project, after: u64) -> NaiveDate {
    let decided = project.decided_at.unwrap_or(project.created_at);
    fr::day_in_paris(decided)
        .checked_add_days(Days::new(after))
        .unwrap_or_else(|| fr::day_in_paris(decided))
}

/// Plans the follow-up of `project` (its figures set on it, its supports' paid amounts set on
/// them) into `bulk`, and the history entries it adds. Nothing for a project not validated, or
/// still at its first stage.
pub(super) fn plan(
    project: &mut Project,
    supports: &mut [Support],
    admin: Uuid,
    bulk: &mut Bulk,
) -> Vec<HistoryEntry> {
    let mut history = Vec::new();
    if project.status != Status::Validated || project.stage == Stage::Initiate {
        return history;
    }
    let (high, low) = project.id.as_u64_pair();
    let mut rng = ChaCha8Rng::seed_from_u64(high ^ low.rotate_left(17));
    let mut follow = terrain_domain::FollowUp::default();
    let advanced = matches!(project.stage, Stage::Test | Stage::Transfer);
    let decided = project.decided_at.unwrap_or(project.created_at);

    // Milestones: all done at transfer, some at test, the first ones at create.
    let count = rng.random_range(3..=STEPS.len());
    let done = match project.stage {
        Stage::Transfer => count,
        Stage::Test => rng.random_range(2..count),
        _ => rng.random_range(0..2),
    };
    for (i, title) in STEPS.iter().take(count).enumerate() {
        let due = day(project, 30 * (i as u64 + 1));
        bulk.milestones.push((
            Milestone {
                id: Uuid::from_bytes(rng.random()),
                project_id: project.id,
                title: (*title).to_owned(),
                due_on: due,
                done_on: (i < done).then(|| due - Days::new(rng.random_range(0..10))),
                created_at: decided,
            },
            project.lead_id,
        ));
    }
    follow.milestones_total = count as i64;
    follow.milestones_done = done as i64;

    // Payments: a first instalment of each financial support, the rest once tested (not
    // always: most of what was granted is paid, not all).
    for support in supports.iter_mut() {
        let Grant::Financial { amount, .. } = &support.grant else {
            continue;
        };
        let granted = amount.get();
        let first = granted * rng.random_range(50..=70) / 100;
        let mut instalments = vec![(first, 20)];
        if advanced && rng.random_range(0..100) < 80 {
            instalments.push((granted - first, 120));
        }
        for (cents, after) in instalments {
            let Ok(paid) = Cents::new(cents) else {
                continue;
            };
            if cents == 0 {
                continue;
            }
            let paid_on = day(project, after);
            bulk.payments.push((
                Payment {
                    id: Uuid::from_bytes(rng.random()),
                    project_id: project.id,
                    support_id: support.id,
                    amount: paid,
                    paid_on,
                    created_at: decided,
                },
                admin,
            ));
            support.paid_cents += cents;
            follow.paid_cents += cents;
            history.push(HistoryEntry {
                at: support.granted_at + chrono::Duration::days(i64::try_from(after).unwrap_or(0)),
                actor_id: admin,
                actor_role: Role::Admin,
                change: Change::Payment {
                    support: support.id,
                    amount: paid,
                },
                comment: None,
                batch: None,
                reasons: Vec::new(),
            });
        }
    }

    // Indicators, measured once the model is tested: the cost per family falls 13–38 % (the
    // target is 30 %), the use rises about 20 % (the target is 20 %).
    if advanced {
        let cost = f64::from(rng.random_range(300_u32..=600));
        let fall = f64::from(rng.random_range(13_u32..=38)) / 100.0;
        let usage = f64::from(rng.random_range(30_u32..=60));
        let rise = f64::from(rng.random_range(10_u32..=30)) / 100.0;
        let indicators = [
            (
                "Coût par famille accompagnée",
                "€",
                cost,
                (cost * 0.7).round(),
                cost * (1.0 - fall),
            ),
            (
                "Familles utilisant le service",
                "%",
                usage,
                (usage * 1.2).round(),
                usage * (1.0 + rise),
            ),
        ];
        for (name, unit, baseline, target, reached) in indicators {
            let id = Uuid::from_bytes(rng.random());
            let halfway = baseline + (reached - baseline) / 2.0;
            let mut latest = None;
            for (value, after) in [(halfway, 90), (reached, 180)] {
                let value = (value * 10.0).round() / 10.0;
                bulk.measurements.push((
                    Measurement {
                        id: Uuid::from_bytes(rng.random()),
                        indicator_id: id,
                        value,
                        measured_on: day(project, after),
                        note: None,
                        created_at: decided,
                    },
                    project.id,
                    project.lead_id,
                ));
                latest = Some(value);
            }
            let indicator = Indicator {
                id,
                project_id: project.id,
                name: name.to_owned(),
                unit: unit.to_owned(),
                baseline,
                target,
                latest,
                created_at: decided,
            };
            follow.indicators_total += 1;
            follow.indicators_met += i64::from(indicator.met());
            bulk.indicators.push((indicator, project.lead_id));
        }
    }

    // The report that the transfer handed to elected officials.
    if project.stage == Stage::Transfer {
        let report = Report {
            summary: format!(
                "« {} » a été conçu avec les usagers, testé puis transféré.",
                project.fields.title.as_str()
            ),
            results: "Le coût par famille accompagnée a baissé et l'usage du service a \
                      progressé : voir les indicateurs du projet."
                .to_owned(),
            recommendations: "Reprendre le modèle dans les territoires voisins et l'inscrire \
                              au budget de l'année suivante."
                .to_owned(),
            updated_at: decided,
        };
        history.push(HistoryEntry {
            at: decided,
            actor_id: project.lead_id,
            actor_role: Role::Lead,
            change: Change::Report,
            comment: None,
            batch: None,
            reasons: Vec::new(),
        });
        bulk.reports.push((project.id, report, project.lead_id));
        follow.reported = true;
    }
    project.follow_up = follow;
    history
}
