//! Terrain's HTTP API: routers per resource, extractors, DTOs, the problem+json error type,
//! OpenAPI, configuration, telemetry, and the `terrain` command line.

pub mod accounts;
pub mod auth;
pub mod cli;
pub mod conditional;
pub mod config;
pub mod csv_format;
pub mod demo;
pub mod dto;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod import;
pub mod limits;
pub mod openapi;
pub mod pagination;
pub mod progress;
pub mod reference_data;
pub mod routes;
pub mod server;
pub mod startup;
pub mod state;
pub mod statistics;
pub mod telemetry;
