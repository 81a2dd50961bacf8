use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub kind: String,
    pub fund_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub note: Option<String>,
    pub granted_by: Uuid,
    pub granted_at: ChronoDateTimeUtc,
    pub paid_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
