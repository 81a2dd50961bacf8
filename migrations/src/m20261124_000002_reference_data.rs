//! The two national programmes with their themes, and the 150 territories of France used by
//! the service (`data/territories.csv`, compiled in so that nothing is read at run time).

use std::collections::HashMap;

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_reference_tables::{ProgrammeThemes, Programmes, Territories};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TERRITORIES_CSV: &str = include_str!("../data/territories.csv");

/// `(code, name, domain, validation level, [(theme, label)])`.
type ProgrammeSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const PROGRAMMES: [ProgrammeSeed; 2] = [
    (
        "education",
        "Notre école, faisons-la ensemble",
        "education",
        "academy",
        &[
            ("pedagogy", "Pédagogie"),
            ("educational_continuity", "Continuité éducative"),
            ("guidance", "Orientation"),
            ("inclusion", "Inclusion"),
            ("wellbeing", "Bien-être"),
            ("arts_culture", "Arts et culture"),
            ("digital", "Numérique"),
            ("other", "Autre"),
        ],
    ),
    (
        "health",
        "La santé, c'est l'affaire de tous",
        "health",
        "region",
        &[
            ("prevention", "Prévention"),
            ("access_to_care", "Accès aux soins"),
            ("unscheduled_care", "Soins non programmés"),
            ("workforce_attractiveness", "Attractivité des métiers"),
            ("mental_health", "Santé mentale"),
            ("other", "Autre"),
        ],
    ),
];

#[derive(serde::Deserialize)]
struct TerritoryRow {
    id: String,
    kind: String,
    code: String,
    name: String,
    parent_id: Option<String>,
}

fn depth(kind: &str) -> Result<i32, DbErr> {
    match kind {
        "country" => Ok(0),
        "region" => Ok(1),
        "academy" => Ok(2),
        "department" => Ok(3),
        other => Err(DbErr::Custom(format!("unknown territory kind {other}"))),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (code, name, domain, level, themes) in PROGRAMMES {
            let insert = Query::insert()
                .into_table(Programmes::Table)
                .columns([
                    Programmes::Code,
                    Programmes::Name,
                    Programmes::Domain,
                    Programmes::ValidationLevel,
                    Programmes::CreatedAt,
                ])
                .values_panic([
                    code.into(),
                    name.into(),
                    domain.into(),
                    level.into(),
                    Expr::current_timestamp(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
            let mut insert = Query::insert()
                .into_table(ProgrammeThemes::Table)
                .columns([
                    ProgrammeThemes::ProgrammeCode,
                    ProgrammeThemes::Code,
                    ProgrammeThemes::Label,
                    ProgrammeThemes::Position,
                ])
                .to_owned();
            for (position, (theme, label)) in (0..).zip(themes.iter()) {
                insert.values_panic([
                    code.into(),
                    (*theme).into(),
                    (*label).into(),
                    position.into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }

        let mut reader = csv::Reader::from_reader(TERRITORIES_CSV.as_bytes());
        let rows = reader
            .deserialize::<TerritoryRow>()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbErr::Custom(format!("territories.csv: {e}")))?;
        let parents: HashMap<&str, (&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.id.as_str(), (r.kind.as_str(), r.parent_id.as_deref())))
            .collect();
        // The region and académie of each node are stored beside it, so that a subtree filter is
        // an equality on an indexed column rather than a walk up the tree.
        let ancestor = |id: &str, wanted: &str| -> Option<String> {
            let mut current = Some(id);
            while let Some(node) = current {
                let (kind, parent) = parents.get(node)?;
                if *kind == wanted {
                    return Some(node.to_owned());
                }
                current = *parent;
            }
            None
        };
        let mut insert = Query::insert()
            .into_table(Territories::Table)
            .columns([
                Territories::Id,
                Territories::Kind,
                Territories::Code,
                Territories::Name,
                Territories::ParentId,
                Territories::RegionId,
                Territories::AcademyId,
                Territories::Depth,
            ])
            .to_owned();
        let mut ordered: Vec<&TerritoryRow> = rows.iter().collect();
        ordered.sort_by_key(|r| depth(&r.kind).unwrap_or(i32::MAX));
        for row in ordered {
            insert.values_panic([
                row.id.clone().into(),
                row.kind.clone().into(),
                row.code.clone().into(),
                row.name.clone().into(),
                row.parent_id.clone().into(),
                ancestor(&row.id, "region").into(),
                ancestor(&row.id, "academy").into(),
                depth(&row.kind)?.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProgrammeThemes::Table.into_iden(),
            Programmes::Table.into_iden(),
            Territories::Table.into_iden(),
        ] {
            manager
                .exec_stmt(Query::delete().from_table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
