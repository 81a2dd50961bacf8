//! The demonstration data, planned without touching the database: every project with its
//! supports and its history (the statuses reached through the status machine), the funds that
//! paid for them, the events. Deterministic for a seed.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use terrain_domain::{
    Action, Cents, Change, Event, EventKind, Fund, FundCode, Grant, HistoryEntry, Programme,
    Project, ProjectFields, Role, Stage, Status, Support, SupportKind, Territory, Theme,
    event::Attendance,
    project::{Category as ProjectCategory, Period, ProjectTitle, Stakeholder, Summary, Uai},
    status::{self, Circumstances},
};
use uuid::Uuid;

use crate::AppError;

/// Published figures of the programmes, per unit of scale.
pub(super) const EDUCATION_SUBMITTED: u64 = 14_000;
pub(super) const EDUCATION_VALIDATED: u64 = 6_800;
pub(super) const HEALTH_EVENTS: u64 = 500;
pub(super) const HEALTH_PARTICIPANTS: u64 = 10_000;
pub(super) const HEALTH_VALIDATED: u64 = 780;
pub(super) const HEALTH_SUPPORTED: u64 = 617;

/// Splits `total` into parts proportional to `weights`, exactly (largest remainders).
pub(super) fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut parts: Vec<(usize, u64, u64)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = u128::from(total) * u128::from(*w);
            let floor = u64::try_from(exact / u128::from(sum)).unwrap_or(0);
            let remainder = u64::try_from(exact % u128::from(sum)).unwrap_or(0);
            (i, floor, remainder)
        })
        .collect();
    let assigned: u64 = parts.iter().map(|p| p.1).sum();
    let mut left = total - assigned;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.1).collect()
}

pub(super) fn uai_in(department_code: &str, rng: &mut ChaCha8Rng) -> Option<Uai> {
    let prefix = match department_code {
        "2A" => "620".to_owned(),
        "2B" => "720".to_owned(),
        code if code.len() == 3 => code.to_owned(),
        code => format!("0{code}"),
    };
    let digits = format!("{prefix}{:04}", rng.random_range(0..10_000));
    let n: usize = digits.parse().ok()?;
    let letter = b"ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23] as char;
    Uai::parse(&format!("{digits}{letter}")).ok()
}

pub(super) fn moment(
    rng: &mut ChaCha8Rng,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(1);
    from + Duration::seconds(rng.random_range(0..span))
}

pub(super) fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

pub(super) const EDUCATION_IDEAS: [(&str, &[&str]); 8] = [
    (
        "pedagogy",
        &[
            "Classe flexible",
            "Tutorat entre élèves",
            "Laboratoire de lecture",
            "Atelier de mathématiques par le jeu",
        ],
    ),
    (
        "educational_continuity",
        &[
            "Passerelle école-collège",
            "Cahier de liaison partagé",
            "Semaine d'accueil des sixièmes",
        ],
    ),
    (
        "guidance",
        &[
            "Forum des métiers",
            "Parcours découverte des entreprises",
            "Mentorat par d'anciens élèves",
        ],
    ),
    (
        "inclusion",
        &[
            "Classe inclusive",
            "Accueil des élèves allophones",
            "Cour accessible à tous",
        ],
    ),
    (
        "wellbeing",
        &[
            "Cour oasis",
            "Espace calme",
            "Petit-déjeuner partagé",
            "Médiation par les pairs",
        ],
    ),
    (
        "arts_culture",
        &[
            "Chorale inter-écoles",
            "Résidence d'artiste",
            "Fresque collective",
            "Théâtre forum",
        ],
    ),
    (
        "digital",
        &[
            "Atelier robotique",
            "Web radio scolaire",
            "Éducation aux médias",
            "Fab lab",
        ],
    ),
    (
        "other",
        &[
            "Jardin pédagogique",
            "Potager partagé",
            "Éco-délégués en action",
        ],
    ),
];

