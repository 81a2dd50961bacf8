//! Indexes for the review queue (SPEC §16): the projects of a tab inside an administrator's
//! scope (a territory and usually a programme) read in order of first submission straight from
//! an index, and the counts of every tab computed from the index alone.

use sea_orm_migration::prelude::*;

use crate::m20261124_000004_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn indexes() -> Vec<(&'static str, Vec<Projects>)> {
    let by = |area: Projects| {
        vec![
            area,
            Projects::Programme,
            Projects::Status,
            Projects::SubmittedAt,
            Projects::Id,
        ]
    };
    vec![
        ("idx_projects_queue_academy", by(Projects::AcademyId)),
        ("idx_projects_queue_region", by(Projects::RegionId)),
        ("idx_projects_queue_territory", by(Projects::TerritoryId)),
        (
            "idx_projects_queue_programme",
            vec![
                Projects::Programme,
                Projects::Status,
                Projects::SubmittedAt,
                Projects::Id,
            ],
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(Projects::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
