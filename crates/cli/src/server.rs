//! The HTTP server: our own accept loop over hyper, so that silent or idle connections cannot
//! hold the service. A connection gets `header_read_timeout` to send its first request head;
//! afterwards hyper closes it when it stays idle (or sends a head too slowly) for
//! `keep_alive_timeout`. At most `max_connections` are open at once, never more than the open
//! file limit leaves room for: beyond, new connections wait in the kernel's backlog.

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::Request};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::{Service, ServiceExt as _};

/// File descriptors kept back from the connection cap for the database pool, logs and files.
const RESERVED_FILES: u64 = 64;

/// How the server treats connections.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time a new connection has to send the head of its first request.
    pub header_read_timeout: Duration,
    /// Time a kept-alive connection may stay idle (or take to send a further request head).
    pub keep_alive_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long in-flight requests may take to finish after the shutdown signal.
    pub shutdown_grace: Duration,
}

/// The connection cap that the open file limit allows: raises the soft limit to the hard one
/// first, then keeps [`RESERVED_FILES`] back.
pub fn connection_cap(configured: usize) -> usize {
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(error) => {
            tracing::warn!(%error, "cannot read the open file limit");
            return configured;
        }
    };
    let fit = usize::try_from(soft.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
    let cap = configured.min(fit).max(1);
    if cap < configured {
        tracing::warn!(
            open_files = soft,
            max_connections = cap,
            "server.max_connections lowered to what the open file limit allows"
        );
    }
    cap
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and lets
/// in-flight requests finish (at most `shutdown_grace`). Handlers may extract
/// `ConnectInfo<SocketAddr>`.
///
/// # Errors
/// None at the moment: accept errors are logged and retried.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.keep_alive_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_error(error).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = make_service
            .call(peer)
            .await
            .unwrap_or_else(|never: Infallible| match never {});
        let started = Arc::new(AtomicBool::new(false));
        let seen = started.clone();
        let service = service.map_request(move |request: Request<hyper::body::Incoming>| {
            seen.store(true, Ordering::Relaxed);
            request
        });
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        let first_head = options.header_read_timeout;
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let outcome = tokio::select! {
                outcome = connection.as_mut() => Some(outcome),
                () = tokio::time::sleep(first_head) => None,
            };
            let outcome = match outcome {
                Some(outcome) => outcome,
                // No request head in time: dropping the connection closes the socket.
                None if !started.load(Ordering::Relaxed) => {
                    tracing::debug!(%peer, "connection closed: no request head in time");
                    drop(permit);
                    return;
                }
                None => connection.await,
            };
            if let Err(error) = outcome {
                tracing::debug!(%peer, "connection closed: {error}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(options.shutdown_grace) => {
            tracing::warn!("shutdown grace period elapsed with connections still open");
        }
    }
    Ok(())
}

/// As `axum::serve` does: per-connection errors are ignored; others (such as running out of
/// file descriptors) pause the loop for a second.
async fn accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accept error");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
