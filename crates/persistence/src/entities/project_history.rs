use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Uuid,
    pub actor_role: String,
    pub kind: String,
    pub action: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub comment: Option<String>,
    pub batch_id: Option<Uuid>,
    pub reasons: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
