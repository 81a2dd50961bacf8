//! Webhooks (SPEC §14): the change feed pushed to subscribers, through the outbox.
//!
//! Two steps, both safe with several instances. *Fan-out* reads, for each enabled hook, the
//! changes after its cursor that its owner may see and that it asked for, and writes one outbox
//! row per change, moving the cursor in the same transaction (a conditional update: another
//! instance doing the same loses, and writes nothing). *Delivery* claims due rows like the
//! mails, at most `webhooks.per_target` in flight per hook and each in its own task, so that a
//! slow or silent target holds up no other; each answer is recorded by itself.
//!
//! A request is signed as the Standard Webhooks specification says: `webhook-id` (the outbox
//! row, the same on every retry), `webhook-timestamp`, and `webhook-signature:
//! v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`, the key being the bytes the secret
//! (`whsec_<base64>`) encodes.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use rand::Rng as _;
use serde_json::json;
use sha2::Sha256;
use terrain_domain::{
    Actor, ChangeItem, ChangeType, Channel, FieldErrors, Role, Webhook, delivery, fr,
    integration::is_public_address,
};
pub use terrain_persistence::repo::outbox::Attempted;
use terrain_persistence::repo::{
    changes::{self, ChangeFilter},
    outbox::{self, NewDelivery},
    users,
    webhooks::{self, StoredHook},
};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::{
    App, AppError,
    api_tokens::{parse_reach, stored_reach},
    mail::Draft,
    notify,
};

/// The longest target URL accepted.
pub const URL_MAX: usize = 2_000;

/// The `type` of a ping.
pub const PING: &str = "webhook.ping";

/// A hook to register, as given.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    /// Target.
    pub url: String,
    /// Which changes.
    pub types: Vec<ChangeType>,
    /// Only this programme.
    pub programme: Option<String>,
    /// Only this territory and below.
    pub territory: Option<String>,
}

/// A hook just registered, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct NewHook {
    /// The hook.
    pub hook: Webhook,
    /// `whsec_…`: the key its deliveries are signed with.
    pub secret: String,
}

fn to_domain(app: &App, stored: StoredHook) -> Webhook {
    Webhook {
        reach: stored_reach(app, stored.programme, stored.territory),
        id: stored.id,
        owner_id: stored.owner_id,
        url: stored.url,
        types: stored.types,
        created_at: stored.created_at,
        failing_since: stored.failing_since,
        disabled_at: stored.disabled_at,
    }
}

/// Checks a target: an absolute `https://` URL without credentials whose host is, or resolves
/// to, a public address — unless `allow_private` (then `http://` and any address will do).
///
/// # Errors
/// A French message for the `url` field.
pub async fn check_target(text: &str, allow_private: bool) -> Result<url::Url, String> {
    if text.len() > URL_MAX {
        return Err(format!("{URL_MAX} caractères au plus"));
    }
    let url = url::Url::parse(text).map_err(|_| "adresse invalide".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("l'adresse doit commencer par https://".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("l'adresse ne peut contenir d'identifiants".into());
    }
    let Some(host) = url.host() else {
        return Err("l'adresse doit nommer un serveur".into());
    };
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| "ce nom de serveur ne se résout pas".to_owned())?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() || !addresses.iter().all(|ip| is_public_address(*ip)) {
        return Err("l'adresse doit être publique (pas de réseau privé ni local)".into());
    }
    Ok(url)
}

/// Registers a hook for `actor` (administrators and observers).
///
/// # Errors
/// 403 for a lead; 422 naming each field at fault.
pub async fn create(app: &App, actor: &Actor, input: WebhookInput) -> Result<NewHook, AppError> {
    if !matches!(actor.role, Role::Admin | Role::Observer) {
        return Err(AppError::Forbidden(
            "Les webhooks sont réservés aux administrateurs et aux observateurs.".into(),
        ));
    }
    let catalogue = app.catalogue();
    let mut errors = FieldErrors::new();
    let allow_private = app.settings().webhooks.allow_private_targets;
    if let Err(message) = check_target(&input.url, allow_private).await {
        errors.push("url", message);
    }
    let mut types = input.types.clone();
    types.sort();
    types.dedup();
    if types.is_empty() {
        errors.push("types", "choisissez au moins un type de changement");
    }
    let reach = parse_reach(
        &catalogue,
        input.programme.as_deref(),
        input.territory.as_deref(),
        &mut errors,
    );
    errors.finish(|| Some(()))?;
    let bytes: [u8; 32] = rand::rng().random();
    let secret = format!("whsec_{}", STANDARD.encode(bytes));
    let stored = StoredHook {
        id: Uuid::now_v7(),
        owner_id: actor.id,
        url: input.url,
        types,
        programme: reach.programme,
        territory: reach.territory.map(|t| t.id),
        secret: secret.clone(),
        cursor: changes::latest(app.store().reader()).await?,
        created_at: app.now(),
        failing_since: None,
        disabled_at: None,
    };
    let txn = app.store().begin_write().await?;
    webhooks::insert(&txn, &stored).await?;
    txn.commit().await?;
    tracing::info!(webhook = %stored.id, owner = %actor.id, "webhook registered");
    Ok(NewHook {
        hook: to_domain(app, stored),
        secret,
    })
}

