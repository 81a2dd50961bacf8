//! One statistics version per programme instead of one for the whole service, so that writers
//! of different programmes never wait on the same row. Also marks the counters for a rebuild:
//! drafts stop counting in public figures (SPEC §6), see `Database::migrate`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_reference_tables::Programmes;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatsVersions {
    Table,
    Programme,
    Version,
}

#[derive(DeriveIden)]
enum StatsVersion {
    Table,
    Id,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatsVersions::Table)
                    .col(string(StatsVersions::Programme).primary_key())
                    .col(big_integer(StatsVersions::Version).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(StatsVersions::Table)
                    .columns([StatsVersions::Programme, StatsVersions::Version])
                    .select_from(
                        Query::select()
                            .column(Programmes::Code)
                            .expr(Expr::val(0))
                            .from(Programmes::Table)
                            .to_owned(),
                    )
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StatsVersion::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatsVersion::Table)
                    .col(integer(StatsVersion::Id).primary_key())
                    .col(big_integer(StatsVersion::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(StatsVersion::Table)
                    .columns([StatsVersion::Id, StatsVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StatsVersions::Table).to_owned())
            .await
    }
}
