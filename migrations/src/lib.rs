//! Terrain's schema and reference data. Migrations are the only way the schema changes; each
//! file holds one change and runs unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261124_000001_reference_tables;
mod m20261124_000002_reference_data;
mod m20261124_000003_accounts;
mod m20261124_000004_projects;
mod m20261124_000005_funds_and_supports;
mod m20261124_000006_events;
mod m20261124_000007_statistics;
mod m20261124_000008_statistics_version;
mod m20261124_000009_project_summaries;

/// Every migration of the service, oldest first.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_reference_tables::Migration),
            Box::new(m20261124_000002_reference_data::Migration),
            Box::new(m20261124_000003_accounts::Migration),
            Box::new(m20261124_000004_projects::Migration),
            Box::new(m20261124_000005_funds_and_supports::Migration),
            Box::new(m20261124_000006_events::Migration),
            Box::new(m20261124_000007_statistics::Migration),
            Box::new(m20261124_000008_statistics_version::Migration),
            Box::new(m20261124_000009_project_summaries::Migration),
        ]
    }
}