/// The caller's hooks, newest first.
///
/// # Errors
/// When the database fails.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<Webhook>, AppError> {
    let stored = webhooks::of_owner(app.store().reader(), actor.id).await?;
    Ok(stored.into_iter().map(|h| to_domain(app, h)).collect())
}

/// One of the caller's hooks (a national administrator's: anyone's).
async fn own(app: &App, actor: &Actor, id: Uuid) -> Result<StoredHook, AppError> {
    webhooks::find(app.store().reader(), id)
        .await?
        .filter(|h| h.owner_id == actor.id || actor.is_national_admin())
        .ok_or(AppError::NotFound)
}

/// One of the caller's hooks.
///
/// # Errors
/// 404 unknown or someone else's.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<Webhook, AppError> {
    Ok(to_domain(app, own(app, actor, id).await?))
}

/// Deletes a hook; what it had not received yet is dropped.
///
/// # Errors
/// 404 unknown or someone else's.
pub async fn delete(app: &App, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    own(app, actor, id).await?;
    let txn = app.store().begin_write().await?;
    if !webhooks::delete(&txn, id).await? {
        return Err(AppError::NotFound);
    }
    outbox::drop_pending(&txn, &id.to_string()).await?;
    txn.commit().await?;
    tracing::info!(webhook = %id, by = %actor.id, "webhook deleted");
    Ok(())
}

/// A hook's latest deliveries, newest first.
///
/// # Errors
/// 404 unknown or someone else's.
pub async fn deliveries(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<Attempted>, AppError> {
    own(app, actor, id).await?;
    Ok(outbox::of_recipient(app.store().reader(), &id.to_string(), 50).await?)
}

/// Sends a ping to a hook, through the outbox like any change.
///
/// # Errors
/// 404 unknown or someone else's, 409 disabled.
pub async fn ping(app: &App, actor: &Actor, id: Uuid) -> Result<Uuid, AppError> {
    let hook = own(app, actor, id).await?;
    if hook.disabled_at.is_some() {
        return Err(AppError::Conflict(
            "Ce webhook est désactivé : enregistrez-le de nouveau.".into(),
        ));
    }
    let now = app.now();
    let body = json!({"type": PING, "timestamp": now, "data": {"webhook_id": id}});
    let txn = app.store().begin_write().await?;
    let ids = outbox::insert(
        &txn,
        vec![NewDelivery {
            channel: Channel::Webhook,
            kind: PING.to_owned(),
            recipient: id.to_string(),
            project_id: None,
            payload: body.to_string(),
            dedupe_key: None,
        }],
        now,
    )
    .await?;
    txn.commit().await?;
    app.store().ring_feed();
    ids.into_iter()
        .next()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("ping not written")))
}

/// The body `POST`ed for a change: `{type, timestamp, data: {…the feed's item…}}`.
pub fn body(item: &ChangeItem, now: DateTime<Utc>) -> String {
    json!({
        "type": item.kind.as_str(),
        "timestamp": now,
        "data": {
            "seq": item.seq,
            "at": item.at,
            "type": item.kind.as_str(),
            "id": item.id,
            "programme": item.programme.as_ref().map(|p| p.as_str()),
            "territory": item.territory.as_ref().map(|t| t.as_str()),
        }
    })
    .to_string()
}

/// Hands the new changes each enabled hook wants to the outbox; returns how many were.
///
/// # Errors
/// When the database fails.
pub async fn fan_out(app: &App) -> Result<u64, AppError> {
    let reader = app.store().reader();
    let mut written = 0;
    for hook in webhooks::enabled(reader).await? {
        let Some(owner) = users::find(reader, hook.owner_id)
            .await?
            .filter(|u| !u.disabled)
        else {
            continue;
        };
        let filter = ChangeFilter {
            kinds: hook.types.clone(),
            programme: hook.programme.clone(),
            territory: hook.territory.as_ref().and_then(|t| {
                app.catalogue()
                    .territory(t.as_str())
                    .map(|t| t.path.clone())
            }),
        };
        let actor = Actor::from(&owner);
        let page = changes::matching(reader, Some(&actor), hook.cursor, 100, &filter).await?;
        let Some(last) = page.items.last().map(|c| c.seq) else {
            continue;
        };
        let now = app.now();
        let rows: Vec<NewDelivery> = page
            .items
            .iter()
            .map(|item| NewDelivery {
                channel: Channel::Webhook,
                kind: item.kind.as_str().to_owned(),
                recipient: hook.id.to_string(),
                project_id: item.id.parse().ok().filter(|_| item.kind.is_project()),
                payload: body(item, now),
                dedupe_key: Some(format!("webhook:{}:{}", hook.id, item.seq)),
            })
            .collect();
        let txn = app.store().begin_write().await?;
        if !webhooks::advance(&txn, hook.id, hook.cursor, last).await? {
            continue;
        }
        written += outbox::insert(&txn, rows, now).await?.len() as u64;
        txn.commit().await?;
    }
    Ok(written)
}

