//! The background workers of an instance: the outbox (mails and webhooks), and the
//! chores (the daily digest, forgetting idle sessions). They stop with the server; what they
//! were doing is safe to interrupt (a claimed delivery is taken again when its lease runs out).

use std::time::Duration;

use terrain_app::{App, attachments, digest, mail::Mailer, outbox, sessions, webhooks};
use terrain_domain::Channel;
use tokio::{sync::watch, task::JoinHandle};

/// The running workers.
#[derive(Debug)]
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts the workers of `app`.
    ///
    /// # Errors
    /// When `mail.smtp_url` cannot be read.
    pub fn start(app: &App) -> anyhow::Result<Workers> {
        let mailer =
            Mailer::from_settings(&app.settings().mail).map_err(|e| anyhow::anyhow!("{e}"))?;
        if mailer.is_none() {
            tracing::warn!(
                "mail.smtp_url is not set: mails are kept in the outbox, pending, until it is"
            );
        }
        for channel in Channel::ALL {
            let label = channel.as_str();
            metrics::counter!("terrain_outbox_delivered_total", "channel" => label).increment(0);
            metrics::counter!("terrain_outbox_failed_total", "channel" => label).increment(0);
        }
        let deliverer = webhooks::Deliverer::new(app).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (stop, watching) = watch::channel(false);
        let handles = vec![
            tokio::spawn(deliver(app.clone(), mailer, watching.clone())),
            tokio::spawn(hooks(app.clone(), deliverer, watching.clone())),
            tokio::spawn(batches(app.clone(), watching.clone())),
            tokio::spawn(reference(app.clone(), watching.clone())),
            tokio::spawn(chores(app.clone(), watching)),
        ];
        Ok(Workers { stop, handles })
    }

    /// Stops the workers, letting a round in progress finish for a few seconds.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let abort = handle.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), handle)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

async fn refresh_pending(app: &App) {
    match outbox::pending(app).await {
        Ok(counts) => {
            for (channel, n) in counts {
                metrics::gauge!("terrain_outbox_pending", "channel" => channel.as_str())
                    .set(n as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "cannot count the pending deliveries"),
    }
}

/// Reads the programmes and themes again when another instance changed them: one single-row
/// read a second, so that a programme created anywhere is usable here within a second or so.
async fn reference(app: App, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => break,
        }
        match app.refresh_catalogue_if_stale().await {
            Ok(true) => tracing::info!("programmes and themes read again"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot read the reference version"),
        }
    }
}

/// Delivers due mails, at once when this instance wrote some, else at each poll.
async fn deliver(app: App, mailer: Option<Mailer>, mut stop: watch::Receiver<bool>) {
    let settings = app.settings().outbox.clone();
    let poll = Duration::from_millis(settings.poll_interval_ms);
    let mut counted = tokio::time::Instant::now() - Duration::from_secs(60);
    loop {
        if *stop.borrow() {
            break;
        }
        let mut took = 0;
        if let Some(mailer) = &mailer {
            match outbox::deliver_mails(&app, mailer).await {
                Ok(round) => {
                    took = round.took();
                    let label = Channel::Mail.as_str();
                    metrics::counter!("terrain_outbox_delivered_total", "channel" => label)
                        .increment(round.delivered);
                    metrics::counter!("terrain_outbox_failed_total", "channel" => label)
                        .increment(round.failed);
                }
                Err(error) => tracing::warn!(%error, "outbox round failed"),
            }
        }
        if took > 0 || counted.elapsed() >= Duration::from_secs(1) {
            refresh_pending(&app).await;
            counted = tokio::time::Instant::now();
        }
        if took >= settings.batch {
            continue;
        }
        tokio::select! {
            () = app.outbox_wait(poll) => {}
            _ = stop.changed() => break,
        }
    }
}

/// Hands new changes to the webhooks and delivers them: at once when this instance committed
/// changes, else at each poll (changes of other instances, retries coming due).
async fn hooks(app: App, deliverer: webhooks::Deliverer, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_millis(app.settings().outbox.poll_interval_ms);
    loop {
        if *stop.borrow() {
            break;
        }
        let mut busy = false;
        match webhooks::fan_out(&app).await {
            Ok(n) => busy |= n > 0,
            Err(error) => tracing::warn!(%error, "webhook fan-out failed"),
        }
        match deliverer.round(&app).await {
            Ok(n) => busy |= n > 0,
            Err(error) => tracing::warn!(%error, "webhook round failed"),
        }
        // Deliveries finishing free room for their target: look again soon while any run.
        let wait = if busy || deliverer.busy() {
            poll.min(Duration::from_millis(250))
        } else {
            poll
        };
        tokio::select! {
            () = app.store().feed_wait(wait) => {}
            _ = stop.changed() => break,
        }
    }
}

/// Works through the batches asked for (on this instance or another whose lease ran out).
async fn batches(app: App, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_secs(2);
    loop {
        if *stop.borrow() {
            break;
        }
        match terrain_app::batches::work_one(&app).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "batch round failed"),
        }
        tokio::select! {
            () = app.batch_wait(poll) => {}
            _ = stop.changed() => break,
        }
    }
}

/// Writes the daily digests when they come due; every hour, forgets idle sessions and removes
/// the stored files a crash left without their row.
async fn chores(app: App, mut stop: watch::Receiver<bool>) {
    let mut purged = tokio::time::Instant::now() - Duration::from_secs(3600);
    let mut digest_done = None;
    loop {
        let now = app.now();
        let due_day = digest::due(now).map(|(day, _, _)| day);
        if due_day.is_some() && due_day != digest_done {
            match digest::write_due(&app, now).await {
                Ok(n) => {
                    digest_done = due_day;
                    if n > 0 {
                        tracing::info!(digests = n, "daily digests written");
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot write the daily digests"),
            }
        }
        if purged.elapsed() >= Duration::from_secs(3600) {
            match sessions::purge(&app, now).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "idle sessions forgotten"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot forget idle sessions"),
            }
            match attachments::sweep(&app, terrain_app::files::Files::ORPHAN_AFTER).await {
                Ok(n) if n > 0 => tracing::info!(files = n, "orphaned files removed"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot sweep the stored files"),
            }
            purged = tokio::time::Instant::now();
        }
        let until_digest = (digest::next_after(now) - now)
            .to_std()
            .unwrap_or(Duration::from_secs(60));
        let wait = until_digest.clamp(Duration::from_secs(1), Duration::from_secs(600));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
    }
}