pub(super) const HEALTH_IDEAS: [(&str, &[&str]); 6] = [
    (
        "prevention",
        &[
            "Dépistage itinérant",
            "Ateliers nutrition",
            "Prévention des chutes",
            "Activité physique sur ordonnance",
        ],
    ),
    (
        "access_to_care",
        &[
            "Maison de santé pluriprofessionnelle",
            "Bus santé",
            "Téléconsultation accompagnée",
        ],
    ),
    (
        "unscheduled_care",
        &[
            "Permanence de soins du soir",
            "Régulation partagée des soins non programmés",
        ],
    ),
    (
        "workforce_attractiveness",
        &[
            "Accueil des internes",
            "Logement des jeunes soignants",
            "Guichet d'installation",
        ],
    ),
    (
        "mental_health",
        &[
            "Premiers secours en santé mentale",
            "Groupe d'entraide mutuelle",
            "Maison des adolescents",
        ],
    ),
    (
        "other",
        &["Santé environnement", "Coordination des aidants"],
    ),
];

pub(super) const FIRST_NAMES: [&str; 16] = [
    "Camille", "Léa", "Nathalie", "Sophie", "Amina", "Claire", "Julie", "Inès", "Thomas",
    "Nicolas", "Karim", "Julien", "Pierre", "Mathieu", "Youssef", "Olivier",
];
pub(super) const LAST_NAMES: [&str; 16] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Benali",
];

fn title(
    ideas: &[(&str, &[&str])],
    theme: &str,
    place: &str,
    rng: &mut ChaCha8Rng,
) -> ProjectTitle {
    let names = ideas
        .iter()
        .find(|(t, _)| *t == theme)
        .map_or(&["Projet local"][..], |(_, names)| *names);
    let name = names.choose(rng).copied().unwrap_or("Projet local");
    ProjectTitle::parse(&format!("{name} — {place}"))
        .or_else(|_| ProjectTitle::parse(name))
        .unwrap_or_else(|_| unreachable!("demo titles are valid"))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one place builds every demo project"
)]
pub(super) fn project(
    rng: &mut ChaCha8Rng,
    programme: &Programme,
    ideas: &[(&str, &[&str])],
    department: &Territory,
    lead: Uuid,
    status: Status,
    stakeholders: &[Stakeholder],
    with_uai: bool,
) -> Project {
    let theme: &Theme = programme.themes.choose(rng).unwrap_or(&programme.themes[0]);
    let submitted = moment(rng, day(2022, 1, 3), day(2025, 10, 31));
    let created = submitted - Duration::days(rng.random_range(1..60));
    let decided = matches!(status, Status::Validated | Status::Rejected)
        .then(|| (submitted + Duration::days(rng.random_range(20..120))).min(day(2025, 12, 19)));
    let stage = match (status, rng.random_range(0..100)) {
        (Status::Validated, n) if n < 10 => Stage::Initiate,
        (Status::Validated, n) if n < 40 => Stage::Create,
        (Status::Validated, n) if n < 75 => Stage::Test,
        (Status::Validated, _) => Stage::Transfer,
        (Status::Rejected | Status::Withdrawn, _) => Stage::Initiate,
        (_, n) if n < 60 => Stage::Initiate,
        _ => Stage::Create,
    };
    let mut chosen = BTreeSet::new();
    for _ in 0..rng.random_range(1..4) {
        if let Some(s) = stakeholders.choose(rng) {
            chosen.insert(*s);
        }
    }
    let requested = rng.random_range(200_000..3_000_000_i64);
    let fields = ProjectFields {
        programme: programme.code.clone(),
        territory: department.id().clone(),
        title: title(ideas, &theme.code, &department.name, rng),
        summary: Summary::parse(&format!(
            "Projet né d'une concertation locale ({}), porté avec {} partenaires.",
            department.name,
            chosen.len()
        ))
        .unwrap_or_else(|_| unreachable!("demo summaries are valid")),
        description: None,
        theme: theme.code.clone(),
        category: [
            ProjectCategory::Community,
            ProjectCategory::ServiceRedesign,
            ProjectCategory::Strategic,
        ]
        .choose(rng)
        .copied()
        .unwrap_or(ProjectCategory::Community),
        establishment_uai: if with_uai {
            uai_in(department.id().code(), rng)
        } else {
            None
        },
        requested_amount: Cents::new(requested).unwrap_or_default(),
        stakeholders: chosen,
        period: Period::new(
            Some(submitted.date_naive() + Duration::days(90)),
            Some(submitted.date_naive() + Duration::days(455)),
        )
        .unwrap_or_default(),
    };
    Project {
        id: Uuid::from_bytes(rng.random()),
        fields,
        territory_path: department.path.clone(),
        lead_id: lead,
        status,
        stage,
        version: 1,
        created_at: created,
        updated_at: decided.unwrap_or(submitted),
        submitted_at: Some(submitted),
        decided_at: decided,
        granted_cents: 0,
        support_kinds: BTreeSet::new(),
        support_count: 0,
        event_count: 0,
        follow_up: Default::default(),
    }
}

