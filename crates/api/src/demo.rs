//! `terrain demo`: a deterministic demonstration data set whose statistics reproduce the
//! programmes' published figures (SPEC §9), multiplied by `--scale`. Generated one académie
//! (or région) at a time, written in batches inside one transaction, with the counters added
//! as it goes.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use terrain_domain::{
    Cents, DisplayName, Email, Event, EventKind, Fund, FundCode, Grant, HistoryEntry, HistoryKind,
    Password, Programme, ProgrammeCode, Project, ProjectFields, Role, Stage, Status, Support,
    SupportKind, Territory, TerritoryKind, Theme,
    event::Attendance,
    project::{Category as ProjectCategory, Period, ProjectTitle, Stakeholder, Summary, Uai},
    stats::Delta,
};
use terrain_persistence::{
    Database, DatabaseTransaction, StoreError,
    repo::{
        events, funds, projects, reference, stats, supports,
        users::{self, NewUser},
    },
};
use uuid::Uuid;

use crate::{auth::password, error::ApiError, progress::Progress};

/// The password of every demonstration account.
pub const DEMO_PASSWORD: &str = "terrain-demo-2025";

/// Published figures of the programmes, per unit of scale.
const EDUCATION_SUBMITTED: u64 = 14_000;
const EDUCATION_VALIDATED: u64 = 6_800;
const HEALTH_EVENTS: u64 = 500;
const HEALTH_PARTICIPANTS: u64 = 10_000;
const HEALTH_VALIDATED: u64 = 780;
const HEALTH_SUPPORTED: u64 = 617;

/// Rows per insert statement.
const BATCH: usize = 400;

/// What `terrain demo` wrote.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    /// Accounts created.
    pub accounts: usize,
    /// Projects.
    pub projects: usize,
    /// Supports.
    pub supports: usize,
    /// Funds.
    pub funds: usize,
    /// Events.
    pub events: usize,
}

/// Splits `total` into parts proportional to `weights`, exactly (largest remainders).
fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
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

