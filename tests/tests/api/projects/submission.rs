//! A submission needs the concertation's stakeholders and, for a school programme, the
//! school's UAI (SPEC §3): the use case checks it, whatever the front door.

use serde_json::{Value, json};

use super::id;
use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn an_incomplete_project_is_not_submitted_and_the_answer_names_what_is_missing() {
    let app = TestApp::spawn().await;
    let lead = app.lead("pressée").await;
    let bare = app
        .create_project(
            &lead,
            json!({"stakeholders": [], "establishment_uai": null}),
        )
        .await;
    let problem = assert_problem(
        app.transition(&lead, &id(&bare), "submit", None, 1).await,
        422,
    )
    .await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["establishment_uai", "stakeholders"]);
    let still: Value = app
        .get_as(&format!("/api/v1/projects/{}", id(&bare)), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(still["status"], "draft");
    assert_eq!(still["submitted_at"], Value::Null);
    let history: Value = app
        .get_as(
            &format!("/api/v1/projects/{}/history", id(&bare)),
            &lead.token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"], json!([]));
}

#[tokio::test]
async fn once_completed_the_project_is_submitted() {
    let app = TestApp::spawn().await;
    let lead = app.lead("appliquée").await;
    let bare = app.create_project(&lead, json!({"stakeholders": []})).await;
    assert_eq!(
        app.transition(&lead, &id(&bare), "submit", None, 1)
            .await
            .status(),
        422
    );
    let completed = app
        .client
        .patch(app.url(&format!("/api/v1/projects/{}", id(&bare))))
        .bearer_auth(&lead.token)
        .header("if-match", "\"1\"")
        .json(&json!({"stakeholders": ["pupils", "parents"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(completed.status(), 200);
    let submitted = app.transition(&lead, &id(&bare), "submit", None, 2).await;
    assert_eq!(submitted.status(), 200);
}

#[tokio::test]
async fn a_health_initiative_needs_no_school() {
    let app = TestApp::spawn().await;
    let lead = app.lead("soignante").await;
    let initiative = app
        .create_project(
            &lead,
            json!({"programme": "health", "territory": "region:53", "theme": "prevention",
                   "establishment_uai": null, "stakeholders": ["patients"]}),
        )
        .await;
    let submitted = app
        .transition(&lead, &id(&initiative), "submit", None, 1)
        .await;
    assert_eq!(submitted.status(), 200);
}
