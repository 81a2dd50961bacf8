//! The language of Terrain: values that exist only when valid, the status and stage machines
//! as pure functions, and who may do what. Nothing here performs I/O.

pub mod access;
pub mod account;
pub mod code;
pub mod conversation;
pub mod delivery;
pub mod event;
pub mod fields;
pub mod follow_up;
pub mod fr;
pub mod funding;
pub mod history;
pub mod integration;
pub mod programme;
pub mod project;
pub mod reference;
pub mod review;
pub mod stage;
pub mod stats;
pub mod status;
pub mod territory;
pub mod text;

pub use account::{Actor, DisplayName, Email, Password, Role, Scope, User};
pub use conversation::{Attachment, CorrectionReason, FileKind, FileName, Message};
pub use delivery::{Channel, Delivery, DeliveryStatus, MailPreference};
pub use event::{Attendance, Event, EventInput, EventKind, NewEvent};
pub use fields::{FieldError, FieldErrors};
pub use follow_up::{FollowUp, Indicator, Measurement, Milestone, Payment, Report};
pub use funding::{Fund, FundCode, FundInput, Grant, NewFund, Support, SupportKind};
pub use history::{Change, HistoryEntry};
pub use integration::{ApiToken, ChangeItem, ChangeType, TokenAccess, Webhook};
pub use programme::{ProgrammeCode, ProgrammeCodeError, ThemeCode};
pub use project::{Cents, Project, ProjectFields, ProjectInput};
pub use reference::{Catalogue, Programme, Territory, Theme};
pub use stage::Stage;
pub use status::{Action, Status};
pub use territory::{TerritoryId, TerritoryIdError, TerritoryKind, TerritoryPath};
