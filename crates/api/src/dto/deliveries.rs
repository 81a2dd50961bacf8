//! Deliveries of the outbox (mails, webhooks) and mail preferences.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{Channel, Delivery, DeliveryStatus, MailPreference};
use utoipa::ToSchema;
use uuid::Uuid;

/// How an account hears about projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailPreferenceName {
    /// A mail at once.
    Instant,
    /// One digest a working day at 9:00 (Paris).
    Daily,
    /// No mail about projects.
    None,
}

impl From<MailPreferenceName> for MailPreference {
    fn from(name: MailPreferenceName) -> Self {
        match name {
            MailPreferenceName::Instant => MailPreference::Instant,
            MailPreferenceName::Daily => MailPreference::Daily,
            MailPreferenceName::None => MailPreference::Off,
        }
    }
}

impl From<MailPreference> for MailPreferenceName {
    fn from(preference: MailPreference) -> Self {
        match preference {
            MailPreference::Instant => MailPreferenceName::Instant,
            MailPreference::Daily => MailPreferenceName::Daily,
            MailPreference::Off => MailPreferenceName::None,
        }
    }
}

/// `PUT /me/preferences`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// How you hear about projects.
    pub mail: MailPreferenceName,
}

/// Your preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    /// How you hear about projects.
    pub mail: MailPreferenceName,
}

/// The way a delivery goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelName {
    /// A mail.
    Mail,
    /// A webhook call.
    Webhook,
}

impl From<ChannelName> for Channel {
    fn from(name: ChannelName) -> Self {
        match name {
            ChannelName::Mail => Channel::Mail,
            ChannelName::Webhook => Channel::Webhook,
        }
    }
}

impl From<Channel> for ChannelName {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Mail => ChannelName::Mail,
            Channel::Webhook => ChannelName::Webhook,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatusName {
    /// Not delivered yet.
    Pending,
    /// Delivered.
    Delivered,
    /// Given up after every attempt.
    Failed,
}

impl From<DeliveryStatusName> for DeliveryStatus {
    fn from(name: DeliveryStatusName) -> Self {
        match name {
            DeliveryStatusName::Pending => DeliveryStatus::Pending,
            DeliveryStatusName::Delivered => DeliveryStatus::Delivered,
            DeliveryStatusName::Failed => DeliveryStatus::Failed,
        }
    }
}

impl From<DeliveryStatus> for DeliveryStatusName {
    fn from(status: DeliveryStatus) -> Self {
        match status {
            DeliveryStatus::Pending => DeliveryStatusName::Pending,
            DeliveryStatus::Delivered => DeliveryStatusName::Delivered,
            DeliveryStatus::Failed => DeliveryStatusName::Failed,
        }
    }
}

/// One delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Identifier (the mail's `Message-ID` is `<id@domain of mail.from>`).
    pub id: Uuid,
    /// The way it goes out.
    pub channel: ChannelName,
    /// What it tells (`submission_receipt`, `changes_requested`, `validated`, `rejected`,
    /// `reopened`, `support_granted`, `new_submission`, `daily_digest`, `password_reset`).
    pub kind: String,
    /// To whom.
    pub recipient: String,
    /// The project it is about.
    pub project_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatusName,
    /// Attempts made.
    pub attempts: u32,
    /// When it is tried next, while pending.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it went out.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            channel: d.channel.into(),
            kind: d.kind,
            recipient: d.recipient,
            project_id: d.project_id,
            status: d.status.into(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}
