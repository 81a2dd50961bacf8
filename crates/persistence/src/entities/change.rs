use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub at: ChronoDateTimeUtc,
    pub kind: String,
    pub entity_id: String,
    pub project_id: Option<Uuid>,
    pub programme: Option<String>,
    pub territory: Option<String>,
    pub region: Option<String>,
    pub academy: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
