//! sea-orm entities, one module per table. They mirror the migrations and never leave this
//! crate: repositories turn them into domain types.

pub mod api_token;
pub mod attachment;
pub mod batch;
pub mod batch_item;
pub mod change;
pub mod decision_template;
pub mod event;
pub mod event_attendance;
pub mod event_project;
pub mod fund;
pub mod idempotency_key;
pub mod message_read;
pub mod outbox;
pub mod password_reset;
pub mod programme;
pub mod programme_theme;
pub mod project;
pub mod project_follower;
pub mod project_history;
pub mod project_message;
pub mod project_note;
pub mod project_storage;
pub mod rate_limit;
pub mod refresh_token;
pub mod session;
pub mod stat_counter;
pub mod stats_version;
pub mod support;
pub mod territory;
pub mod user;
pub mod webhook;