fn uai_in(department_code: &str, rng: &mut ChaCha8Rng) -> Option<Uai> {
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

fn moment(rng: &mut ChaCha8Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(1);
    from + Duration::seconds(rng.random_range(0..span))
}

fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

const EDUCATION_IDEAS: [(&str, &[&str]); 8] = [
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

const HEALTH_IDEAS: [(&str, &[&str]); 6] = [
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

const FIRST_NAMES: [&str; 16] = [
    "Camille", "Léa", "Nathalie", "Sophie", "Amina", "Claire", "Julie", "Inès", "Thomas",
    "Nicolas", "Karim", "Julien", "Pierre", "Mathieu", "Youssef", "Olivier",
];
const LAST_NAMES: [&str; 16] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Benali",
];

struct Writer<'a> {
    txn: &'a DatabaseTransaction,
    delta: Delta,
    projects: Vec<Project>,
    supports: Vec<Support>,
    history: Vec<(Uuid, HistoryEntry)>,
    summary: DemoSummary,
    progress: Progress,
}

impl Writer<'_> {
    async fn project(
        &mut self,
        project: Project,
        supports: Vec<Support>,
        admin: Uuid,
    ) -> Result<(), StoreError> {
        let mut project = project;
        project.support_kinds = supports.iter().map(|s| s.grant.kind()).collect();
        project.support_count = i64::try_from(supports.len()).unwrap_or_default();
        stats::add_project(&mut self.delta, &project, 1)?;
        for (index, (action, from, to)) in path_to(project.status).into_iter().enumerate() {
            let (actor, role) = if matches!(action, "submit" | "withdraw") {
                (project.lead_id, Role::Lead)
            } else {
                (admin, Role::Admin)
            };
            let at = project
                .submitted_at
                .unwrap_or(project.created_at)
                .max(project.created_at)
                + Duration::days(i64::try_from(index).unwrap_or(0) * 7);
            let at = match (action, project.decided_at) {
                ("validate" | "reject", Some(decided)) => decided,
                _ => at,
            };
            self.history.push((
                project.id,
                HistoryEntry {
                    at,
                    actor_id: actor,
                    actor_role: role,
                    kind: HistoryKind::Transition,
                    action: action.to_owned(),
                    from: Some(from.as_str().to_owned()),
                    to: Some(to.as_str().to_owned()),
                    comment: matches!(action, "reject" | "request_changes")
                        .then(|| "Avis de la commission".to_owned()),
                },
            ));
        }
        for support in &supports {
            self.history.push((
                project.id,
                HistoryEntry {
                    at: support.granted_at,
                    actor_id: admin,
                    actor_role: Role::Admin,
                    kind: HistoryKind::Support,
                    action: support.grant.kind().as_str().to_owned(),
                    from: None,
                    to: match &support.grant {
                        Grant::Financial { fund, amount } => {
                            Some(format!("{fund} {}", amount.get()))
                        }
                        Grant::Other(_) => None,
                    },
                    comment: support.note.clone(),
                },
            ));
        }
        self.supports.extend(supports);
        self.projects.push(project);
        if self.projects.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        let projects = std::mem::take(&mut self.projects);
        projects::insert_many(self.txn, &projects).await?;
        for chunk in std::mem::take(&mut self.history).chunks(BATCH) {
            projects::append_history_many(self.txn, chunk).await?;
        }
        self.summary.projects += projects.len();
        self.progress.advance(projects.len() as u64);
        Ok(())
    }

    /// Writes the funds of one académie or région, then the supports they paid for (after
    /// the projects, which `flush` wrote).
    async fn close_territory(&mut self, funds: &[Fund]) -> Result<(), StoreError> {
        self.flush().await?;
        for chunk in funds.chunks(BATCH) {
            funds::insert_many(self.txn, chunk).await?;
        }
        self.summary.funds += funds.len();
        for chunk in std::mem::take(&mut self.supports).chunks(BATCH) {
            supports::insert_many(self.txn, chunk).await?;
            self.summary.supports += chunk.len();
        }
        Ok(())
    }
}

/// The transitions that lead from `draft` to `status`.
fn path_to(status: Status) -> Vec<(&'static str, Status, Status)> {
    use Status as S;
    let submit = ("submit", S::Draft, S::Submitted);
    let review = ("start_review", S::Submitted, S::UnderReview);
    match status {
        S::Draft => vec![],
        S::Submitted => vec![submit],
        S::UnderReview => vec![submit, review],
        S::ChangesRequested => vec![
            submit,
            review,
            ("request_changes", S::UnderReview, S::ChangesRequested),
        ],
        S::Validated => vec![submit, review, ("validate", S::UnderReview, S::Validated)],
        S::Rejected => vec![submit, review, ("reject", S::UnderReview, S::Rejected)],
        S::Withdrawn => vec![submit, ("withdraw", S::Submitted, S::Withdrawn)],
    }
}

struct Accounts {
    admin: Uuid,
    leads: Vec<Uuid>,
}

