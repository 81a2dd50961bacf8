use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub programme: String,
    pub territory_id: String,
    pub region_id: Option<String>,
    pub academy_id: Option<String>,
    pub title: String,
    pub kind: String,
    pub starts_at: ChronoDateTimeUtc,
    pub ends_at: Option<ChronoDateTimeUtc>,
    pub location: Option<String>,
    pub attendance: String,
    pub participants: i64,
    pub created_by: Uuid,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
