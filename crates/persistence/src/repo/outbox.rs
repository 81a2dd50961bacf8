//! The outbox: deliveries written in the transaction of the change they tell about, then taken
//! by workers. A worker *claims* due entries with a lease (`locked_until`) and counts the
//! attempt at once, so a crash between the claim and the answer loses nothing: the lease runs
//! out and the entry is taken again (delivery is at least once). On PostgreSQL the claim skips
//! rows another instance is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite it runs through the
//! single writer.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
    sea_query::{Condition, Expr, ExprTrait, OnConflict},
};
use terrain_domain::{Channel, Delivery, DeliveryStatus};
use uuid::Uuid;

use super::{Page, rows::corrupt};
use crate::{StoreError, entities::outbox};

/// A delivery to write.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The way it goes out.
    pub channel: Channel,
    /// What it tells.
    pub kind: String,
    /// To whom.
    pub recipient: String,
    /// The project it is about.
    pub project_id: Option<Uuid>,
    /// What the worker needs to deliver it (JSON).
    pub payload: String,
    /// A key that makes a second write of the same delivery do nothing (a digest of one day).
    pub dedupe_key: Option<String>,
}

/// Writes deliveries (in the caller's transaction); one whose `dedupe_key` exists already is
/// skipped. Returns the ids written.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    conn: &impl ConnectionTrait,
    deliveries: Vec<NewDelivery>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut written = Vec::with_capacity(deliveries.len());
    for new in deliveries {
        let id = Uuid::now_v7();
        let model = outbox::ActiveModel {
            id: Set(id),
            channel: Set(new.channel.as_str().to_owned()),
            kind: Set(new.kind),
            recipient: Set(new.recipient),
            dedupe_key: Set(new.dedupe_key),
            project_id: Set(new.project_id),
            payload: Set(new.payload),
            status: Set(DeliveryStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
            last_status: Set(None),
            last_attempt_at: Set(None),
        };
        let inserted = outbox::Entity::insert(model)
            .on_conflict(
                OnConflict::column(outbox::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .try_insert()
            .exec(conn)
            .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            written.push(id);
        }
    }
    Ok(written)
}

/// A delivery taken by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Identifier.
    pub id: Uuid,
    /// What it tells.
    pub kind: String,
    /// To whom.
    pub recipient: String,
    /// What to deliver.
    pub payload: String,
    /// Attempts, this one included.
    pub attempts: u32,
}

/// Takes up to `limit` due deliveries of `channel` for `lease`, counting the attempt.
///
/// # Errors
/// When the database fails.
pub async fn claim(
    conn: &impl ConnectionTrait,
    channel: Channel,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Claimed>, StoreError> {
    claim_except(conn, channel, now, lease_until, limit, &[]).await
}

/// As [`claim`], leaving the deliveries to `busy` recipients (a webhook target that already
/// has as many deliveries in flight as it may).
///
/// # Errors
/// When the database fails.
pub async fn claim_except(
    conn: &impl ConnectionTrait,
    channel: Channel,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
    busy: &[String],
) -> Result<Vec<Claimed>, StoreError> {
    let backend = conn.get_database_backend();
    // Recipients are ids this service wrote (hook ids): quoted as SQL strings, with any quote
    // doubled all the same.
    let except = if busy.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = busy
            .iter()
            .map(|r| format!("'{}'", r.replace('\'', "''")))
            .collect();
        format!(" AND recipient NOT IN ({})", list.join(", "))
    };
    let (skip_locked, p) = match backend {
        DbBackend::Postgres => (" FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4", "$5"]),
        _ => ("", ["?1", "?2", "?3", "?4", "?5"]),
    };
    let sql = format!(
        "UPDATE outbox SET locked_until = {lease}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE channel = {channel} AND status = {pending} \
           AND next_attempt_at <= {now} AND (locked_until IS NULL OR locked_until <= {now}){except} \
           ORDER BY next_attempt_at LIMIT {limit}{skip_locked}) \
         RETURNING id, kind, recipient, payload, attempts",
        lease = p[0],
        channel = p[1],
        pending = p[2],
        now = p[3],
        limit = p[4],
    );
    let statement = Statement::from_sql_and_values(
        backend,
        sql,
        [
            lease_until.into(),
            channel.as_str().into(),
            DeliveryStatus::Pending.as_str().into(),
            now.into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
        ],
    );
    let rows = conn.query_all_raw(statement).await?;
    rows.into_iter()
        .map(|row| {
            let attempts: i32 = row.try_get("", "attempts")?;
            Ok(Claimed {
                id: row.try_get("", "id")?,
                kind: row.try_get("", "kind")?,
                recipient: row.try_get("", "recipient")?,
                payload: row.try_get("", "payload")?,
                attempts: u32::try_from(attempts).unwrap_or(0),
            })
        })
        .collect()
}

