//! Integrations (SPEC §12–§13): API tokens, and the change feed (an append-only log whose
//! `seq` grows in commit order).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000003_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Access,
    Programme,
    Territory,
    ExpiresOn,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    At,
    Kind,
    EntityId,
    ProjectId,
    Programme,
    Territory,
    Region,
    Academy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(uuid(ApiTokens::Id).primary_key())
                    .col(uuid(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(string(ApiTokens::TokenHash).unique_key())
                    .col(string(ApiTokens::Access))
                    .col(string_null(ApiTokens::Programme))
                    .col(string_null(ApiTokens::Territory))
                    .col(date(ApiTokens::ExpiresOn))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .col(ApiTokens::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(big_pk_auto(Changes::Seq))
                    .col(timestamp_with_time_zone(Changes::At))
                    .col(string(Changes::Kind))
                    .col(string(Changes::EntityId))
                    .col(uuid_null(Changes::ProjectId))
                    .col(string_null(Changes::Programme))
                    .col(string_null(Changes::Territory))
                    .col(string_null(Changes::Region))
                    .col(string_null(Changes::Academy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_project")
                    .table(Changes::Table)
                    .col(Changes::ProjectId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Changes::Table.into_iden(), ApiTokens::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
