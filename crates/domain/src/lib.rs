//! The language of Terrain: values that exist only when valid, the status and stage machines
//! as pure functions, and who may do what. Nothing here performs I/O.

pub mod account;
pub mod event;
pub mod funding;
pub mod history;
pub mod programme;
pub mod project;
pub mod reference;
pub mod stage;
pub mod stats;
pub mod status;
pub mod territory;
pub mod text;

pub use account::{Actor, DisplayName, Email, Password, Role, Scope, User};
pub use event::{Attendance, Event, EventKind};
pub use funding::{Fund, FundCode, Grant, Support, SupportKind};
pub use history::{HistoryEntry, HistoryKind};
pub use programme::{ProgrammeCode, ProgrammeCodeError, ThemeCode};
pub use project::{Cents, Project, ProjectFields};
pub use reference::{Programme, Territory, Theme};
pub use stage::Stage;
pub use status::{Action, Status};
pub use territory::{TerritoryId, TerritoryIdError, TerritoryKind, TerritoryPath};
