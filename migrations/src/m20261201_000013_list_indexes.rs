//! Indexes so that a list filtered at any territory level, with or without a status, is read
//! in order from an index; a lead's projects by creation time (limits on drafts and creations);
//! projects of a period by programme.

use sea_orm_migration::prelude::*;

use crate::m20261124_000004_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn indexes() -> Vec<(&'static str, Vec<Projects>)> {
    vec![
        (
            "idx_projects_territory_status",
            vec![
                Projects::TerritoryId,
                Projects::Status,
                Projects::CreatedAt,
                Projects::Id,
            ],
        ),
        (
            "idx_projects_territory_created",
            vec![Projects::TerritoryId, Projects::CreatedAt, Projects::Id],
        ),
        (
            "idx_projects_academy_created",
            vec![Projects::AcademyId, Projects::CreatedAt, Projects::Id],
        ),
        (
            "idx_projects_region_created",
            vec![Projects::RegionId, Projects::CreatedAt, Projects::Id],
        ),
        (
            "idx_projects_lead_created",
            vec![Projects::LeadId, Projects::CreatedAt],
        ),
        (
            "idx_projects_lead_status",
            vec![Projects::LeadId, Projects::Status],
        ),
        (
            "idx_projects_programme_submitted",
            vec![Projects::Programme, Projects::SubmittedAt],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in indexes() {
            let mut index = Index::create();
            index.name(name).table(Projects::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Replaced by the lead's (lead, created_at) and (lead, status) indexes.
        manager
            .drop_index(
                Index::drop()
                    .name("idx_projects_lead")
                    .table(Projects::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(Projects::Table).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_lead")
                    .table(Projects::Table)
                    .col(Projects::LeadId)
                    .to_owned(),
            )
            .await
    }
}
