use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub programme: String,
    pub territory_id: Option<String>,
    pub region_id: Option<String>,
    pub academy_id: Option<String>,
    pub year: i32,
    pub envelope_cents: i64,
    pub committed_cents: i64,
    pub paid_cents: i64,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
