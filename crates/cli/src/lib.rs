//! The `terrain` binary: configuration, telemetry, the HTTP server, the commands (serve,
//! migrate, user, import, demo).

pub mod commands;
pub mod server;
pub mod startup;
pub mod telemetry;
