//! What a project's detail shows of its supports and events, kept on the project's row so that
//! reading a project is one query: the kinds and number of its supports, the number of events
//! it emerged from.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000004_projects::Projects;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Supports {
    Table,
    ProjectId,
    Kind,
}

#[derive(DeriveIden)]
enum EventProjects {
    Table,
    ProjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            string(Projects::SupportKinds).default(""),
            big_integer(Projects::SupportCount).default(0),
            big_integer(Projects::EventCount).default(0),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Existing rows: count what is already there.
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Supports::ProjectId, Supports::Kind])
                    .from(Supports::Table)
                    .to_owned(),
            )
            .await?;
        let mut supports: BTreeMap<String, (BTreeSet<String>, i64)> = BTreeMap::new();
        for row in rows {
            let project: String = row
                .try_get::<sea_orm_migration::sea_orm::prelude::Uuid>("", "project_id")
                .map(|u| u.to_string())?;
            let kind: String = row.try_get("", "kind")?;
            let entry = supports.entry(project).or_default();
            entry.0.insert(kind);
            entry.1 += 1;
        }
        for (project, (kinds, count)) in supports {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = project
                .parse()
                .map_err(|_| DbErr::Custom(format!("bad project id {project}")))?;
            manager
                .exec_stmt(
                    Query::update()
                        .table(Projects::Table)
                        .value(
                            Projects::SupportKinds,
                            kinds.into_iter().collect::<Vec<_>>().join(","),
                        )
                        .value(Projects::SupportCount, count)
                        .and_where(Expr::col(Projects::Id).eq(id))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(Projects::Table)
                    .value(
                        Projects::EventCount,
                        Expr::expr(
                            Query::select()
                                .expr(Expr::col(EventProjects::ProjectId).count())
                                .from(EventProjects::Table)
                                .and_where(
                                    Expr::col((EventProjects::Table, EventProjects::ProjectId))
                                        .equals((Projects::Table, Projects::Id)),
                                )
                                .take()
                                .into_sub_query_statement(),
                        ),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Projects::SupportKinds,
            Projects::SupportCount,
            Projects::EventCount,
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
