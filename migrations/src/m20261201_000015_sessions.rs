//! Sessions of the web interface: a cookie that points at a row (never the identity itself),
//! tied to the refresh-token family of its sign-in, so that signing out or disabling the account
//! ends it as it ends the API's tokens.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000003_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    FamilyId,
    Csrf,
    CreatedAt,
    LastSeenAt,
    Notice,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string(Sessions::IdHash).primary_key())
                    .col(uuid(Sessions::UserId))
                    .col(uuid(Sessions::FamilyId))
                    .col(string(Sessions::Csrf))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(text_null(Sessions::Notice))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_last_seen")
                    .table(Sessions::Table)
                    .col(Sessions::LastSeenAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