async fn accounts(
    txn: &DatabaseTransaction,
    hash: &str,
    rng: &mut ChaCha8Rng,
    scale: u64,
    summary: &mut DemoSummary,
) -> Result<Accounts, ApiError> {
    let mut create = async |email: String,
                            name: String,
                            role: Role,
                            programme: Option<&str>,
                            territory: Option<&str>| {
        let user = users::insert(
            txn,
            NewUser {
                email: Email::parse(&email).map_err(|e| ApiError::Internal(e.into()))?,
                display_name: DisplayName::parse(&name)
                    .map_err(|e| ApiError::Internal(e.into()))?,
                password_hash: hash.to_owned(),
                role,
                scope_programme: programme.and_then(|p| ProgrammeCode::parse(p).ok()),
                scope_territory: territory.and_then(|t| terrain_domain::TerritoryId::parse(t).ok()),
            },
        )
        .await?;
        summary.accounts += 1;
        Ok::<Uuid, ApiError>(user.id)
    };
    let admin = create(
        "admin@demo.terrain.fr".into(),
        "Administration nationale".into(),
        Role::Admin,
        None,
        None,
    )
    .await?;
    create(
        "observatoire@demo.terrain.fr".into(),
        "Observatoire".into(),
        Role::Observer,
        None,
        None,
    )
    .await?;
    let mut leads = Vec::new();
    for i in 0..(200 * scale) {
        let first = FIRST_NAMES.choose(rng).copied().unwrap_or("Camille");
        let last = LAST_NAMES.choose(rng).copied().unwrap_or("Martin");
        leads.push(
            create(
                format!("porteur{i}@demo.terrain.fr"),
                format!("{first} {last}"),
                Role::Lead,
                None,
                None,
            )
            .await?,
        );
    }
    Ok(Accounts { admin, leads })
}

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
fn project(
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
    }
}

fn year_of(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike as _;
    at.year()
}

