//! Request and response bodies, kept apart from storage entities. Responses are built from
//! domain values with `From`; requests become domain values through `TryFrom`.

pub mod accounts;
pub mod conversation;
pub mod deliveries;
pub mod events;
pub mod follow_up;
pub mod funding;
pub mod integrations;
pub mod projects;
pub mod reference;
pub mod review;
pub mod stats;
