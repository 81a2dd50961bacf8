//! The pages, driven as a browser would over HTTP: forms read from the page and posted with
//! their CSRF token, cookies kept, redirects followed.

mod browser;
mod concertations;
mod conversation;
mod drafts;
mod follow_up;
mod review;
mod sessions;
mod workflow;

pub use browser::Browser;
