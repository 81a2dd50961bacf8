//! Concertation events and the projects that emerged from them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261124_000001_reference_tables::{Programmes, Territories},
    m20261124_000003_accounts::Users,
    m20261124_000004_projects::Projects,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Programme,
    TerritoryId,
    RegionId,
    AcademyId,
    Title,
    Kind,
    StartsAt,
    EndsAt,
    Location,
    Attendance,
    Participants,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventProjects {
    Table,
    EventId,
    ProjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid(Events::Id).primary_key())
                    .col(string(Events::Programme))
                    .col(string(Events::TerritoryId))
                    .col(string_null(Events::RegionId))
                    .col(string_null(Events::AcademyId))
                    .col(string(Events::Title))
                    .col(string(Events::Kind))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone_null(Events::EndsAt))
                    .col(string_null(Events::Location))
                    .col(text(Events::Attendance))
                    .col(big_integer(Events::Participants))
                    .col(uuid(Events::CreatedBy))
                    .col(big_integer(Events::Version))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::Programme)
                            .to(Programmes::Table, Programmes::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::TerritoryId)
                            .to(Territories::Table, Territories::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_events_starts", Events::StartsAt),
            ("idx_events_territory", Events::TerritoryId),
            ("idx_events_region", Events::RegionId),
            ("idx_events_academy", Events::AcademyId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Events::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EventProjects::Table)
                    .col(uuid(EventProjects::EventId))
                    .col(uuid(EventProjects::ProjectId))
                    .primary_key(
                        Index::create()
                            .col(EventProjects::EventId)
                            .col(EventProjects::ProjectId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventProjects::Table, EventProjects::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventProjects::Table, EventProjects::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_projects_project")
                    .table(EventProjects::Table)
                    .col(EventProjects::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventProjects::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
