//! Connections: one pool on PostgreSQL; on SQLite a reader pool and a single writer connection,
//! so that writers queue inside the service instead of failing with "database is locked".

use std::{path::Path, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use terrain_migrations::{Migrator, MigratorTrait};

use crate::{StoreError, repo::changes::NewChange};

/// The most reader connections opened on an SQLite file.
pub const SQLITE_MAX_READERS: u32 = 4;

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file: the default for one machine.
    Sqlite,
    /// PostgreSQL: the production engine.
    Postgres,
}

impl Engine {
    /// The engine a URL selects, if any.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// Connections in the (reader) pool.
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
    /// On SQLite, how long a write may wait its turn for the single writer. Writes queue there
    /// by design, so under a burst the wait is the queue's length, not an outage: it is bounded
    /// by the request's own timeout rather than by `acquire_timeout`.
    pub write_queue_timeout: Duration,
}

/// The service's handle on its database.
#[derive(Debug, Clone)]
pub struct Database {
    engine: Engine,
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    /// Rung after each commit that wrote to the change feed (the webhooks' worker waits on it).
    feed_bell: std::sync::Arc<tokio::sync::Notify>,
}

impl Database {
    /// Connects, creating the SQLite file and its directory when missing.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn connect(settings: &ConnectSettings) -> Result<Self, StoreError> {
        let engine = Engine::of_url(&settings.url).ok_or_else(|| {
            StoreError::Other(sea_orm::DbErr::Custom(
                "database.url must start with sqlite: or postgres://".into(),
            ))
        })?;
        match engine {
            Engine::Sqlite => {
                create_sqlite_directory(&settings.url);
                let writer = sea_orm::Database::connect(sqlite_options(
                    settings,
                    1,
                    settings.write_queue_timeout.max(settings.acquire_timeout),
                ))
                .await?;
                // SQLite reads run on the service's own cores: more readers than a handful only
                // add page caches and threads.
                let reader = sea_orm::Database::connect(sqlite_options(
                    settings,
                    settings.max_connections.clamp(1, SQLITE_MAX_READERS),
                    settings.acquire_timeout,
                ))
                .await?;
                Ok(Database {
                    engine,
                    reader,
                    writer,
                    feed_bell: std::sync::Arc::default(),
                })
            }
            Engine::Postgres => {
                let mut options = ConnectOptions::new(settings.url.clone());
                options
                    .max_connections(settings.max_connections.max(1))
                    .min_connections(0)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_timeout(settings.acquire_timeout)
                    .sqlx_logging(false);
                let pool = sea_orm::Database::connect(options).await?;
                Ok(Database {
                    engine,
                    reader: pool.clone(),
                    writer: pool,
                    feed_bell: std::sync::Arc::default(),
                })
            }
        }
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// When a migration fails; nothing of that migration is kept on PostgreSQL.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let pending = Migrator::get_pending_migrations(&self.writer).await?;
        let rebuild = pending
            .iter()
            .any(|m| m.name() == terrain_migrations::REBUILDS_COUNTERS);
        Migrator::up(&self.writer, None).await?;
        if rebuild {
            let txn = self.begin_write().await?;
            crate::repo::stats::rebuild(&txn).await?;
            txn.commit().await?;
            tracing::info!("statistics counters rebuilt");
        }
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load (`terrain demo`, `terrain import`):
    /// without them PostgreSQL may scan a whole table where an index answers in a millisecond,
    /// until autovacuum comes round.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        self.writer.execute_unprepared("ANALYZE").await?;
        Ok(())
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The backend, for building statements by hand.
    pub fn backend(&self) -> DbBackend {
        self.reader.get_database_backend()
    }

    /// A connection for reads.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction never fails halfway because another wrote first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when no connection can be had in time.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.engine == Engine::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(Tx {
            inner: self.writer.begin_with_options(options).await?,
            changes: std::sync::Mutex::default(),
            feed_bell: self.feed_bell.clone(),
        })
    }

    /// Wakes whoever waits on [`Database::feed_wait`] (a ping written outside the feed).
    pub fn ring_feed(&self) {
        self.feed_bell.notify_one();
    }

    /// Waits until this instance commits a change to the feed, or `timeout` has passed.
    pub async fn feed_wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.feed_bell.notified()).await;
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.reader.execute_unprepared("SELECT 1").await?;
        if self.engine == Engine::Sqlite {
            self.writer.execute_unprepared("SELECT 1").await?;
        }
        Ok(())
    }

    /// Closes every connection (at shutdown, or to simulate an outage in tests).
    ///
    /// # Errors
    /// When a connection fails to close cleanly.
    pub async fn close(&self) -> Result<(), StoreError> {
        self.reader.close_by_ref().await?;
        self.writer.close_by_ref().await?;
        Ok(())
    }
}

fn sqlite_options(
    settings: &ConnectSettings,
    connections: u32,
    acquire_timeout: Duration,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Each connection keeps its own page cache: 1 MiB each keeps a pool of
                // readers small in memory; the operating system caches the file anyway. (A
                // memory map of the file was tried: reads of the queue gained, but writes lost
                // half their rate and the mapped pages took the resident memory to 800 MB.)
                .pragma("cache_size", "-1024")
                .statement_cache_capacity(64)
        });
    options
}

fn create_sqlite_directory(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return;
    }
    if let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        // A failure here shows up, with a clearer message, when the file is opened.
        let _ = std::fs::create_dir_all(parent);
    }
}

/// A write transaction. Repositories take it as any connection; [`Tx::commit`] ends it and
/// sorts the database's answer like every other error. Dropped without a commit, it rolls
/// back, and the changes it recorded for the feed with it.
#[derive(Debug)]
pub struct Tx {
    inner: DatabaseTransaction,
    /// The changes for the feed, written by [`Tx::commit`].
    changes: std::sync::Mutex<Vec<NewChange>>,
    /// The database's feed bell, rung once they are committed.
    feed_bell: std::sync::Arc<tokio::sync::Notify>,
}

impl Tx {
    /// Records a change for the feed (SPEC §13). The feed's rows are written by
    /// [`Tx::commit`], last, so that on PostgreSQL the lock that orders them is held only
    /// while committing (see `repo::changes`).
    pub fn record(&self, change: NewChange) {
        self.changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(change);
    }

    /// Writes the recorded changes, then commits.
    ///
    /// # Errors
    /// [`StoreError`] sorted as for any statement (a lost race is [`StoreError::Retry`]).
    pub async fn commit(self) -> Result<(), StoreError> {
        let changes = std::mem::take(
            &mut *self
                .changes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        crate::repo::changes::append(&self.inner, &changes).await?;
        self.inner.commit().await?;
        if !changes.is_empty() {
            self.feed_bell.notify_one();
        }
        Ok(())
    }
}

#[sea_orm::entity::prelude::async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.inner.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.inner.query_one_raw(stmt).await
    }

    async fn query_all_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.inner.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}