/// Gives back deliveries claimed but not sent (their target had no room): the lease and the
/// attempt counted by the claim are undone.
///
/// # Errors
/// When the database fails.
pub async fn release(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).sub(1),
        )
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets the pending deliveries to `recipient` (a webhook deleted); returns how many.
///
/// # Errors
/// When the database fails.
pub async fn drop_pending(conn: &impl ConnectionTrait, recipient: &str) -> Result<u64, StoreError> {
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::Recipient.eq(recipient))
        .filter(outbox::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Marks deliveries as delivered.
///
/// # Errors
/// When the database fails.
pub async fn delivered(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(DeliveryStatus::Delivered.as_str()),
        )
        .col_expr(outbox::Column::DeliveredAt, Expr::value(now))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(outbox::Column::LastError, Expr::value(None::<String>))
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records what the target answered to a delivery's latest attempt (an HTTP status, or none
/// when it did not answer), for the webhooks' delivery log.
///
/// # Errors
/// When the database fails.
pub async fn answered(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: Option<u16>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LastStatus,
            Expr::value(status.map(i32::from)),
        )
        .col_expr(outbox::Column::LastAttemptAt, Expr::value(at))
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A delivery's latest attempt, for the webhooks' delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    /// The delivery.
    pub delivery: Delivery,
    /// What the target answered, if it answered.
    pub last_status: Option<u16>,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// The latest deliveries to `recipient`, newest first.
///
/// # Errors
/// When the database fails.
pub async fn of_recipient(
    conn: &impl ConnectionTrait,
    recipient: &str,
    limit: u64,
) -> Result<Vec<Attempted>, StoreError> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|model| {
            let last_status = model.last_status.and_then(|s| u16::try_from(s).ok());
            let last_attempt_at = model.last_attempt_at;
            Ok(Attempted {
                delivery: to_delivery(model)?,
                last_status,
                last_attempt_at,
            })
        })
        .collect()
}

/// Records a failed attempt: tried again at `retry_at`, or failed for good when `None`.
///
/// # Errors
/// When the database fails.
pub async fn attempt_failed(
    conn: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(1_000).collect();
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        );
    update = match retry_at {
        Some(at) => update.col_expr(outbox::Column::NextAttemptAt, Expr::value(at)),
        None => update.col_expr(
            outbox::Column::Status,
            Expr::value(DeliveryStatus::Failed.as_str()),
        ),
    };
    update.filter(outbox::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

fn to_delivery(model: outbox::Model) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: model.id,
        channel: model.channel.parse().map_err(|_| corrupt(&model.channel))?,
        kind: model.kind,
        recipient: model.recipient,
        project_id: model.project_id,
        status: model.status.parse().map_err(|_| corrupt(&model.status))?,
        attempts: u32::try_from(model.attempts).unwrap_or(0),
        next_attempt_at: model.next_attempt_at,
        last_error: model.last_error,
        created_at: model.created_at,
        delivered_at: model.delivered_at,
    })
}

/// One delivery.
///
/// # Errors
/// When the database fails.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Delivery>, StoreError> {
    outbox::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(to_delivery)
        .transpose()
}

/// Deliveries, newest first, filtered by status and channel, after a `(created_at, id)`
/// cursor.
///
/// # Errors
/// When the database fails.
pub async fn list(
    conn: &impl ConnectionTrait,
    status: Option<DeliveryStatus>,
    channel: Option<Channel>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Page<Delivery>, StoreError> {
    let mut select = outbox::Entity::find();
    if let Some(status) = status {
        select = select.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = channel {
        select = select.filter(outbox::Column::Channel.eq(channel.as_str()));
    }
    if let Some((at, id)) = after {
        select = select.filter(
            Condition::any().add(outbox::Column::CreatedAt.lt(at)).add(
                Condition::all()
                    .add(outbox::Column::CreatedAt.eq(at))
                    .add(outbox::Column::Id.lt(id)),
            ),
        );
    }
    let rows = select
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(to_delivery)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// Puts a failed delivery back in the queue with its attempts counted afresh; `None` when it
/// is not failed (or does not exist).
///
/// # Errors
/// When the database fails.
pub async fn retry(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Delivery>, StoreError> {
    let changed = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(DeliveryStatus::Failed.as_str()))
        .exec(conn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(None);
    }
    find(conn, id).await
}

/// How many deliveries are pending, by channel.
///
/// # Errors
/// When the database fails.
pub async fn pending_counts(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(Channel, u64)>, StoreError> {
    let rows: Vec<(String, i64)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Channel)
        .column_as(outbox::Column::Id.count(), "n")
        .filter(outbox::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .group_by(outbox::Column::Channel)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Channel::ALL
        .iter()
        .map(|channel| {
            let n = rows
                .iter()
                .find(|(c, _)| c == channel.as_str())
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
            (*channel, n)
        })
        .collect())
}
