use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    pub project_id: Option<Uuid>,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub locked_until: Option<ChronoDateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub delivered_at: Option<ChronoDateTimeUtc>,
    pub last_status: Option<i32>,
    pub last_attempt_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
