//! `terrain demo`: a deterministic demonstration data set whose statistics reproduce the
//! programmes' published figures (SPEC §9), multiplied by `--scale`. Planned one académie (or
//! région) at a time ([`plan`]), written in batches inside one transaction ([`write`]).

mod follow;
mod plan;
mod write;

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use terrain_domain::{Password, Territory, TerritoryKind};
use terrain_persistence::repo::{projects, users};

use self::{
    plan::{
        EDUCATION_SUBMITTED, EDUCATION_VALIDATED, HEALTH_EVENTS, HEALTH_PARTICIPANTS,
        HEALTH_SUPPORTED, HEALTH_VALIDATED, World, apportion,
    },
    write::{Accounts, Writer},
};
use crate::{App, AppError, password};

/// The password of every demonstration account.
pub const DEMO_PASSWORD: &str = "terrain-demo-2025";

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

/// Writes the demonstration data set into an empty database.
///
/// # Errors
/// 409 when the database already holds an account or a project (the demonstration accounts, a
/// national administrator among them, have a published password), or when it fails.
pub async fn generate(app: &App, scale: u64, seed: u64) -> Result<DemoSummary, AppError> {
    let conn = app.store().reader();
    if projects::count(conn).await? > 0 || users::count(conn).await? > 0 {
        return Err(AppError::Conflict(
            "the database already holds accounts or projects: terrain demo fills an empty one \
             (its accounts have a published password)"
                .into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let catalogue = app.catalogue();
    let programme = |code: &str| {
        catalogue
            .programme(code)
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no {code} programme")))
    };
    let (education, health) = (programme("education")?, programme("health")?);
    let departments_in = |parent: &Territory| -> Vec<&Territory> {
        catalogue
            .of_kind(TerritoryKind::Department)
            .into_iter()
            .filter(|d| parent.path.contains(&d.path))
            .collect()
    };
    let hash = password::hash(Password::parse(DEMO_PASSWORD).map_err(AppError::internal)?).await?;
    let txn = app.store().begin_write().await?;
    let mut summary = DemoSummary::default();
    let Accounts { admin, leads } =
        write::accounts(&txn, &hash, &mut rng, scale, app.now(), &mut summary).await?;
    let world = World {
        education: &education,
        health: &health,
        leads: &leads,
        admin,
    };
    let total = (EDUCATION_SUBMITTED + HEALTH_VALIDATED) * scale;
    let mut writer = Writer::new(&txn, admin, summary, total);

    // Education: 14,000 submitted, 6,800 validated and supported, over the 30 académies.
    let academies = catalogue.of_kind(TerritoryKind::Academy);
    let weights: Vec<u64> = academies
        .iter()
        .map(|a| 2 + departments_in(a).len() as u64 + rng.random_range(0..3))
        .collect();
    let submitted = apportion(EDUCATION_SUBMITTED * scale, &weights);
    let validated = apportion(EDUCATION_VALIDATED * scale, &submitted);
    for ((academy, n), v) in academies.iter().zip(&submitted).zip(&validated) {
        let departments = departments_in(academy);
        let mut granted_by_year = BTreeMap::<i32, i64>::new();
        for i in 0..*n {
            let planned = plan::education_project(
                &mut rng,
                &world,
                academy,
                &departments,
                i < *v,
                &mut granted_by_year,
            )?;
            writer.project(planned).await?;
        }
        let mut funds = Vec::new();
        for (year, committed) in granted_by_year {
            funds.push(plan::fund(
                &format!("FIP-{year}-AC{}", academy.id().code()),
                &format!("Fonds d'innovation pédagogique {year} — {}", academy.name),
                &education,
                academy,
                year,
                committed,
                &mut rng,
            )?);
        }
        writer.close_territory(&funds).await?;
    }

    // Health: 780 validated initiatives, 617 of them supported by regional FIR funds; 500
    // events with 10,000 participants; over the 18 régions.
    let regions = catalogue.of_kind(TerritoryKind::Region);
    let region_weights: Vec<u64> = regions
        .iter()
        .map(|r| 1 + departments_in(r).len() as u64)
        .collect();
    let initiatives = apportion(HEALTH_VALIDATED * scale, &region_weights);
    let supported = apportion(HEALTH_SUPPORTED * scale, &initiatives);
    let events_per_region = apportion(HEALTH_EVENTS * scale, &region_weights);
    let participants_per_region = apportion(HEALTH_PARTICIPANTS * scale, &events_per_region);
    let mut events = Vec::new();
    for (index, region) in regions.iter().enumerate() {
        let departments = departments_in(region);
        let mut region_events = plan::health_events(
            &mut rng,
            &world,
            region,
            &departments,
            events_per_region[index],
            participants_per_region[index],
        )?;
        let mut granted_by_year = BTreeMap::<i32, i64>::new();
        for i in 0..initiatives[index] {
            let planned = plan::health_project(
                &mut rng,
                &world,
                region,
                &departments,
                i < supported[index],
                &mut region_events,
                &mut granted_by_year,
            )?;
            writer.project(planned).await?;
        }
        let mut funds = Vec::new();
        for (year, committed) in granted_by_year {
            funds.push(plan::fund(
                &format!("FIR-{year}-R{}", region.id().code()),
                &format!("FIR {year} — ARS {}", region.name),
                &health,
                region,
                year,
                committed,
                &mut rng,
            )?);
        }
        writer.close_territory(&funds).await?;
        events.extend(region_events);
    }
    let summary = writer.finish(&events).await?;
    txn.commit().await?;
    app.store().analyze().await?;
    Ok(summary)
}