pub(super) fn year_of(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike as _;
    at.year()
}

pub(super) fn fund(
    code: &str,
    name: &str,
    programme: &Programme,
    territory: &Territory,
    year: i32,
    committed: i64,
    rng: &mut ChaCha8Rng,
) -> Result<Fund, AppError> {
    let margin = rng.random_range(5..30);
    Ok(Fund {
        code: FundCode::parse(code).map_err(AppError::internal)?,
        name: name.to_owned(),
        programme: programme.code.clone(),
        territory: Some(territory.path.clone()),
        year,
        envelope: Cents::new(committed + committed * margin / 100 + 1)
            .map_err(AppError::internal)?,
        committed_cents: committed,
        paid_cents: 0,
        created_at: day(year, 1, 15),
    })
}

/// The actions that take a project from `draft` to `status`.
fn actions_to(status: Status) -> &'static [Action] {
    use Action as A;
    match status {
        Status::Draft => &[],
        Status::Submitted => &[A::Submit],
        Status::UnderReview => &[A::Submit, A::StartReview],
        Status::ChangesRequested => &[A::Submit, A::StartReview, A::RequestChanges],
        Status::Validated => &[A::Submit, A::StartReview, A::Validate],
        Status::Rejected => &[A::Submit, A::StartReview, A::Reject],
        Status::Withdrawn => &[A::Submit, A::Withdraw],
    }
}

/// The history of a planned project: its way to its status through the status machine (a week
/// between steps, the decision on its date), then its supports.
///
/// # Errors
/// When the machine refuses a step (a bug of the plan).
pub(super) fn history(
    project: &Project,
    supports: &[Support],
    admin: Uuid,
) -> Result<Vec<HistoryEntry>, AppError> {
    let mut entries = Vec::new();
    let mut current = Status::Draft;
    let start = project
        .submitted_at
        .unwrap_or(project.created_at)
        .max(project.created_at);
    for (index, action) in actions_to(project.status).iter().copied().enumerate() {
        let with_comment = Circumstances {
            has_comment: true,
            has_financial_support: false,
        };
        let to = status::apply(current, action, action.taken_by(), with_comment)
            .map_err(AppError::internal)?;
        let (actor, role) = match action.taken_by() {
            status::Party::Owner => (project.lead_id, Role::Lead),
            _ => (admin, Role::Admin),
        };
        let at = match (action, project.decided_at) {
            (Action::Validate | Action::Reject, Some(decided)) => decided,
            _ => start + Duration::days(i64::try_from(index).unwrap_or(0) * 7),
        };
        entries.push(HistoryEntry {
            at,
            actor_id: actor,
            actor_role: role,
            change: Change::Transition {
                action,
                from: current,
                to,
            },
            comment: action
                .requires_comment()
                .then(|| "Avis de la commission".to_owned()),
            batch: None,
            reasons: if action == Action::RequestChanges {
                vec![terrain_domain::CorrectionReason::Incomplete]
            } else {
                Vec::new()
            },
        });
        current = to;
    }
    if current != project.status {
        return Err(AppError::internal(anyhow::anyhow!(
            "the plan reached {current}, not {}",
            project.status
        )));
    }
    for support in supports {
        entries.push(HistoryEntry {
            at: support.granted_at,
            actor_id: admin,
            actor_role: Role::Admin,
            change: Change::Support(support.grant.clone()),
            comment: support.note.clone(),
            batch: None,
            reasons: Vec::new(),
        });
    }
    Ok(entries)
}

