//! Delivering the outbox, and what national administrators see of it. A round claims due
//! entries (a lease, the attempt counted), sends them concurrently, then records each outcome:
//! delivered, tried again later (see [`terrain_domain::delivery::retry_after`]), or failed.

use chrono::Duration;
use futures::{StreamExt as _, stream};
use terrain_domain::{
    Actor, Channel, Delivery, DeliveryStatus,
    delivery::{self, MAX_ATTEMPTS},
};
use terrain_persistence::repo::{Page, outbox};
use uuid::Uuid;

use crate::{
    App, AppError,
    accounts::national,
    mail::{Mail, Mailer, SendError},
};

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Delivered now.
    pub delivered: u64,
    /// Failed, to be tried again.
    pub retried: u64,
    /// Failed for good.
    pub failed: u64,
}

impl Round {
    /// Whether the round took anything (another may follow at once).
    pub fn took(&self) -> u64 {
        self.delivered + self.retried + self.failed
    }
}

/// Claims and sends one batch of due mails.
///
/// # Errors
/// When the database fails (a mail that fails is an outcome, not an error).
pub async fn deliver_mails(app: &App, mailer: &Mailer) -> Result<Round, AppError> {
    let settings = &app.settings().outbox;
    let now = app.now();
    let txn = app.store().begin_write().await?;
    let claimed = outbox::claim(
        &txn,
        Channel::Mail,
        now,
        now + Duration::seconds(settings.lease_secs),
        settings.batch,
    )
    .await?;
    txn.commit().await?;
    if claimed.is_empty() {
        return Ok(Round::default());
    }
    let outcomes: Vec<(outbox::Claimed, Result<(), SendError>)> = stream::iter(claimed)
        .map(|entry| async move {
            let sent = match serde_json::from_str::<Mail>(&entry.payload) {
                Ok(mail) => mailer.send(entry.id, &mail).await,
                Err(e) => Err(SendError::Permanent(format!("entrée illisible : {e}"))),
            };
            (entry, sent)
        })
        .buffer_unordered(settings.concurrency)
        .collect()
        .await;
    settle(app, outcomes).await
}

/// Records the outcomes of a round in one transaction.
async fn settle(
    app: &App,
    outcomes: Vec<(outbox::Claimed, Result<(), SendError>)>,
) -> Result<Round, AppError> {
    let now = app.now();
    let mut round = Round::default();
    let txn = app.store().begin_write().await?;
    let delivered: Vec<Uuid> = outcomes
        .iter()
        .filter(|(_, sent)| sent.is_ok())
        .map(|(entry, _)| entry.id)
        .collect();
    outbox::delivered(&txn, &delivered, now).await?;
    round.delivered = delivered.len() as u64;
    for (entry, sent) in &outcomes {
        let Err(error) = sent else { continue };
        let retry_at = match error {
            SendError::Transient(_) => delivery::retry_after(entry.attempts).map(|wait| now + wait),
            SendError::Permanent(_) => None,
        };
        tracing::warn!(delivery = %entry.id, kind = entry.kind, attempts = entry.attempts,
            error = %error, retry = retry_at.is_some(), "mail not delivered");
        outbox::attempt_failed(&txn, entry.id, &error.to_string(), retry_at).await?;
        if retry_at.is_some() {
            round.retried += 1;
        } else {
            round.failed += 1;
        }
    }
    txn.commit().await?;
    Ok(round)
}

/// How many deliveries are pending, by channel.
///
/// # Errors
/// When the database fails.
pub async fn pending(app: &App) -> Result<Vec<(Channel, u64)>, AppError> {
    Ok(outbox::pending_counts(app.store().reader()).await?)
}

/// Deliveries, newest first (national administrators).
///
/// # Errors
/// 403 for anyone else; 422 on a bad cursor.
pub async fn deliveries(
    app: &App,
    actor: &Actor,
    status: Option<DeliveryStatus>,
    channel: Option<Channel>,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Page<Delivery>, AppError> {
    national(actor)?;
    let after = cursor
        .map(|c| crate::pagination::decode_timed("deliveries", c))
        .transpose()?;
    Ok(outbox::list(app.store().reader(), status, channel, after, limit).await?)
}

/// Puts a failed delivery back in the queue, with its [`MAX_ATTEMPTS`] attempts afresh.
///
/// # Errors
/// 403 for anyone but a national administrator, 404 unknown, 409 not failed.
pub async fn retry(app: &App, actor: &Actor, id: Uuid) -> Result<Delivery, AppError> {
    national(actor)?;
    let txn = app.store().begin_write().await?;
    let found = outbox::find(&txn, id).await?.ok_or(AppError::NotFound)?;
    let Some(retried) = outbox::retry(&txn, id, app.now()).await? else {
        return Err(AppError::Conflict(format!(
            "Seul un envoi en échec est relancé ; celui-ci est « {} ».",
            found.status
        )));
    };
    txn.commit().await?;
    app.outbox_written();
    tracing::info!(delivery = %id, by = %actor.id, max_attempts = MAX_ATTEMPTS, "delivery retried");
    Ok(retried)
}
