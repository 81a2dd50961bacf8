//! The `terrain` binary: configuration, telemetry, the HTTP server, the commands (serve,
//! migrate, user, import, demo, mail test), the background workers.

pub mod commands;
pub mod server;
pub mod startup;
pub mod telemetry;
pub mod workers;
