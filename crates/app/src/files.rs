//! Where attached files are kept (SPEC §15), behind one interface: a local folder on one
//! machine, S3-compatible object storage for several instances. An object is written in full
//! before its row is committed (a multipart upload becomes visible only when completed; the
//! local folder writes a staging file and renames it), so a row never names a missing or half
//! object; objects left without a row by a crash are removed by [`Files::sweep`].

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures::{StreamExt, stream::BoxStream};
use object_store::{
    ObjectStore, ObjectStoreExt, WriteMultipart, aws::AmazonS3Builder, local::LocalFileSystem,
    path::Path, prefix::PrefixStore,
};
use uuid::Uuid;

use crate::{AppError, config::StorageSettings};

/// The object store of the service.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// The size of each part sent: the S3 minimum of 5 MiB there, small on a local folder
    /// (every part in flight is held in memory).
    part_bytes: usize,
    description: String,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field("at", &self.description)
            .finish_non_exhaustive()
    }
}

/// An object store failure: the storage cannot be reached or refused the operation.
fn unavailable(error: object_store::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("object storage: {error}"))
}

impl Files {
    /// The store `settings` name (a local folder is created if missing).
    ///
    /// # Errors
    /// When the URL is neither `file://…` nor `s3://bucket[/prefix]`, or the folder cannot be
    /// created.
    pub fn open(settings: &StorageSettings) -> Result<Files, AppError> {
        let url = settings.url.trim();
        let bad = |why: &str| AppError::internal(anyhow::anyhow!("storage.url {url:?}: {why}"));
        if let Some(folder) = url.strip_prefix("file://") {
            if folder.is_empty() {
                return Err(bad("no folder"));
            }
            std::fs::create_dir_all(folder).map_err(|e| bad(&e.to_string()))?;
            let local = LocalFileSystem::new_with_prefix(folder)
                .map_err(|e| bad(&e.to_string()))?
                .with_automatic_cleanup(true);
            return Ok(Files {
                store: Arc::new(local),
                part_bytes: 64 * 1024,
                description: url.to_owned(),
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("no bucket"));
            }
            // The S3 client speaks TLS through rustls, whose provider is chosen once.
            crate::webhooks::install_tls();
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            if let Some(endpoint) = &settings.s3_endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"));
            }
            let s3 = builder.build().map_err(|e| bad(&e.to_string()))?;
            let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(PrefixStore::new(s3, prefix)),
            };
            return Ok(Files {
                store,
                part_bytes: 5 * 1024 * 1024,
                description: url.to_owned(),
            });
        }
        Err(bad("expected file://FOLDER or s3://BUCKET/PREFIX"))
    }

    /// Starts writing the object at `key`.
    ///
    /// # Errors
    /// When the storage refuses.
    pub async fn create(&self, key: &str) -> Result<Upload, AppError> {
        let upload = self
            .store
            .put_multipart(&Path::from(key))
            .await
            .map_err(unavailable)?;
        Ok(Upload {
            writer: WriteMultipart::new_with_chunk_size(upload, self.part_bytes),
        })
    }

    /// The content of the object at `key`, as it is read.
    ///
    /// # Errors
    /// When the object cannot be read.
    pub async fn read(
        &self,
        key: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, AppError> {
        let found = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(unavailable)?;
        Ok(found
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other))
            .boxed())
    }

    /// Removes the object at `key` (already gone is fine).
    ///
    /// # Errors
    /// When the storage refuses.
    pub async fn remove(&self, key: &str) -> Result<(), AppError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The attachments' objects older than `before`, with the id their key ends with.
    ///
    /// # Errors
    /// When the storage cannot be listed.
    pub async fn stored_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<(String, Uuid)>, AppError> {
        let mut listing = self.store.list(Some(&Path::from("projects")));
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(unavailable)?;
            if meta.last_modified >= before {
                continue;
            }
            let id = meta
                .location
                .filename()
                .and_then(|name| name.parse::<Uuid>().ok());
            if let Some(id) = id {
                found.push((meta.location.to_string(), id));
            }
        }
        Ok(found)
    }

    /// How long an object may stay without its row before the sweeper takes it: longer than
    /// any upload lasts.
    pub const ORPHAN_AFTER: Duration = Duration::hours(1);
}

/// An object being written: visible to nobody until [`Upload::finish`].
#[allow(missing_debug_implementations)]
pub struct Upload {
    writer: WriteMultipart,
}

impl Upload {
    /// Appends `bytes`, waiting while a part is already on its way (memory stays flat).
    ///
    /// # Errors
    /// When the storage refuses a part.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.writer
            .wait_for_capacity(1)
            .await
            .map_err(unavailable)?;
        self.writer.write(bytes);
        Ok(())
    }

    /// Completes the object.
    ///
    /// # Errors
    /// When the storage refuses.
    pub async fn finish(self) -> Result<(), AppError> {
        self.writer.finish().await.map_err(unavailable)?;
        Ok(())
    }

    /// Gives up: nothing becomes visible.
    pub async fn abort(self) {
        if let Err(error) = self.writer.abort().await {
            tracing::warn!(%error, "an abandoned upload could not be cleaned up");
        }
    }
}
