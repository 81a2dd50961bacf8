//! Projects, their append-only history, and idempotency keys for creations.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::{
    m20261124_000001_reference_tables::{Programmes, Territories},
    m20261124_000003_accounts::Users,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Projects {
    Table,
    Id,
    Programme,
    TerritoryId,
    RegionId,
    AcademyId,
    Title,
    TitleSearch,
    Summary,
    Description,
    Theme,
    Category,
    EstablishmentUai,
    RequestedAmountCents,
    Stakeholders,
    StartsOn,
    EndsOn,
    LeadId,
    Status,
    Stage,
    Version,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    DecidedAt,
    GrantedCents,
    SupportKinds,
    SupportCount,
    EventCount,
}

#[derive(DeriveIden)]
enum ProjectHistory {
    Table,
    Id,
    ProjectId,
    At,
    ActorId,
    ActorRole,
    Kind,
    Action,
    FromValue,
    ToValue,
    Comment,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Scope,
    Key,
    RequestHash,
    StatusCode,
    ResponseBody,
    CreatedAt,
}

const SQLITE_TRIGGERS: &str = "
CREATE TRIGGER project_history_no_update BEFORE UPDATE ON project_history
BEGIN SELECT RAISE(ABORT, 'project history is append-only'); END;
CREATE TRIGGER project_history_no_delete BEFORE DELETE ON project_history
BEGIN SELECT RAISE(ABORT, 'project history is append-only'); END;
";

const POSTGRES_TRIGGERS: &str = "
CREATE FUNCTION project_history_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'project history is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER project_history_no_change BEFORE UPDATE OR DELETE ON project_history
FOR EACH ROW EXECUTE FUNCTION project_history_append_only();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(uuid(Projects::Id).primary_key())
                    .col(string(Projects::Programme))
                    .col(string(Projects::TerritoryId))
                    .col(string_null(Projects::RegionId))
                    .col(string_null(Projects::AcademyId))
                    .col(string(Projects::Title))
                    .col(string(Projects::TitleSearch))
                    .col(text(Projects::Summary))
                    .col(text_null(Projects::Description))
                    .col(string(Projects::Theme))
                    .col(string(Projects::Category))
                    .col(string_null(Projects::EstablishmentUai))
                    .col(big_integer(Projects::RequestedAmountCents))
                    .col(string(Projects::Stakeholders))
                    .col(date_null(Projects::StartsOn))
                    .col(date_null(Projects::EndsOn))
                    .col(uuid(Projects::LeadId))
                    .col(string(Projects::Status))
                    .col(string(Projects::Stage))
                    .col(big_integer(Projects::Version))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Projects::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Projects::DecidedAt))
                    .col(big_integer(Projects::GrantedCents).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::Programme)
                            .to(Programmes::Table, Programmes::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::TerritoryId)
                            .to(Territories::Table, Territories::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::LeadId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_projects_created",
                vec![Projects::CreatedAt, Projects::Id],
            ),
            (
                "idx_projects_submitted",
                vec![Projects::SubmittedAt, Projects::Id],
            ),
            ("idx_projects_lead", vec![Projects::LeadId]),
            (
                "idx_projects_status",
                vec![Projects::Status, Projects::CreatedAt, Projects::Id],
            ),
            (
                "idx_projects_academy_status",
                vec![
                    Projects::AcademyId,
                    Projects::Status,
                    Projects::CreatedAt,
                    Projects::Id,
                ],
            ),
            (
                "idx_projects_region_status",
                vec![
                    Projects::RegionId,
                    Projects::Status,
                    Projects::CreatedAt,
                    Projects::Id,
                ],
            ),
            ("idx_projects_territory", vec![Projects::TerritoryId]),
            ("idx_projects_region", vec![Projects::RegionId]),
            ("idx_projects_academy", vec![Projects::AcademyId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Projects::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ProjectHistory::Table)
                    .col(uuid(ProjectHistory::Id).primary_key())
                    .col(uuid(ProjectHistory::ProjectId))
                    .col(timestamp_with_time_zone(ProjectHistory::At))
                    .col(uuid(ProjectHistory::ActorId))
                    .col(string(ProjectHistory::ActorRole))
                    .col(string(ProjectHistory::Kind))
                    .col(string(ProjectHistory::Action))
                    .col(string_null(ProjectHistory::FromValue))
                    .col(string_null(ProjectHistory::ToValue))
                    .col(text_null(ProjectHistory::Comment))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectHistory::Table, ProjectHistory::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_history_project")
                    .table(ProjectHistory::Table)
                    .col(ProjectHistory::ProjectId)
                    .col(ProjectHistory::At)
                    .to_owned(),
            )
            .await?;
        let triggers = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        manager
            .get_connection()
            .execute_unprepared(triggers)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::UserId))
                    .col(string(IdempotencyKeys::Scope))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(integer(IdempotencyKeys::StatusCode))
                    .col(text(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Scope)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            ProjectHistory::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS project_history_append_only()")
                .await?;
        }
        Ok(())
    }
}
