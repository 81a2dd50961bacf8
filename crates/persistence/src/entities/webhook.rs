use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub url: String,
    pub types: String,
    pub programme: Option<String>,
    pub territory: Option<String>,
    pub secret: String,
    pub cursor: i64,
    pub created_at: ChronoDateTimeUtc,
    pub failing_since: Option<ChronoDateTimeUtc>,
    pub disabled_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
