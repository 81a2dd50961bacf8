//! Writing the planned demonstration data: accounts first, then each académie or région's
//! projects in batches, with their history and supports, then its funds; the counters are
//! summed as it goes and written once.

use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use terrain_domain::ChangeType;
use terrain_domain::{
    DisplayName, Email, Event, Fund, Grant, HistoryEntry, ProgrammeCode, Project, Role, Support,
    TerritoryId, stats::Delta,
};
use terrain_persistence::repo::changes::{self, NewChange};
use terrain_persistence::{
    Tx,
    repo::{
        events, follow_up, funds, history, projects, stats, supports,
        users::{self, NewUser},
    },
};
use uuid::Uuid;

use super::{
    DemoSummary,
    plan::{FIRST_NAMES, LAST_NAMES, Planned, history as planned_history},
};
use crate::{AppError, progress::Progress};

/// Rows per insert statement.
const BATCH: usize = 400;

/// The accounts of the data set.
pub(super) struct Accounts {
    /// The national administrator.
    pub admin: Uuid,
    /// The leads.
    pub leads: Vec<Uuid>,
}

/// Writes the national administrator, the observer and `200 × scale` leads, all with the
/// password hashed as `hash`.
pub(super) async fn accounts(
    txn: &Tx,
    hash: &str,
    rng: &mut ChaCha8Rng,
    scale: u64,
    now: chrono::DateTime<chrono::Utc>,
    summary: &mut DemoSummary,
) -> Result<Accounts, AppError> {
    let mut create = async |email: String,
                            name: String,
                            role: Role,
                            programme: Option<&str>,
                            territory: Option<&str>| {
        let user = users::insert(
            txn,
            NewUser {
                email: Email::parse(&email).map_err(AppError::internal)?,
                display_name: DisplayName::parse(&name).map_err(AppError::internal)?,
                password_hash: hash.to_owned(),
                role,
                scope_programme: programme.and_then(|p| ProgrammeCode::parse(p).ok()),
                scope_territory: territory.and_then(|t| TerritoryId::parse(t).ok()),
            },
            now,
        )
        .await?;
        summary.accounts += 1;
        Ok::<Uuid, AppError>(user.id)
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

/// Buffers planned rows and writes them in batches inside the data set's one transaction.
pub(super) struct Writer<'a> {
    pub txn: &'a Tx,
    pub delta: Delta,
    pub summary: DemoSummary,
    pub progress: Progress,
    admin: Uuid,
    projects: Vec<Project>,
    supports: Vec<Support>,
    history: Vec<(Uuid, HistoryEntry)>,
    follow_up: follow_up::Bulk,
}

impl<'a> Writer<'a> {
    pub(super) fn new(txn: &'a Tx, admin: Uuid, summary: DemoSummary, total: u64) -> Self {
        Writer {
            txn,
            delta: Delta::default(),
            summary,
            progress: Progress::new("demo", total),
            admin,
            projects: Vec::new(),
            supports: Vec::new(),
            history: Vec::new(),
            follow_up: follow_up::Bulk::default(),
        }
    }

    /// Adds a planned project: its figures, its history through the status machine, its
    /// supports.
    pub(super) async fn project(&mut self, planned: Planned) -> Result<(), AppError> {
        let Planned {
            mut project,
            mut supports,
        } = planned;
        project.support_kinds = supports.iter().map(|s| s.grant.kind()).collect();
        project.support_count = i64::try_from(supports.len()).unwrap_or_default();
        let after =
            super::follow::plan(&mut project, &mut supports, self.admin, &mut self.follow_up);
        stats::add_project(&mut self.delta, &project, 1)?;
        for entry in planned_history(&project, &supports, self.admin)? {
            self.history.push((project.id, entry));
        }
        for entry in after {
            self.history.push((project.id, entry));
        }
        self.supports.extend(supports);
        self.projects.push(project);
        if self.projects.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), AppError> {
        let projects = std::mem::take(&mut self.projects);
        projects::insert_many(self.txn, &projects).await?;
        let created: Vec<NewChange> = projects
            .iter()
            .map(|p| NewChange::project(ChangeType::ProjectCreated, p, p.created_at))
            .collect();
        changes::append(self.txn, &created).await?;
        for chunk in std::mem::take(&mut self.history).chunks(BATCH) {
            history::append_many(self.txn, chunk).await?;
        }
        self.summary.projects += projects.len();
        self.progress.advance(projects.len() as u64);
        Ok(())
    }

    /// Writes the funds of one académie or région, then the supports they paid for (after
    /// the projects, which `flush` wrote).
    pub(super) async fn close_territory(&mut self, funds: &[Fund]) -> Result<(), AppError> {
        self.flush().await?;
        let mut funds = funds.to_vec();
        for fund in &mut funds {
            fund.paid_cents = self
                .supports
                .iter()
                .filter(|s| matches!(&s.grant, Grant::Financial { fund: f, .. } if *f == fund.code))
                .map(|s| s.paid_cents)
                .sum();
        }
        for chunk in funds.chunks(BATCH) {
            funds::insert_many(self.txn, chunk).await?;
            let created: Vec<NewChange> = chunk
                .iter()
                .map(|f| NewChange::fund(f, f.created_at))
                .collect();
            changes::append(self.txn, &created).await?;
        }
        self.summary.funds += funds.len();
        for chunk in std::mem::take(&mut self.supports).chunks(BATCH) {
            supports::insert_many(self.txn, chunk).await?;
            self.summary.supports += chunk.len();
        }
        follow_up::insert_bulk(self.txn, &std::mem::take(&mut self.follow_up)).await?;
        Ok(())
    }

    /// Writes the events and every counter.
    pub(super) async fn finish(mut self, events: &[Event]) -> Result<DemoSummary, AppError> {
        for event in events {
            stats::add_event(&mut self.delta, event, 1)?;
        }
        for chunk in events.chunks(BATCH / 4) {
            events::insert_many(self.txn, chunk).await?;
            let created: Vec<NewChange> = chunk
                .iter()
                .map(|e| NewChange::event(ChangeType::EventCreated, e, e.created_at))
                .collect();
            changes::append(self.txn, &created).await?;
        }
        stats::apply(self.txn, &self.delta).await?;
        self.summary.events = events.len();
        self.progress.finish();
        Ok(self.summary)
    }
}
