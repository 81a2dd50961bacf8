//! End-to-end tests: each test starts the real application on its own fresh database (SQLite by
//! default, PostgreSQL when `TERRAIN_TEST_DATABASE_URL` is set) and drives it over HTTP.

mod helpers;

mod abuse;
mod accounts;
mod conversation;
mod dashboard;
mod data;
mod errors;
mod events;
mod follow_up;
mod funding;
mod instances;
mod integrations;
mod mail;
mod oidc;
mod open_data;
mod operations;
mod pages;
mod projects;
mod reference;
mod review;
mod snapshots;
mod spreadsheets;
mod stats;
mod webhooks;
