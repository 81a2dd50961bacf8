//! Webhooks (SPEC §14): subscriptions to the change feed, each with its secret and the `seq`
//! up to which its changes were handed to the outbox; the outbox remembers the answer of each
//! delivery's last attempt, for the hooks' delivery log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000003_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    OwnerId,
    Url,
    Types,
    Programme,
    Territory,
    Secret,
    Cursor,
    CreatedAt,
    FailingSince,
    DisabledAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Recipient,
    LastStatus,
    LastAttemptAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(uuid(Webhooks::OwnerId))
                    .col(text(Webhooks::Url))
                    .col(text(Webhooks::Types))
                    .col(string_null(Webhooks::Programme))
                    .col(string_null(Webhooks::Territory))
                    .col(string(Webhooks::Secret))
                    .col(big_integer(Webhooks::Cursor))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone_null(Webhooks::FailingSince))
                    .col(timestamp_with_time_zone_null(Webhooks::DisabledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Webhooks::Table, Webhooks::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(integer_null(Outbox::LastStatus))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(timestamp_with_time_zone_null(Outbox::LastAttemptAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_recipient")
                    .table(Outbox::Table)
                    .col(Outbox::Recipient)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_recipient")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Outbox::LastAttemptAt, Outbox::LastStatus] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}
