//! An event's attendance by category as rows, so that the statistics of a period are summed by
//! the database. Existing events are copied from their `attendance` text (`pupils:120,…`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventAttendance {
    Table,
    EventId,
    Category,
    Count,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Attendance,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventAttendance::Table)
                    .col(uuid(EventAttendance::EventId))
                    .col(string(EventAttendance::Category))
                    .col(big_integer(EventAttendance::Count))
                    .primary_key(
                        Index::create()
                            .col(EventAttendance::EventId)
                            .col(EventAttendance::Category),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventAttendance::Table, EventAttendance::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Events::Id, Events::Attendance])
                    .from(Events::Table)
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let text: String = row.try_get("", "attendance")?;
            for pair in text.split(',').filter(|p| !p.is_empty()) {
                let Some((category, count)) = pair.split_once(':') else {
                    continue;
                };
                let count: i64 = count
                    .parse()
                    .map_err(|_| DbErr::Custom(format!("bad attendance {pair}")))?;
                manager
                    .exec_stmt(
                        Query::insert()
                            .into_table(EventAttendance::Table)
                            .columns([
                                EventAttendance::EventId,
                                EventAttendance::Category,
                                EventAttendance::Count,
                            ])
                            .values_panic([id.into(), category.into(), count.into()])
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventAttendance::Table).to_owned())
            .await
    }
}