/// What the plan knows of the world: the programmes and the accounts already written.
pub(super) struct World<'a> {
    /// Education.
    pub education: &'a Programme,
    /// Health.
    pub health: &'a Programme,
    /// The leads, one of whom carries each project.
    pub leads: &'a [Uuid],
    /// The national administrator, who decides.
    pub admin: Uuid,
}

/// A project as planned, with its supports.
pub(super) struct Planned {
    /// The project, with the figures its supports give it.
    pub project: Project,
    /// Its supports.
    pub supports: Vec<Support>,
}

const SCHOOL_PEOPLE: [Stakeholder; 6] = [
    Stakeholder::Teachers,
    Stakeholder::SchoolStaff,
    Stakeholder::Pupils,
    Stakeholder::Parents,
    Stakeholder::LocalAuthority,
    Stakeholder::Associations,
];

const HEALTH_PEOPLE: [Stakeholder; 6] = [
    Stakeholder::HealthProfessionals,
    Stakeholder::Patients,
    Stakeholder::Residents,
    Stakeholder::ElectedOfficials,
    Stakeholder::LocalAuthority,
    Stakeholder::Associations,
];

fn code(text: &str) -> Result<FundCode, AppError> {
    FundCode::parse(text).map_err(AppError::internal)
}

/// One project of an académie: validated (and supported with money and people from the
/// académie's fund of its year, added to `granted_by_year`) or in another status.
pub(super) fn education_project(
    rng: &mut ChaCha8Rng,
    world: &World<'_>,
    academy: &Territory,
    departments: &[&Territory],
    validated: bool,
    granted_by_year: &mut std::collections::BTreeMap<i32, i64>,
) -> Result<Planned, AppError> {
    let status = if validated {
        Status::Validated
    } else {
        match rng.random_range(0..100) {
            0..45 => Status::Rejected,
            45..55 => Status::Withdrawn,
            55..70 => Status::UnderReview,
            70..90 => Status::Submitted,
            _ => Status::ChangesRequested,
        }
    };
    let department = departments.choose(rng).copied().unwrap_or(academy);
    let lead = world.leads.choose(rng).copied().unwrap_or(world.admin);
    let mut project = project(
        rng,
        world.education,
        &EDUCATION_IDEAS,
        department,
        lead,
        status,
        &SCHOOL_PEOPLE,
        true,
    );
    let mut supports = Vec::new();
    if let (Status::Validated, Some(decided)) = (status, project.decided_at) {
        let year = year_of(decided);
        let amount = project.fields.requested_amount.get() * rng.random_range(70..=100) / 100;
        let fund = code(&format!("FIP-{year}-AC{}", academy.id().code()))?;
        *granted_by_year.entry(year).or_default() += amount;
        project.granted_cents = amount;
        let at = decided + Duration::days(rng.random_range(7..45));
        supports.push(Support {
            id: Uuid::from_bytes(rng.random()),
            project_id: project.id,
            grant: Grant::Financial {
                fund,
                amount: Cents::new(amount).unwrap_or_default(),
            },
            note: Some("Fonds d'innovation pédagogique".into()),
            granted_by: world.admin,
            granted_at: at,
            paid_cents: 0,
        });
        supports.push(Support {
            id: Uuid::from_bytes(rng.random()),
            project_id: project.id,
            grant: Grant::Other(SupportKind::Human),
            note: Some("Accompagnement par un conseiller pédagogique".into()),
            granted_by: world.admin,
            granted_at: at,
            paid_cents: 0,
        });
        project.updated_at = at;
    }
    Ok(Planned { project, supports })
}

