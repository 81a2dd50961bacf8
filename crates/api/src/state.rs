//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use terrain_persistence::Database;

use crate::{auth::TokenKeys, config::Settings, reference_data::Reference};

/// Shared, cheap to clone: the database handle, the settings and the metrics recorder. The
/// service keeps no other state, so any number of instances can serve the same database.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The settings the service started with.
    pub settings: Arc<Settings>,
    /// Programmes and territories.
    pub reference: Arc<Reference>,
    /// Signs and checks access tokens.
    pub keys: TokenKeys,
    /// Figures already computed, keyed by request and tagged with the statistics version.
    pub memo: Arc<crate::statistics::Memo>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The proxies whose forwarded addresses are believed (`server.trusted_proxies`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
}