/// The signature of a delivery: `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`.
///
/// # Errors
/// When the secret is not `whsec_<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, AppError> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("malformed webhook secret")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(AppError::internal)?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Resolves targets' names, keeping only public addresses unless private targets are allowed:
/// the address connected to is the address checked, at each delivery.
#[derive(Debug, Clone, Copy)]
struct PublicOnly {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public_address(a.ip()))
                .collect();
            if found.is_empty() {
                return Err("no public address for this name".into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Delivers webhooks: the HTTP client and what is in flight, per target.
#[derive(Debug, Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    in_flight: Arc<Mutex<HashMap<String, usize>>>,
    permits: Arc<Semaphore>,
}

/// What a target answered.
enum Answer {
    Delivered(u16),
    Failed(Option<u16>, String),
    Gone(String),
}

/// Installs the TLS provider of every HTTP client of the process (ring, as for mails); safe to
/// call more than once.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Deliverer {
    /// The client: no redirect followed, the configured timeout, names resolved to public
    /// addresses only (unless allowed otherwise).
    ///
    /// # Errors
    /// When TLS cannot be set up.
    pub fn new(app: &App) -> Result<Deliverer, AppError> {
        install_tls();
        let settings = &app.settings().webhooks;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .user_agent("Terrain-Webhooks/1")
            // A proxy would resolve the target itself, out of the public-address check.
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: settings.allow_private_targets,
            }))
            .build()
            .map_err(AppError::internal)?;
        Ok(Deliverer {
            client,
            in_flight: Arc::default(),
            permits: Arc::new(Semaphore::new(app.settings().outbox.concurrency.max(1))),
        })
    }

    /// Claims due deliveries for targets that have room, and starts each in its own task;
    /// returns how many were started.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn round(&self, app: &App) -> Result<usize, AppError> {
        let per_target = app.settings().webhooks.per_target.max(1);
        let room = self.permits.available_permits();
        if room == 0 {
            return Ok(0);
        }
        let busy: Vec<String> = self
            .lock()
            .iter()
            .filter(|(_, n)| **n >= per_target)
            .map(|(r, _)| r.clone())
            .collect();
        let now = app.now();
        let lease = i64::try_from(app.settings().webhooks.timeout_secs)
            .unwrap_or(10)
            .saturating_mul(3)
            .max(app.settings().outbox.lease_secs);
        let txn = app.store().begin_write().await?;
        let claimed = outbox::claim_except(
            &txn,
            Channel::Webhook,
            now,
            now + chrono::Duration::seconds(lease),
            room as u64,
            &busy,
        )
        .await?;
        txn.commit().await?;
        // One claim may hold more deliveries for a target than it has room for: those wait.
        let mut room_of = self.lock().clone();
        let (claimed, over): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|entry| {
            let n = room_of.entry(entry.recipient.clone()).or_default();
            *n += 1;
            *n <= per_target
        });
        if !over.is_empty() {
            let ids: Vec<Uuid> = over.iter().map(|e| e.id).collect();
            let txn = app.store().begin_write().await?;
            outbox::release(&txn, &ids).await?;
            txn.commit().await?;
        }
        let started = claimed.len();
        for entry in claimed {
            let Ok(permit) = self.permits.clone().acquire_owned().await else {
                break;
            };
            *self.lock().entry(entry.recipient.clone()).or_default() += 1;
            let this = self.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let recipient = entry.recipient.clone();
                let answer = this.send(&app, &entry).await;
                if let Err(error) = settle(&app, &entry, answer).await {
                    tracing::warn!(delivery = %entry.id, %error, "webhook outcome not recorded");
                }
                let mut in_flight = this.lock();
                if let Some(n) = in_flight.get_mut(&recipient) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        in_flight.remove(&recipient);
                    }
                }
                drop(permit);
            });
        }
        Ok(started)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether deliveries are still in flight (tests and shutdown wait for none).
    pub fn busy(&self) -> bool {
        !self.lock().is_empty()
    }

    async fn send(&self, app: &App, entry: &outbox::Claimed) -> Answer {
        let hook = match entry.recipient.parse::<Uuid>() {
            Ok(id) => webhooks::find(app.store().reader(), id).await,
            Err(_) => Ok(None),
        };
        let hook = match hook {
            Ok(Some(hook)) if hook.disabled_at.is_none() => hook,
            Ok(Some(_)) => return Answer::Gone("webhook désactivé".into()),
            Ok(None) => return Answer::Gone("webhook supprimé".into()),
            Err(error) => return Answer::Failed(None, error.to_string()),
        };
        let allow_private = app.settings().webhooks.allow_private_targets;
        if let Err(reason) = check_literal(&hook.url, allow_private) {
            return Answer::Failed(None, reason);
        }
        let id = entry.id.to_string();
        let timestamp = app.now().timestamp();
        let signature = match sign(&hook.secret, &id, timestamp, &entry.payload) {
            Ok(signature) => signature,
            Err(error) => return Answer::Gone(error.to_string()),
        };
        let sent = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(entry.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                Answer::Delivered(response.status().as_u16())
            }
            Ok(response) => Answer::Failed(
                Some(response.status().as_u16()),
                format!("réponse HTTP {}", response.status().as_u16()),
            ),
            Err(error) if error.is_timeout() => {
                Answer::Failed(None, "pas de réponse dans le délai".into())
            }
            Err(error) => Answer::Failed(None, format!("envoi impossible : {error}")),
        }
    }
}

