//! Messages, correction requests and attachments (SPEC §15), on the local folder by default
//! and on S3 when `TERRAIN_TEST_S3_BUCKET` is set (`.ci/run` runs this module against a local
//! S3 server).

mod attachments;
mod messages;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{Session, TestApp};

/// The PDF every test attaches: a real one-page document.
pub const BUDGET_PDF: &[u8] = include_bytes!("../../../fixtures/budget.pdf");

/// A real 16×16 PNG image.
pub const PLAN_PNG: &[u8] = include_bytes!("../../../fixtures/plan.png");

/// `POST /projects/{id}/attachments` as `session`, with `bytes` named `name` and declared as
/// `declared`.
pub async fn upload(
    app: &TestApp,
    session: &Session,
    project: &str,
    name: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(declared)
        .expect("mime");
    app.client
        .post(app.url(&format!("/api/v1/projects/{project}/attachments")))
        .bearer_auth(&session.token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("request")
}

/// Uploads the budget PDF; expects 201 and returns the file.
pub async fn attach_budget(app: &TestApp, session: &Session, project: &str) -> Value {
    let response = upload(
        app,
        session,
        project,
        "budget prévisionnel.pdf",
        "application/pdf",
        BUDGET_PDF.to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201, "upload the budget");
    response.json().await.expect("file")
}

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}
