//! API tokens and the change feed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use terrain_app::{
    api_tokens::{NewToken, TokenInput},
    webhooks::{Attempted, NewHook, WebhookInput},
};
use terrain_domain::{ApiToken, ChangeItem, ChangeType, TokenAccess, Webhook};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::openapi::{
    fields,
    reference::{ProgrammeCode, TerritoryId},
};

/// What a token may do with its owner's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenAccessName {
    /// Reads only.
    Read,
    /// Reads and writes.
    Write,
}

impl From<TokenAccessName> for TokenAccess {
    fn from(name: TokenAccessName) -> Self {
        match name {
            TokenAccessName::Read => TokenAccess::Read,
            TokenAccessName::Write => TokenAccess::Write,
        }
    }
}

impl From<TokenAccess> for TokenAccessName {
    fn from(access: TokenAccess) -> Self {
        match access {
            TokenAccess::Read => TokenAccessName::Read,
            TokenAccess::Write => TokenAccessName::Write,
        }
    }
}

/// `POST /me/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// What the token is for (« Tableau de bord de l'académie »).
    #[schema(schema_with = fields::token_name)]
    pub name: String,
    /// `read`, or `write` to change things too.
    pub access: TokenAccessName,
    /// Its last day: from tomorrow to one year ahead.
    pub expires_on: NaiveDate,
    /// Narrowed to this programme.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Narrowed to this territory and what lies below it.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
}

impl From<CreateTokenRequest> for TokenInput {
    fn from(r: CreateTokenRequest) -> Self {
        TokenInput {
            name: r.name,
            access: r.access.into(),
            expires_on: r.expires_on,
            programme: r.programme,
            territory: r.territory,
        }
    }
}

/// A token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Identifier.
    pub id: Uuid,
    /// Its owner.
    pub account_id: Uuid,
    /// Its name.
    pub name: String,
    /// Read, or read and write.
    pub access: TokenAccessName,
    /// The programme it is narrowed to.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// The territory it is narrowed to.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Its last day.
    pub expires_on: NaiveDate,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            account_id: t.user_id,
            name: t.name,
            access: t.access.into(),
            programme: t.reach.programme.map(|p| p.to_string()),
            territory: t.reach.territory.map(|t| t.id.to_string()),
            expires_on: t.expires_on,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A token just created: its secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenView {
    /// `trn_…`, to send as `Authorization: Bearer trn_…`. Keep it: it is not shown again.
    pub token: String,
    /// The token.
    #[serde(flatten)]
    pub view: TokenView,
}

impl From<NewToken> for CreatedTokenView {
    fn from(t: NewToken) -> Self {
        CreatedTokenView {
            token: t.secret,
            view: t.token.into(),
        }
    }
}

/// Your tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first; revoked ones are gone.
    pub items: Vec<TokenView>,
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ChangeTypeName {
    /// A project was created.
    #[serde(rename = "project.created")]
    ProjectCreated,
    /// A project's fields changed.
    #[serde(rename = "project.updated")]
    ProjectUpdated,
    /// A project's status changed.
    #[serde(rename = "project.status_changed")]
    ProjectStatusChanged,
    /// A project changed SILK stage.
    #[serde(rename = "project.stage_changed")]
    ProjectStageChanged,
    /// A project received a support.
    #[serde(rename = "project.supported")]
    ProjectSupported,
    /// An event was recorded.
    #[serde(rename = "event.created")]
    EventCreated,
    /// An event changed.
    #[serde(rename = "event.updated")]
    EventUpdated,
    /// An event was deleted.
    #[serde(rename = "event.deleted")]
    EventDeleted,
    /// A fund was created.
    #[serde(rename = "fund.created")]
    FundCreated,
}

impl From<ChangeTypeName> for ChangeType {
    fn from(name: ChangeTypeName) -> Self {
        match name {
            ChangeTypeName::ProjectCreated => ChangeType::ProjectCreated,
            ChangeTypeName::ProjectUpdated => ChangeType::ProjectUpdated,
            ChangeTypeName::ProjectStatusChanged => ChangeType::ProjectStatusChanged,
            ChangeTypeName::ProjectStageChanged => ChangeType::ProjectStageChanged,
            ChangeTypeName::ProjectSupported => ChangeType::ProjectSupported,
            ChangeTypeName::EventCreated => ChangeType::EventCreated,
            ChangeTypeName::EventUpdated => ChangeType::EventUpdated,
            ChangeTypeName::EventDeleted => ChangeType::EventDeleted,
            ChangeTypeName::FundCreated => ChangeType::FundCreated,
        }
    }
}