/// Writes the demonstration data set into an empty database.
///
/// # Errors
/// When the database already holds an account or a project (the demonstration accounts, a
/// national administrator among them, have a published password), or fails.
pub async fn generate(db: &Database, scale: u64, seed: u64) -> Result<DemoSummary, ApiError> {
    if projects::count(db.reader()).await? > 0 || users::count(db.reader()).await? > 0 {
        return Err(ApiError::Conflict(
            "the database already holds accounts or projects: terrain demo fills an empty one \
             (its accounts have a published password)"
                .into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let conn = db.reader();
    let programmes = reference::all_programmes(conn).await?;
    let education = programmes
        .iter()
        .find(|p| p.code.as_str() == "education")
        .cloned()
        .ok_or(ApiError::NotFound)?;
    let health = programmes
        .iter()
        .find(|p| p.code.as_str() == "health")
        .cloned()
        .ok_or(ApiError::NotFound)?;
    let territories = reference::all_territories(conn).await?;
    let of_kind = |kind: TerritoryKind| -> Vec<&Territory> {
        territories
            .iter()
            .filter(|t| t.id().kind() == kind)
            .collect()
    };
    let departments_in = |parent: &Territory| -> Vec<&Territory> {
        of_kind(TerritoryKind::Department)
            .into_iter()
            .filter(|d| parent.path.contains(&d.path))
            .collect()
    };
    let hash =
        password::hash(Password::parse(DEMO_PASSWORD).map_err(|e| ApiError::Internal(e.into()))?)
            .await?;

    let total_projects = (EDUCATION_SUBMITTED + HEALTH_VALIDATED) * scale;
    let txn = db.begin_write().await?;
    let mut summary = DemoSummary::default();
    let Accounts { admin, leads } = accounts(&txn, &hash, &mut rng, scale, &mut summary).await?;
    let mut writer = Writer {
        txn: &txn,
        delta: Delta::default(),
        projects: Vec::new(),
        supports: Vec::new(),
        history: Vec::new(),
        summary,
        progress: Progress::new("demo", total_projects),
    };

    // Education: 14,000 submitted, 6,800 validated and supported, over the 30 académies.
    let academies = of_kind(TerritoryKind::Academy);
    let weights: Vec<u64> = academies
        .iter()
        .map(|a| 2 + departments_in(a).len() as u64 + rng.random_range(0..3))
        .collect();
    let submitted = apportion(EDUCATION_SUBMITTED * scale, &weights);
    let validated = apportion(EDUCATION_VALIDATED * scale, &submitted);
    let school_people = [
        Stakeholder::Teachers,
        Stakeholder::SchoolStaff,
        Stakeholder::Pupils,
        Stakeholder::Parents,
        Stakeholder::LocalAuthority,
        Stakeholder::Associations,
    ];
    for ((academy, n), v) in academies.iter().zip(&submitted).zip(&validated) {
        let departments = departments_in(academy);
        let mut granted_by_year = std::collections::BTreeMap::<i32, i64>::new();
        for i in 0..*n {
            let status = if i < *v {
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
            let department = departments.choose(&mut rng).copied().unwrap_or(academy);
            let lead = leads.choose(&mut rng).copied().unwrap_or(admin);
            let mut project = project(
                &mut rng,
                &education,
                &EDUCATION_IDEAS,
                department,
                lead,
                status,
                &school_people,
                true,
            );
            let mut supports = Vec::new();
            if let (Status::Validated, Some(decided)) = (status, project.decided_at) {
                let year = year_of(decided);
                let amount =
                    project.fields.requested_amount.get() * rng.random_range(70..=100) / 100;
                let fund = FundCode::parse(&format!("FIP-{year}-AC{}", academy.id().code()))
                    .map_err(|e| ApiError::Internal(e.into()))?;
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
                    granted_by: admin,
                    granted_at: at,
                });
                supports.push(Support {
                    id: Uuid::from_bytes(rng.random()),
                    project_id: project.id,
                    grant: Grant::Other(SupportKind::Human),
                    note: Some("Accompagnement par un conseiller pédagogique".into()),
                    granted_by: admin,
                    granted_at: at,
                });
                project.updated_at = at;
            }
            writer.project(project, supports, admin).await?;
        }
        let mut academy_funds = Vec::new();
        for (year, committed) in granted_by_year {
            academy_funds.push(fund(
                &format!("FIP-{year}-AC{}", academy.id().code()),
                &format!("Fonds d'innovation pédagogique {year} — {}", academy.name),
                &education,
                academy,
                year,
                committed,
                &mut rng,
            )?);
        }
        writer.close_territory(&academy_funds).await?;
    }

    // Health: 780 validated initiatives, 617 of them supported by regional FIR funds; 500
    // events with 10,000 participants; over the 18 régions.
    let regions = of_kind(TerritoryKind::Region);
    let region_weights: Vec<u64> = regions
        .iter()
        .map(|r| 1 + departments_in(r).len() as u64)
        .collect();
    let initiatives = apportion(HEALTH_VALIDATED * scale, &region_weights);
    let supported = apportion(HEALTH_SUPPORTED * scale, &initiatives);
    let events_per_region = apportion(HEALTH_EVENTS * scale, &region_weights);
    let participants_per_region = apportion(HEALTH_PARTICIPANTS * scale, &events_per_region);
    let health_people = [
        Stakeholder::HealthProfessionals,
        Stakeholder::Patients,
        Stakeholder::Residents,
        Stakeholder::ElectedOfficials,
        Stakeholder::LocalAuthority,
        Stakeholder::Associations,
    ];
    let mut events_out = Vec::new();
    for (index, region) in regions.iter().enumerate() {
        let departments = departments_in(region);
        let mut region_events = Vec::new();
        let event_weights: Vec<u64> = (0..events_per_region[index])
            .map(|_| rng.random_range(5..40))
            .collect();
        let sizes = apportion(participants_per_region[index], &event_weights);
        for size in sizes {
            let department = departments.choose(&mut rng).copied().unwrap_or(region);
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
            let attendance = Attendance::parse(categories.iter().copied().zip(split))
                .map_err(|e| ApiError::Internal(e.into()))?;
            let starts = moment(&mut rng, day(2022, 1, 10), day(2025, 9, 30));
            let place = &department.name;
            let kind = *EventKind::ALL.choose(&mut rng).unwrap_or(&EventKind::Forum);
            let label = match kind {
                EventKind::Consultation => "Consultation citoyenne",
                EventKind::Workshop => "Atelier santé",
                EventKind::Forum => "Forum santé",
                EventKind::Meeting => "Réunion publique",
            };
            region_events.push(Event {
                id: Uuid::from_bytes(rng.random()),
                programme: health.code.clone(),
                territory: department.path.clone(),
                title: ProjectTitle::parse(&format!("{label} — {place}"))
                    .map_err(|e| ApiError::Internal(e.into()))?,
                kind,
                starts_at: starts,
                ends_at: Some(starts + Duration::hours(3)),
                location: Some(format!("Salle municipale, {place}")),
                attendance,
                project_ids: Vec::new(),
                created_by: admin,
                version: 1,
                created_at: starts - Duration::days(20),
                updated_at: starts - Duration::days(20),
            });
        }
        let mut granted_by_year = std::collections::BTreeMap::<i32, i64>::new();
        for i in 0..initiatives[index] {
            let department = departments.choose(&mut rng).copied().unwrap_or(region);
            let lead = leads.choose(&mut rng).copied().unwrap_or(admin);
            let mut project = project(
                &mut rng,
                &health,
                &HEALTH_IDEAS,
                department,
                lead,
                Status::Validated,
                &health_people,
                false,
            );
            if !region_events.is_empty() {
                let pick = rng.random_range(0..region_events.len());
                region_events[pick].project_ids.push(project.id);
                project.event_count = 1;
            }
            let mut supports = Vec::new();
            if i < supported[index]
                && let Some(decided) = project.decided_at
            {
                let at = decided + Duration::days(rng.random_range(7..45));
                let style = rng.random_range(0..100);
                if style < 60 {
                    supports.push(Support {
                        id: Uuid::from_bytes(rng.random()),
                        project_id: project.id,
                        grant: Grant::Other(SupportKind::Methodological),
                        note: Some("Appui méthodologique de l'ARS".into()),
                        granted_by: admin,
                        granted_at: at,
                    });
                }
                if style >= 40 {
                    let year = year_of(decided);
                    let amount =
                        project.fields.requested_amount.get() * rng.random_range(50..=100) / 100;
                    *granted_by_year.entry(year).or_default() += amount;
                    project.granted_cents = amount;
                    supports.push(Support {
                        id: Uuid::from_bytes(rng.random()),
                        project_id: project.id,
                        grant: Grant::Financial {
                            fund: FundCode::parse(&format!("FIR-{year}-R{}", region.id().code()))
                                .map_err(|e| ApiError::Internal(e.into()))?,
                            amount: Cents::new(amount).unwrap_or_default(),
                        },
                        note: Some("Fonds d'intervention régional".into()),
                        granted_by: admin,
                        granted_at: at,
                    });
                }
                project.updated_at = at;
            }
            writer.project(project, supports, admin).await?;
        }
        let mut region_funds = Vec::new();
        for (year, committed) in granted_by_year {
            region_funds.push(fund(
                &format!("FIR-{year}-R{}", region.id().code()),
                &format!("FIR {year} — ARS {}", region.name),
                &health,
                region,
                year,
                committed,
                &mut rng,
            )?);
        }
        writer.close_territory(&region_funds).await?;
        events_out.extend(region_events);
    }
    for event in &events_out {
        stats::add_event(&mut writer.delta, event, 1)?;
    }
    for chunk in events_out.chunks(BATCH / 4) {
        events::insert_many(&txn, chunk).await?;
    }
    stats::apply(&txn, &writer.delta).await?;
    let mut summary = writer.summary;
    summary.events = events_out.len();
    writer.progress.finish();
    txn.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

fn fund(
    code: &str,
    name: &str,
    programme: &Programme,
    territory: &Territory,
    year: i32,
    committed: i64,
    rng: &mut ChaCha8Rng,
) -> Result<Fund, ApiError> {
    let margin = rng.random_range(5..30);
    Ok(Fund {
        code: FundCode::parse(code).map_err(|e| ApiError::Internal(e.into()))?,
        name: name.to_owned(),
        programme: programme.code.clone(),
        territory: Some(territory.path.clone()),
        year,
        envelope: Cents::new(committed + committed * margin / 100 + 1)
            .map_err(|e| ApiError::Internal(e.into()))?,
        committed_cents: committed,
        created_at: day(year, 1, 15),
    })
}

#[cfg(test)]
mod tests {
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
