//! Statistics counters, kept up to date in the same transaction as every write.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatCounters {
    Table,
    TerritoryId,
    Programme,
    Metric,
    Bucket,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatCounters::Table)
                    .col(string(StatCounters::TerritoryId))
                    .col(string(StatCounters::Programme))
                    .col(string(StatCounters::Metric))
                    .col(string(StatCounters::Bucket))
                    .col(big_integer(StatCounters::Value))
                    // Totals (empty bucket) of a territory are a short range of this key;
                    // timeline buckets sort after them.
                    .primary_key(
                        Index::create()
                            .col(StatCounters::TerritoryId)
                            .col(StatCounters::Bucket)
                            .col(StatCounters::Programme)
                            .col(StatCounters::Metric),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StatCounters::Table).to_owned())
            .await
    }
}
