//! Terrain's use cases. One module per capability, one function per operation: each takes the
//! [`App`], the actor and parsed values, and does the whole operation — rights (through
//! `terrain_domain::access`), the state machines, the transaction, the history entry, the
//! counters and idempotency. It returns domain values or one [`AppError`], which every front
//! door (the JSON API, the pages, the command line) renders its own way. No front door opens a
//! transaction.

pub mod accounts;
pub mod api_tokens;
pub mod attachments;
pub mod batches;
pub mod changes;
pub mod config;
pub mod csv;
pub mod demo;
pub mod digest;
mod error;
pub mod events;
pub mod exports;
pub mod files;
pub mod follow_up;
pub mod funding;
pub mod idempotency;
pub mod import;
pub mod limits;
pub mod mail;
pub mod messages;
mod notify;
pub mod oidc;
pub mod open_data;
pub mod outbox;
pub mod pagination;
pub mod password;
pub mod password_reset;
pub mod progress;
pub mod projects;
pub mod reference;
pub mod review;
pub mod sessions;
pub mod statistics;
pub mod tokens;
pub mod webhooks;
pub mod xlsx;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use terrain_domain::Catalogue;
use terrain_persistence::Database;

pub use error::AppError;
pub use terrain_persistence::repo::Page;

use crate::{config::Settings, statistics::Memo, tokens::TokenKeys};

/// What every use case reaches: the store, the settings, the reference data, the token keys.
/// Cheap to clone; the service keeps no other state, so any number of instances can serve the
/// same database.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Database,
    settings: Settings,
    catalogue: RwLock<Arc<Catalogue>>,
    /// The reference version the catalogue was read at.
    catalogue_version: std::sync::atomic::AtomicI64,
    keys: TokenKeys,
    memo: Memo,
    trusted_proxies: Vec<ipnet::IpNet>,
    outbox_bell: tokio::sync::Notify,
    batch_bell: tokio::sync::Notify,
    files: files::Files,
}

impl App {
    /// The application over a migrated database; reads the reference data.
    ///
    /// # Errors
    /// When the reference data cannot be read.
    pub async fn new(store: Database, settings: Settings) -> Result<App, AppError> {
        let (catalogue, catalogue_version) = reference::load(&store).await?;
        let secret = settings
            .auth
            .jwt_secret
            .clone()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no signing secret")))?;
        let files = files::Files::open(&settings.storage)?;
        Ok(App {
            inner: Arc::new(Inner {
                files,
                keys: TokenKeys::new(&settings.auth, &secret),
                trusted_proxies: settings.server.trusted_proxy_nets(),
                catalogue: RwLock::new(Arc::new(catalogue)),
                catalogue_version: catalogue_version.into(),
                memo: Memo::default(),
                outbox_bell: tokio::sync::Notify::new(),
                batch_bell: tokio::sync::Notify::new(),
                store,
                settings,
            }),
        })
    }

    /// The database.
    pub fn store(&self) -> &Database {
        &self.inner.store
    }

    /// The settings the service started with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Where attached files are kept.
    pub fn files(&self) -> &files::Files {
        &self.inner.files
    }

    /// The programmes and territories.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        match self.inner.catalogue.read() {
            Ok(catalogue) => catalogue.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the programmes and territories again.
    ///
    /// # Errors
    /// When the database fails (the copy held stays).
    pub async fn refresh_catalogue(&self) -> Result<(), AppError> {
        let (catalogue, version) = reference::load(&self.inner.store).await?;
        match self.inner.catalogue.write() {
            Ok(mut held) => *held = Arc::new(catalogue),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(catalogue),
        }
        self.inner
            .catalogue_version
            .store(version, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Reads the programmes and territories again if another instance (or this one) changed
    /// them since they were read: one single-row read when nothing changed. Returns whether it
    /// did.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn refresh_catalogue_if_stale(&self) -> Result<bool, AppError> {
        let current = reference::version(&self.inner.store).await?;
        let held = self
            .inner
            .catalogue_version
            .load(std::sync::atomic::Ordering::Acquire);
        if current == held {
            return Ok(false);
        }
        self.refresh_catalogue().await?;
        Ok(true)
    }

    /// The reference version the catalogue held was read at (the OpenAPI document's cache
    /// key).
    pub fn catalogue_version(&self) -> i64 {
        self.inner
            .catalogue_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Signs and checks access tokens.
    pub fn keys(&self) -> &TokenKeys {
        &self.inner.keys
    }

    /// Figures already computed, tagged with their statistics version.
    pub(crate) fn memo(&self) -> &Memo {
        &self.inner.memo
    }

    /// The proxies whose forwarded addresses are believed.
    pub fn trusted_proxies(&self) -> &[ipnet::IpNet] {
        &self.inner.trusted_proxies
    }

    /// Tells this instance's outbox worker that deliveries were just committed (other
    /// instances find them at their next poll).
    pub fn outbox_written(&self) {
        self.inner.outbox_bell.notify_one();
    }

    /// Waits until deliveries are committed by this instance, or `timeout` has passed.
    pub async fn outbox_wait(&self, timeout: std::time::Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.outbox_bell.notified()).await;
    }

    /// Tells this instance's batch worker that a batch was just asked for.
    pub fn batch_written(&self) {
        self.inner.batch_bell.notify_one();
    }

    /// Waits until a batch is asked for on this instance, or `timeout` has passed.
    pub async fn batch_wait(&self, timeout: std::time::Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.batch_bell.notified()).await;
    }

    /// The time of the operation: every use case reads the clock here, once, and passes the
    /// instant down to the repositories.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The version(s) of a resource its changer read (`If-Match`, or a form's hidden field): a
/// change applies only to one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Whatever the current version (`If-Match: *`).
    Any,
    /// One of these versions.
    OneOf(Vec<i64>),
}

impl Expected {
    /// Whether the change may apply to `version`.
    pub fn allows(&self, version: i64) -> bool {
        match self {
            Expected::Any => true,
            Expected::OneOf(versions) => versions.contains(&version),
        }
    }

    /// Fails with [`AppError::Stale`] unless the change may apply to `version`.
    ///
    /// # Errors
    /// [`AppError::Stale`].
    pub fn check(&self, version: i64) -> Result<(), AppError> {
        if self.allows(version) {
            Ok(())
        } else {
            Err(AppError::Stale)
        }
    }
}

/// The version a change was based on, which every change must give.
///
/// # Errors
/// [`AppError::VersionRequired`] when none was given.
pub fn required(expected: Option<&Expected>) -> Result<&Expected, AppError> {
    expected.ok_or(AppError::VersionRequired)
}

/// A comment or note: empty counts as absent; otherwise the history's comment rule applies.
///
/// # Errors
/// 422 naming `field` when too long, blank at an end or holding control characters.
pub fn comment(text: Option<String>, field: &str) -> Result<Option<String>, AppError> {
    let text = text.filter(|c| !c.is_empty());
    if let Some(Err(e)) = text
        .as_deref()
        .map(|c| terrain_domain::history::COMMENT.check(c))
    {
        return Err(AppError::invalid(field, e.to_string()));
    }
    Ok(text)
}
