//! Projects: creation, the validation workflow, visibility and lists.

mod creation;
mod lists;
mod submission;
mod visibility;
mod workflow;

use serde_json::Value;

use crate::helpers::{Session, TestApp};

pub(super) fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

pub(super) fn version(project: &Value) -> i64 {
    project["version"].as_i64().expect("version")
}

/// A lead, an administrator of the education programme in the académie of Lyon, an observer.
pub(super) async fn cast(app: &TestApp) -> (Session, Session, Session) {
    let lead = app.lead("porteur").await;
    let admin = app
        .account(
            "lyon",
            "admin",
            &["--programme", "education", "--territory", "academy:10"],
        )
        .await;
    let observer = app.account("analyste", "observer", &[]).await;
    (lead, admin, observer)
}
