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
mod m20261201_000010_statistics_versions;
mod m20261201_000011_event_attendance;
mod m20261201_000012_idempotent_headers;
mod m20261201_000013_list_indexes;
mod m20261201_000014_rate_limits;
mod m20261201_000015_sessions;
mod m20261201_000016_outbox;
mod m20261201_000017_review;
mod m20261201_000018_queue_indexes;
mod m20261201_000019_integrations;
mod m20261201_000020_webhooks;
mod m20261201_000021_conversation;
mod m20261201_000022_follow_up;
mod m20261201_000023_federation;

/// The migration after which the statistics counters must be rebuilt (drafts stopped counting).
pub const REBUILDS_COUNTERS: &str = "m20261201_000010_statistics_versions";

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
            Box::new(m20261201_000010_statistics_versions::Migration),
            Box::new(m20261201_000011_event_attendance::Migration),
            Box::new(m20261201_000012_idempotent_headers::Migration),
            Box::new(m20261201_000013_list_indexes::Migration),
            Box::new(m20261201_000014_rate_limits::Migration),
            Box::new(m20261201_000015_sessions::Migration),
            Box::new(m20261201_000016_outbox::Migration),
            Box::new(m20261201_000017_review::Migration),
            Box::new(m20261201_000018_queue_indexes::Migration),
            Box::new(m20261201_000019_integrations::Migration),
            Box::new(m20261201_000020_webhooks::Migration),
            Box::new(m20261201_000021_conversation::Migration),
            Box::new(m20261201_000022_follow_up::Migration),
            Box::new(m20261201_000023_federation::Migration),
        ]
    }
}