impl From<ChangeType> for ChangeTypeName {
    fn from(kind: ChangeType) -> Self {
        match kind {
            ChangeType::ProjectCreated => ChangeTypeName::ProjectCreated,
            ChangeType::ProjectUpdated => ChangeTypeName::ProjectUpdated,
            ChangeType::ProjectStatusChanged => ChangeTypeName::ProjectStatusChanged,
            ChangeType::ProjectStageChanged => ChangeTypeName::ProjectStageChanged,
            ChangeType::ProjectSupported => ChangeTypeName::ProjectSupported,
            ChangeType::EventCreated => ChangeTypeName::EventCreated,
            ChangeType::EventUpdated => ChangeTypeName::EventUpdated,
            ChangeType::EventDeleted => ChangeTypeName::EventDeleted,
            ChangeType::FundCreated => ChangeTypeName::FundCreated,
        }
    }
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// Its place in commit order (pass the last one back as `after=`).
    pub seq: i64,
    /// When it was committed.
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: ChangeTypeName,
    /// The project or event (UUID), or the fund (its code): read it for its current state.
    pub id: String,
    /// Its programme.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Its territory.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
}

impl From<ChangeItem> for ChangeView {
    fn from(c: ChangeItem) -> Self {
        ChangeView {
            seq: c.seq,
            at: c.at,
            kind: c.kind.into(),
            id: c.id,
            programme: c.programme.map(|p| p.to_string()),
            territory: c.territory.map(|t| t.to_string()),
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesPage {
    /// Changes in commit order.
    pub items: Vec<ChangeView>,
    /// The `seq` to pass back as `after=`: the last item's, or the same cursor when caught up.
    pub next_cursor: i64,
}

/// `POST /webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where changes are `POST`ed: `https://` and a public address.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// Which changes (at least one).
    #[schema(min_items = 1)]
    pub types: Vec<ChangeTypeName>,
    /// Only changes of this programme.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Only changes in this territory and below.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
}

impl From<CreateWebhookRequest> for WebhookInput {
    fn from(r: CreateWebhookRequest) -> Self {
        WebhookInput {
            url: r.url,
            types: r.types.into_iter().map(Into::into).collect(),
            programme: r.programme,
            territory: r.territory,
        }
    }
}

/// A webhook (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    /// Identifier.
    pub id: Uuid,
    /// Target.
    pub url: String,
    /// Which changes.
    pub types: Vec<ChangeTypeName>,
    /// Only this programme.
    #[schema(value_type = Option<ProgrammeCode>)]
    pub programme: Option<String>,
    /// Only this territory and below.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Since when its deliveries fail.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was disabled, after three days of failures.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<Webhook> for WebhookView {
    fn from(h: Webhook) -> Self {
        WebhookView {
            id: h.id,
            url: h.url,
            types: h.types.into_iter().map(Into::into).collect(),
            programme: h.reach.programme.map(|p| p.to_string()),
            territory: h.reach.territory.map(|t| t.id.to_string()),
            created_at: h.created_at,
            failing_since: h.failing_since,
            disabled_at: h.disabled_at,
        }
    }
}

/// A webhook just registered: its secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookView {
    /// `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
    /// The webhook.
    #[serde(flatten)]
    pub view: WebhookView,
}

impl From<NewHook> for CreatedWebhookView {
    fn from(h: NewHook) -> Self {
        CreatedWebhookView {
            secret: h.secret,
            view: h.hook.into(),
        }
    }
}

/// Your webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Newest first.
    pub items: Vec<WebhookView>,
}

/// One delivery to a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    /// The `webhook-id` it is sent with.
    pub id: Uuid,
    /// The change type (or `webhook.ping`).
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// What the target answered last, if it answered.
    pub status_code: Option<u16>,
    /// When it was last tried.
    pub attempted_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<Attempted> for WebhookDeliveryView {
    fn from(a: Attempted) -> Self {
        WebhookDeliveryView {
            id: a.delivery.id,
            kind: a.delivery.kind,
            status: a.delivery.status.as_str().to_owned(),
            attempts: a.delivery.attempts,
            status_code: a.last_status,
            attempted_at: a.last_attempt_at,
            error: a.delivery.last_error,
            created_at: a.delivery.created_at,
        }
    }
}

/// A webhook's latest deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveries {
    /// Newest first, 50 at most.
    pub items: Vec<WebhookDeliveryView>,
}

/// A ping written to the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingView {
    /// The delivery (its `webhook-id`).
    pub delivery_id: Uuid,
}
