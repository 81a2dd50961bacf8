//! The review workspace (SPEC §16): the batch a history entry belongs to, private notes on
//! projects, decision templates per programme, and batches of decisions with one result per
//! project (a batch survives a restart: its unfinished items are taken up again).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261124_000003_accounts::Users, m20261124_000004_projects::Projects};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectHistory {
    Table,
    BatchId,
}

#[derive(DeriveIden)]
enum ProjectNotes {
    Table,
    Id,
    ProjectId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DecisionTemplates {
    Table,
    Id,
    Programme,
    Action,
    Title,
    Body,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
    ActorId,
    Action,
    Comment,
    Status,
    Total,
    LockedUntil,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum BatchItems {
    Table,
    BatchId,
    Position,
    ProjectId,
    Outcome,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectHistory::Table)
                    .add_column(uuid_null(ProjectHistory::BatchId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectNotes::Table)
                    .col(uuid(ProjectNotes::Id).primary_key())
                    .col(uuid(ProjectNotes::ProjectId))
                    .col(uuid(ProjectNotes::AuthorId))
                    .col(text(ProjectNotes::Body))
                    .col(timestamp_with_time_zone(ProjectNotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectNotes::Table, ProjectNotes::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectNotes::Table, ProjectNotes::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_notes_project")
                    .table(ProjectNotes::Table)
                    .col(ProjectNotes::ProjectId)
                    .col(ProjectNotes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DecisionTemplates::Table)
                    .col(uuid(DecisionTemplates::Id).primary_key())
                    .col(string(DecisionTemplates::Programme))
                    .col(string(DecisionTemplates::Action))
                    .col(string(DecisionTemplates::Title))
                    .col(text(DecisionTemplates::Body))
                    .col(uuid(DecisionTemplates::CreatedBy))
                    .col(timestamp_with_time_zone(DecisionTemplates::CreatedAt))
                    .col(timestamp_with_time_zone(DecisionTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_decision_templates_programme")
                    .table(DecisionTemplates::Table)
                    .col(DecisionTemplates::Programme)
                    .col(DecisionTemplates::Action)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(uuid(Batches::Id).primary_key())
                    .col(uuid(Batches::ActorId))
                    .col(string(Batches::Action))
                    .col(text_null(Batches::Comment))
                    .col(string(Batches::Status))
                    .col(integer(Batches::Total))
                    .col(timestamp_with_time_zone_null(Batches::LockedUntil))
                    .col(timestamp_with_time_zone(Batches::CreatedAt))
                    .col(timestamp_with_time_zone_null(Batches::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Batches::Table, Batches::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_batches_status")
                    .table(Batches::Table)
                    .col(Batches::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BatchItems::Table)
                    .col(uuid(BatchItems::BatchId))
                    .col(integer(BatchItems::Position))
                    .col(uuid(BatchItems::ProjectId))
                    .col(string_null(BatchItems::Outcome))
                    .col(text_null(BatchItems::Reason))
                    .primary_key(
                        Index::create()
                            .col(BatchItems::BatchId)
                            .col(BatchItems::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BatchItems::Table, BatchItems::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BatchItems::Table.into_iden(),
            Batches::Table.into_iden(),
            DecisionTemplates::Table.into_iden(),
            ProjectNotes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectHistory::Table)
                    .drop_column(ProjectHistory::BatchId)
                    .to_owned(),
            )
            .await
    }
}
