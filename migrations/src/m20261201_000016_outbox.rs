//! The outbox (every message someone must receive, written in the transaction of the change it
//! tells about, delivered afterwards by a worker), the followers of a project, the mail
//! preference of each account, and password reset links.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261124_000003_accounts::Users, m20261124_000004_projects::Projects};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    Kind,
    Recipient,
    DedupeKey,
    ProjectId,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum ProjectFollowers {
    Table,
    ProjectId,
    UserId,
    Since,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum MailPreference {
    MailPreference,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(uuid(Outbox::Id).primary_key())
                    .col(string(Outbox::Channel))
                    .col(string(Outbox::Kind))
                    .col(string(Outbox::Recipient))
                    .col(string_null(Outbox::DedupeKey).unique_key())
                    .col(uuid_null(Outbox::ProjectId))
                    .col(text(Outbox::Payload))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_channel_status")
                    .table(Outbox::Table)
                    .col(Outbox::Channel)
                    .col(Outbox::Status)
                    .col(Outbox::CreatedAt)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectFollowers::Table)
                    .col(uuid(ProjectFollowers::ProjectId))
                    .col(uuid(ProjectFollowers::UserId))
                    .col(timestamp_with_time_zone(ProjectFollowers::Since))
                    .primary_key(
                        Index::create()
                            .col(ProjectFollowers::ProjectId)
                            .col(ProjectFollowers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectFollowers::Table, ProjectFollowers::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectFollowers::Table, ProjectFollowers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_followers_user")
                    .table(ProjectFollowers::Table)
                    .col(ProjectFollowers::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(string(PasswordResets::TokenHash).primary_key())
                    .col(uuid(PasswordResets::UserId))
                    .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordResets::Table, PasswordResets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string(MailPreference::MailPreference).default("instant"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(MailPreference::MailPreference)
                    .to_owned(),
            )
            .await?;
        for table in [
            PasswordResets::Table.into_iden(),
            ProjectFollowers::Table.into_iden(),
            Outbox::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
