//! Funds with their envelopes, and the support decisions on projects.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261124_000001_reference_tables::{Programmes, Territories},
    m20261124_000003_accounts::Users,
    m20261124_000004_projects::Projects,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Funds {
    Table,
    Code,
    Name,
    Programme,
    TerritoryId,
    RegionId,
    AcademyId,
    Year,
    EnvelopeCents,
    CommittedCents,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Supports {
    Table,
    Id,
    ProjectId,
    Kind,
    FundCode,
    AmountCents,
    Note,
    GrantedBy,
    GrantedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Funds::Table)
                    .col(string(Funds::Code).primary_key())
                    .col(string(Funds::Name))
                    .col(string(Funds::Programme))
                    .col(string_null(Funds::TerritoryId))
                    .col(string_null(Funds::RegionId))
                    .col(string_null(Funds::AcademyId))
                    .col(integer(Funds::Year))
                    .col(big_integer(Funds::EnvelopeCents))
                    .col(big_integer(Funds::CommittedCents).default(0))
                    .col(timestamp_with_time_zone(Funds::CreatedAt))
                    // The envelope holds even against a write that forgets to check it.
                    .check(Expr::col(Funds::CommittedCents).lte(Expr::col(Funds::EnvelopeCents)))
                    .check(Expr::col(Funds::CommittedCents).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Funds::Table, Funds::Programme)
                            .to(Programmes::Table, Programmes::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Funds::Table, Funds::TerritoryId)
                            .to(Territories::Table, Territories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Supports::Table)
                    .col(uuid(Supports::Id).primary_key())
                    .col(uuid(Supports::ProjectId))
                    .col(string(Supports::Kind))
                    .col(string_null(Supports::FundCode))
                    .col(big_integer_null(Supports::AmountCents))
                    .col(text_null(Supports::Note))
                    .col(uuid(Supports::GrantedBy))
                    .col(timestamp_with_time_zone(Supports::GrantedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Supports::Table, Supports::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Supports::Table, Supports::FundCode)
                            .to(Funds::Table, Funds::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Supports::Table, Supports::GrantedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_supports_project")
                    .table(Supports::Table)
                    .col(Supports::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Supports::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Funds::Table).to_owned())
            .await
    }
}
