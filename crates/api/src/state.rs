//! What every handler can reach.

use metrics_exporter_prometheus::PrometheusHandle;
use terrain_app::App;

/// The application (store, settings, reference data, keys) and the metrics recorder.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The use cases' context.
    pub app: App,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}
