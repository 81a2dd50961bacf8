use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub programme: String,
    pub territory_id: String,
    pub region_id: Option<String>,
    pub academy_id: Option<String>,
    pub title: String,
    pub title_search: String,
    pub summary: String,
    pub description: Option<String>,
    pub theme: String,
    pub category: String,
    pub establishment_uai: Option<String>,
    pub requested_amount_cents: i64,
    pub stakeholders: String,
    pub starts_on: Option<ChronoDate>,
    pub ends_on: Option<ChronoDate>,
    pub lead_id: Uuid,
    pub status: String,
    pub stage: String,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub granted_cents: i64,
    pub support_kinds: String,
    pub support_count: i64,
    pub event_count: i64,
    pub paid_cents: i64,
    pub milestones_total: i32,
    pub milestones_done: i32,
    pub indicators_total: i32,
    pub indicators_met: i32,
    pub reported: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
