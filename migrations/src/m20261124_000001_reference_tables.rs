//! Programmes, their themes and the territory tree.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Programmes {
    Table,
    Code,
    Name,
    Domain,
    ValidationLevel,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ProgrammeThemes {
    Table,
    ProgrammeCode,
    Code,
    Label,
    Position,
}

#[derive(DeriveIden)]
pub(crate) enum Territories {
    Table,
    Id,
    Kind,
    Code,
    Name,
    ParentId,
    RegionId,
    AcademyId,
    Depth,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programmes::Table)
                    .col(string(Programmes::Code).primary_key())
                    .col(string(Programmes::Name))
                    .col(string(Programmes::Domain))
                    .col(string(Programmes::ValidationLevel))
                    .col(timestamp_with_time_zone(Programmes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgrammeThemes::Table)
                    .col(string(ProgrammeThemes::ProgrammeCode))
                    .col(string(ProgrammeThemes::Code))
                    .col(string(ProgrammeThemes::Label))
                    .col(integer(ProgrammeThemes::Position))
                    .primary_key(
                        Index::create()
                            .col(ProgrammeThemes::ProgrammeCode)
                            .col(ProgrammeThemes::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgrammeThemes::Table, ProgrammeThemes::ProgrammeCode)
                            .to(Programmes::Table, Programmes::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Territories::Table)
                    .col(string(Territories::Id).primary_key())
                    .col(string(Territories::Kind))
                    .col(string(Territories::Code))
                    .col(string(Territories::Name))
                    .col(string_null(Territories::ParentId))
                    .col(string_null(Territories::RegionId))
                    .col(string_null(Territories::AcademyId))
                    .col(integer(Territories::Depth))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Territories::Table, Territories::ParentId)
                            .to(Territories::Table, Territories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_territories_parent")
                    .table(Territories::Table)
                    .col(Territories::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_territories_kind")
                    .table(Territories::Table)
                    .col(Territories::Kind)
                    .col(Territories::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProgrammeThemes::Table.into_iden(),
            Programmes::Table.into_iden(),
            Territories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
