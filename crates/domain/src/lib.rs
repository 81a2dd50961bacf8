//! The language of Terrain: values that exist only when valid, the status and stage machines
//! as pure functions, and who may do what. Nothing here performs I/O.

pub mod account;
pub mod programme;
pub mod reference;
pub mod territory;

pub use account::{Actor, DisplayName, Email, Password, Role, Scope, User};
pub use programme::{ProgrammeCode, ProgrammeCodeError, ThemeCode};
pub use reference::{Programme, Territory, Theme};
pub use territory::{TerritoryId, TerritoryIdError, TerritoryKind, TerritoryPath};