/// The events of a région: `count` events sharing `participants` among six categories.
pub(super) fn health_events(
    rng: &mut ChaCha8Rng,
    world: &World<'_>,
    region: &Territory,
    departments: &[&Territory],
    count: u64,
    participants: u64,
) -> Result<Vec<Event>, AppError> {
    let event_weights: Vec<u64> = (0..count).map(|_| rng.random_range(5..40)).collect();
    let sizes = apportion(participants, &event_weights);
    let mut events = Vec::new();
    for size in sizes {
        let department = departments.choose(rng).copied().unwrap_or(region);
        let category_weights: Vec<u64> = (0..6).map(|_| rng.random_range(1..10)).collect();
        let split = apportion(size, &category_weights);
        let categories = [
            "residents",
            "health_professionals",
            "patients",
            "elected_officials",
            "associations",
            "citizens",
        ];
        let attendance =
            Attendance::parse(categories.iter().copied().zip(split)).map_err(AppError::internal)?;
        let starts = moment(rng, day(2022, 1, 10), day(2025, 9, 30));
        let place = &department.name;
        let kind = *EventKind::ALL.choose(rng).unwrap_or(&EventKind::Forum);
        let label = match kind {
            EventKind::Consultation => "Consultation citoyenne",
            EventKind::Workshop => "Atelier santé",
            EventKind::Forum => "Forum santé",
            EventKind::Meeting => "Réunion publique",
        };
        events.push(Event {
            id: Uuid::from_bytes(rng.random()),
            programme: world.health.code.clone(),
            territory: department.path.clone(),
            title: ProjectTitle::parse(&format!("{label} — {place}"))
                .map_err(AppError::internal)?,
            kind,
            starts_at: starts,
            ends_at: Some(starts + Duration::hours(3)),
            location: Some(format!("Salle municipale, {place}")),
            attendance,
            project_ids: Vec::new(),
            created_by: world.admin,
            version: 1,
            created_at: starts - Duration::days(20),
            updated_at: starts - Duration::days(20),
        });
    }
    Ok(events)
}

/// One validated initiative of a région, born from one of its `events`, and when `supported`
/// helped with method and/or money from the région's FIR of its year.
pub(super) fn health_project(
    rng: &mut ChaCha8Rng,
    world: &World<'_>,
    region: &Territory,
    departments: &[&Territory],
    supported: bool,
    events: &mut [Event],
    granted_by_year: &mut std::collections::BTreeMap<i32, i64>,
) -> Result<Planned, AppError> {
    let department = departments.choose(rng).copied().unwrap_or(region);
    let lead = world.leads.choose(rng).copied().unwrap_or(world.admin);
    let mut project = project(
        rng,
        world.health,
        &HEALTH_IDEAS,
        department,
        lead,
        Status::Validated,
        &HEALTH_PEOPLE,
        false,
    );
    if !events.is_empty() {
        let pick = rng.random_range(0..events.len());
        events[pick].project_ids.push(project.id);
        project.event_count = 1;
    }
    let mut supports = Vec::new();
    if supported && let Some(decided) = project.decided_at {
        let at = decided + Duration::days(rng.random_range(7..45));
        let style = rng.random_range(0..100);
        if style < 60 {
            supports.push(Support {
                id: Uuid::from_bytes(rng.random()),
                project_id: project.id,
                grant: Grant::Other(SupportKind::Methodological),
                note: Some("Appui méthodologique de l'ARS".into()),
                granted_by: world.admin,
                granted_at: at,
                paid_cents: 0,
            });
        }
        if style >= 40 {
            let year = year_of(decided);
            let amount = project.fields.requested_amount.get() * rng.random_range(50..=100) / 100;
            *granted_by_year.entry(year).or_default() += amount;
            project.granted_cents = amount;
            supports.push(Support {
                id: Uuid::from_bytes(rng.random()),
                project_id: project.id,
                grant: Grant::Financial {
                    fund: code(&format!("FIR-{year}-R{}", region.id().code()))?,
                    amount: Cents::new(amount).unwrap_or_default(),
                },
                note: Some("Fonds d'intervention régional".into()),
                granted_by: world.admin,
                granted_at: at,
                paid_cents: 0,
            });
        }
        project.updated_at = at;
    }
    Ok(Planned { project, supports })
}
#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn apportion_splits_exactly_and_proportionally() {
        let parts = apportion(100, &[1, 1, 1]);
        assert_eq!(parts.iter().sum::<u64>(), 100);
        assert_eq!(parts, [34, 33, 33]);
        assert_eq!(apportion(7, &[0, 5]), [0, 7]);
        assert_eq!(apportion(0, &[3, 4]).iter().sum::<u64>(), 0);
    }

    #[test]
    fn demo_uais_are_valid_and_in_their_department() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for code in ["01", "2A", "2B", "69", "974", "976"] {
            let uai = uai_in(code, &mut rng).expect("valid");
            assert_eq!(uai.department().code(), code);
        }
    }
}