/// Refuses a target whose host is a private address literal (names are checked when
/// resolved).
fn check_literal(text: &str, allow_private: bool) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|_| "adresse invalide".to_owned())?;
    if allow_private {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err("l'adresse doit commencer par https://".into());
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => !is_public_address(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public_address(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => false,
        None => true,
    };
    if private {
        Err("adresse non publique".into())
    } else {
        Ok(())
    }
}

/// Records what a target answered: delivered; tried again later; or, after three days of
/// failures, the hook disabled and its owner told.
async fn settle(app: &App, entry: &outbox::Claimed, answer: Answer) -> Result<(), AppError> {
    let now = app.now();
    let hook_id = entry.recipient.parse::<Uuid>().ok();
    let txn = app.store().begin_write().await?;
    let mut mailed = false;
    match answer {
        Answer::Delivered(status) => {
            outbox::answered(&txn, entry.id, Some(status), now).await?;
            outbox::delivered(&txn, &[entry.id], now).await?;
            if let Some(hook) = hook_id {
                webhooks::answered(&txn, hook, true, now).await?;
            }
            metrics::counter!("terrain_outbox_delivered_total", "channel" => "webhook")
                .increment(1);
        }
        Answer::Gone(reason) => {
            outbox::attempt_failed(&txn, entry.id, &reason, None).await?;
            metrics::counter!("terrain_outbox_failed_total", "channel" => "webhook").increment(1);
        }
        Answer::Failed(status, reason) => {
            outbox::answered(&txn, entry.id, status, now).await?;
            let retry_at = delivery::retry_after(entry.attempts).map(|wait| now + wait);
            outbox::attempt_failed(&txn, entry.id, &reason, retry_at).await?;
            if retry_at.is_none() {
                metrics::counter!("terrain_outbox_failed_total", "channel" => "webhook")
                    .increment(1);
            }
            tracing::warn!(delivery = %entry.id, webhook = %entry.recipient, attempts = entry.attempts,
                error = %reason, retry = retry_at.is_some(), "webhook not delivered");
            if let Some(id) = hook_id {
                webhooks::answered(&txn, id, false, now).await?;
                mailed = disable_if_failing(app, &txn, id, &reason, now).await?;
            }
        }
    }
    txn.commit().await?;
    if mailed {
        app.outbox_written();
    }
    Ok(())
}

/// Disables a hook that has failed for three days, with a mail to its owner; whether it did.
async fn disable_if_failing(
    app: &App,
    txn: &terrain_persistence::Tx,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(hook) = webhooks::find(txn, id).await? else {
        return Ok(false);
    };
    let hook = to_domain(app, hook);
    if !hook.fails_for_good(now) || !webhooks::disable(txn, id, now).await? {
        return Ok(false);
    }
    tracing::warn!(webhook = %id, "webhook disabled after three days of failures");
    let Some(owner) = users::find(txn, hook.owner_id).await? else {
        return Ok(false);
    };
    let since = hook.failing_since.unwrap_or(now);
    let draft = Draft {
        kind: "webhook_disabled",
        subject: "Votre webhook est désactivé".into(),
        to: owner.email.clone(),
        name: Some(owner.display_name.clone()),
        values: minijinja::context! {
            url => hook.url,
            since => fr::datetime(since),
            error => reason,
        },
        link: None,
    };
    outbox::insert(txn, vec![notify::delivery(&draft, None, None)?], now).await?;
    Ok(true)
}
