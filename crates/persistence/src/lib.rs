//! Terrain's storage. Repositories take a connection (or a transaction, so that several compose
//! into one) and speak in domain types; entities stay inside this crate. This is the only crate
//! that speaks SQL, and it runs unchanged on SQLite and PostgreSQL.

mod db;
mod entities;
mod error;
pub mod repo;

pub use db::{ConnectSettings, Database, Engine, Tx};
pub use error::{IsRetry, StoreError, retrying};
pub use sea_orm::ConnectionTrait;
