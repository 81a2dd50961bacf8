//! Messages, correction reasons and attachments (SPEC §15): an append-only conversation per
//! project, what each person has read of it, the files attached (their content lives in the
//! object store under `projects/{project}/{id}`), and the bytes each project holds, kept by a
//! conditional update so that concurrent uploads never pass the quota.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::{m20261124_000003_accounts::Users, m20261124_000004_projects::Projects};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectHistory {
    Table,
    Reasons,
}

#[derive(DeriveIden)]
enum ProjectMessages {
    Table,
    Id,
    ProjectId,
    AuthorId,
    AuthorRole,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessageReads {
    Table,
    AccountId,
    ProjectId,
    ReadAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    ProjectId,
    MessageId,
    Name,
    Size,
    ContentType,
    Sha256,
    UploadedAt,
    UploadedBy,
}

#[derive(DeriveIden)]
enum ProjectStorage {
    Table,
    ProjectId,
    Bytes,
}

const SQLITE_TRIGGERS: &str = "
CREATE TRIGGER project_messages_no_update BEFORE UPDATE ON project_messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;
CREATE TRIGGER project_messages_no_delete BEFORE DELETE ON project_messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;
";

const POSTGRES_TRIGGERS: &str = "
CREATE FUNCTION project_messages_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'messages are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER project_messages_no_change BEFORE UPDATE OR DELETE ON project_messages
FOR EACH ROW EXECUTE FUNCTION project_messages_append_only();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectHistory::Table)
                    .add_column(string_null(ProjectHistory::Reasons))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectMessages::Table)
                    .col(uuid(ProjectMessages::Id).primary_key())
                    .col(uuid(ProjectMessages::ProjectId))
                    .col(uuid(ProjectMessages::AuthorId))
                    .col(string(ProjectMessages::AuthorRole))
                    .col(text(ProjectMessages::Body))
                    .col(timestamp_with_time_zone(ProjectMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectMessages::Table, ProjectMessages::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectMessages::Table, ProjectMessages::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_messages_project")
                    .table(ProjectMessages::Table)
                    .col(ProjectMessages::ProjectId)
                    .col(ProjectMessages::CreatedAt)
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
                    .table(MessageReads::Table)
                    .col(uuid(MessageReads::AccountId))
                    .col(uuid(MessageReads::ProjectId))
                    .col(timestamp_with_time_zone(MessageReads::ReadAt))
                    .primary_key(
                        Index::create()
                            .col(MessageReads::AccountId)
                            .col(MessageReads::ProjectId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MessageReads::Table, MessageReads::AccountId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(uuid(Attachments::Id).primary_key())
                    .col(uuid(Attachments::ProjectId))
                    .col(uuid_null(Attachments::MessageId))
                    .col(text(Attachments::Name))
                    .col(big_integer(Attachments::Size))
                    .col(string(Attachments::ContentType))
                    .col(string(Attachments::Sha256))
                    .col(timestamp_with_time_zone(Attachments::UploadedAt))
                    .col(uuid(Attachments::UploadedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachments::Table, Attachments::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachments::Table, Attachments::MessageId)
                            .to(ProjectMessages::Table, ProjectMessages::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attachments_project")
                    .table(Attachments::Table)
                    .col(Attachments::ProjectId)
                    .col(Attachments::UploadedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectStorage::Table)
                    .col(uuid(ProjectStorage::ProjectId).primary_key())
                    .col(big_integer(ProjectStorage::Bytes))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectStorage::Table, ProjectStorage::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProjectStorage::Table.into_iden(),
            Attachments::Table.into_iden(),
            MessageReads::Table.into_iden(),
            ProjectMessages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS project_messages_append_only()")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectHistory::Table)
                    .drop_column(ProjectHistory::Reasons)
                    .to_owned(),
            )
            .await
    }
}
