//! After the decision (SPEC §17) and programmes (§18): milestones, indicators and their
//! measurements, the final report, payments against financial supports; the follow-up figures
//! on each project's row (counted by the statistics like the granted amount); what was paid of
//! each support and each fund; and the version of the reference data, which every instance
//! reads cheaply to know when to reload programmes and themes.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{m20261124_000003_accounts::Users, m20261124_000004_projects::Projects};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FollowUpColumns {
    PaidCents,
    MilestonesTotal,
    MilestonesDone,
    IndicatorsTotal,
    IndicatorsMet,
    Reported,
}

#[derive(DeriveIden)]
enum Supports {
    Table,
    Id,
    PaidCents,
}

#[derive(DeriveIden)]
enum Funds {
    Table,
    PaidCents,
}

#[derive(DeriveIden)]
enum Milestones {
    Table,
    Id,
    ProjectId,
    Title,
    DueOn,
    DoneOn,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Indicators {
    Table,
    Id,
    ProjectId,
    Name,
    Unit,
    Baseline,
    Target,
    LatestValue,
    LatestOn,
    LatestAt,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Measurements {
    Table,
    Id,
    IndicatorId,
    ProjectId,
    Value,
    MeasuredOn,
    Note,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    ProjectId,
    Summary,
    Results,
    Recommendations,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    ProjectId,
    SupportId,
    AmountCents,
    PaidOn,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum ReferenceVersion {
    Table,
    Id,
    Version,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            big_integer(FollowUpColumns::PaidCents)
                .default(0)
                .to_owned(),
            integer(FollowUpColumns::MilestonesTotal)
                .default(0)
                .to_owned(),
            integer(FollowUpColumns::MilestonesDone)
                .default(0)
                .to_owned(),
            integer(FollowUpColumns::IndicatorsTotal)
                .default(0)
                .to_owned(),
            integer(FollowUpColumns::IndicatorsMet)
                .default(0)
                .to_owned(),
            boolean(FollowUpColumns::Reported).default(false).to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Supports::Table)
                    .add_column(big_integer(Supports::PaidCents).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Funds::Table)
                    .add_column(big_integer(Funds::PaidCents).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Milestones::Table)
                    .col(uuid(Milestones::Id).primary_key())
                    .col(uuid(Milestones::ProjectId))
                    .col(string(Milestones::Title))
                    .col(date(Milestones::DueOn))
                    .col(date_null(Milestones::DoneOn))
                    .col(timestamp_with_time_zone(Milestones::CreatedAt))
                    .col(uuid(Milestones::CreatedBy))
                    .col(timestamp_with_time_zone(Milestones::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Milestones::Table, Milestones::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Milestones::Table, Milestones::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_milestones_project")
                    .table(Milestones::Table)
                    .col(Milestones::ProjectId)
                    .col(Milestones::DueOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Indicators::Table)
                    .col(uuid(Indicators::Id).primary_key())
                    .col(uuid(Indicators::ProjectId))
                    .col(string(Indicators::Name))
                    .col(string(Indicators::Unit))
                    .col(double(Indicators::Baseline))
                    .col(double(Indicators::Target))
                    .col(double_null(Indicators::LatestValue))
                    .col(date_null(Indicators::LatestOn))
                    .col(timestamp_with_time_zone_null(Indicators::LatestAt))
                    .col(timestamp_with_time_zone(Indicators::CreatedAt))
                    .col(uuid(Indicators::CreatedBy))
                    .foreign_key(&mut fk(
                        (Indicators::Table, Indicators::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Indicators::Table, Indicators::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_indicators_project")
                    .table(Indicators::Table)
                    .col(Indicators::ProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Measurements::Table)
                    .col(uuid(Measurements::Id).primary_key())
                    .col(uuid(Measurements::IndicatorId))
                    .col(uuid(Measurements::ProjectId))
                    .col(double(Measurements::Value))
                    .col(date(Measurements::MeasuredOn))
                    .col(text_null(Measurements::Note))
                    .col(timestamp_with_time_zone(Measurements::CreatedAt))
                    .col(uuid(Measurements::CreatedBy))
                    .foreign_key(&mut fk(
                        (Measurements::Table, Measurements::IndicatorId),
                        (Indicators::Table, Indicators::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Measurements::Table, Measurements::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Measurements::Table, Measurements::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_measurements_indicator")
                    .table(Measurements::Table)
                    .col(Measurements::IndicatorId)
                    .col(Measurements::MeasuredOn)
                    .to_owned(),
            )
            .await?;
        // A project's page reads all the measurements of its indicators at once.
        manager
            .create_index(
                Index::create()
                    .name("idx_measurements_project")
                    .table(Measurements::Table)
                    .col(Measurements::ProjectId)
                    .col(Measurements::MeasuredOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(uuid(Reports::ProjectId).primary_key())
                    .col(text(Reports::Summary))
                    .col(text(Reports::Results))
                    .col(text(Reports::Recommendations))
                    .col(timestamp_with_time_zone(Reports::UpdatedAt))
                    .col(uuid(Reports::UpdatedBy))
                    .foreign_key(&mut fk(
                        (Reports::Table, Reports::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Reports::Table, Reports::UpdatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(uuid(Payments::Id).primary_key())
                    .col(uuid(Payments::ProjectId))
                    .col(uuid(Payments::SupportId))
                    .col(big_integer(Payments::AmountCents))
                    .col(date(Payments::PaidOn))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(uuid(Payments::CreatedBy))
                    .foreign_key(&mut fk(
                        (Payments::Table, Payments::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Payments::Table, Payments::SupportId),
                        (Supports::Table, Supports::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Payments::Table, Payments::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payments_project")
                    .table(Payments::Table)
                    .col(Payments::ProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReferenceVersion::Table)
                    .col(integer(ReferenceVersion::Id).primary_key())
                    .col(big_integer(ReferenceVersion::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ReferenceVersion::Table)
                    .columns([ReferenceVersion::Id, ReferenceVersion::Version])
                    .values_panic([1.into(), 1.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReferenceVersion::Table.into_iden(),
            Payments::Table.into_iden(),
            Reports::Table.into_iden(),
            Measurements::Table.into_iden(),
            Indicators::Table.into_iden(),
            Milestones::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Funds::Table)
                    .drop_column(Funds::PaidCents)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Supports::Table)
                    .drop_column(Supports::PaidCents)
                    .to_owned(),
            )
            .await?;
        for column in [
            FollowUpColumns::PaidCents,
            FollowUpColumns::MilestonesTotal,
            FollowUpColumns::MilestonesDone,
            FollowUpColumns::IndicatorsTotal,
            FollowUpColumns::IndicatorsMet,
            FollowUpColumns::Reported,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
