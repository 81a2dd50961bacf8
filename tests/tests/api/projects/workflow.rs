//! The validation workflow: transitions, edits, concurrency control, history.

use serde_json::{Value, json};

use super::{cast, id, version};
use crate::helpers::{Session, TestApp, assert_problem};

#[tokio::test]
async fn a_project_goes_from_draft_through_changes_to_validation_with_its_full_history() {
    let app = TestApp::spawn().await;
    let (lead, admin, _) = cast(&app).await;
    let project = app.create_project(&lead, json!({})).await;
    let submitted = app.walk(&project, &[(&lead, "submit")]).await;
    let first_submission = submitted["submitted_at"].clone();
    assert!(first_submission.is_string());
    let returned = app
        .walk(
            &submitted,
            &[(&admin, "start_review"), (&admin, "request_changes")],
        )
        .await;
    assert_eq!(returned["status"], "changes_requested");

    let patch = app
        .client
        .patch(app.url(&format!("/api/v1/projects/{}", id(&project))))
        .bearer_auth(&lead.token)
        .header("if-match", format!("\"{}\"", version(&returned)))
        .json(&json!({"title": "Un jardin pédagogique et nourricier", "description": null}))
        .send()
        .await
        .expect("request");
    assert_eq!(patch.status(), 200);
    let patched: Value = patch.json().await.expect("json");
    assert_eq!(patched["title"], "Un jardin pédagogique et nourricier");
    assert_eq!(patched["version"], version(&returned) + 1);

    let validated = app
        .walk(
            &patched,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    assert_eq!(validated["status"], "validated");
    assert_eq!(
        validated["submitted_at"], first_submission,
        "first submission kept"
    );
    assert!(validated["decided_at"].is_string());

    let history: Value = app
        .get_as(
            &format!("/api/v1/projects/{}/history", id(&project)),
            &lead.token,
        )
        .await
        .json()
        .await
        .expect("json");
    let steps: Vec<(String, String, String)> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "transition");
            (
                e["action"].as_str().expect("action").to_owned(),
                e["from"].as_str().expect("from").to_owned(),
                e["to"].as_str().expect("to").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("request_changes", "under_review", "changes_requested"),
        ("submit", "changes_requested", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("validate", "under_review", "validated"),
    ];
    assert_eq!(steps.len(), expected.len());
    for (step, (action, from, to)) in steps.iter().zip(expected) {
        assert_eq!(
            (step.0.as_str(), step.1.as_str(), step.2.as_str()),
            (action, from, to)
        );
    }
    let entries = history["items"].as_array().expect("items");
    assert_eq!(entries[0]["actor"]["id"], lead.id.as_str());
    assert_eq!(entries[0]["actor"]["role"], "lead");
    assert_eq!(entries[2]["actor"]["role"], "admin");
    assert_eq!(entries[2]["comment"], "Motif de la décision");
}

#[tokio::test]
async fn changes_without_if_match_are_428_and_with_a_stale_one_412() {
    let app = TestApp::spawn().await;
    let lead = app.lead("versions").await;
    let project = app.create_project(&lead, json!({})).await;
    let url = app.url(&format!("/api/v1/projects/{}", id(&project)));
    let no_header = app
        .client
        .patch(&url)
        .bearer_auth(&lead.token)
        .json(&json!({"title": "Nouveau titre"}))
        .send()
        .await
        .expect("request");
    assert_problem(no_header, 428).await;
    let transition = app
        .client
        .post(format!("{url}/transitions"))
        .bearer_auth(&lead.token)
        .json(&json!({"action": "submit"}))
        .send()
        .await
        .expect("request");
    assert_problem(transition, 428).await;

    let first = app
        .client
        .patch(&url)
        .bearer_auth(&lead.token)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Premier changement"}))
        .send()
        .await
        .expect("request");
    assert_eq!(first.status(), 200);
    for stale in ["\"1\"", "W/\"2\"", "\"garbage\""] {
        let response = app
            .client
            .patch(&url)
            .bearer_auth(&lead.token)
            .header("if-match", stale)
            .json(&json!({"title": "Changement perdu"}))
            .send()
            .await
            .expect("request");
        assert_problem(response, 412).await;
    }
    // Invalid data is reported as such whatever the tag: the client learns what to fix.
    let invalid = app
        .client
        .patch(&url)
        .bearer_auth(&lead.token)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect("request");
    assert_problem(invalid, 422).await;
    assert_problem(
        app.transition(&lead, &id(&project), "submit", None, 1)
            .await,
        412,
    )
    .await;
    let current: Value = app
        .get_as(&format!("/api/v1/projects/{}", id(&project)), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(current["title"], "Premier changement");
    assert_eq!(current["status"], "draft");
}

#[tokio::test]
async fn refusals_of_the_workflow_have_their_own_statuses_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (lead, admin, observer) = cast(&app).await;
    let outsider = app
        .account("bretagne", "admin", &["--territory", "region:53"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let submitted = app.walk(&project, &[(&lead, "submit")]).await;
    let pid = id(&project);
    let v = version(&submitted);

    assert_problem(
        app.transition(&lead, &pid, "start_review", None, v).await,
        403,
    )
    .await;
    assert_problem(app.transition(&admin, &pid, "submit", None, v).await, 403).await;
    assert_problem(
        app.transition(&observer, &pid, "start_review", None, v)
            .await,
        403,
    )
    .await;
    assert_problem(app.transition(&admin, &pid, "validate", None, v).await, 409).await;
    assert_problem(
        app.transition(&outsider, &pid, "start_review", None, v)
            .await,
        404,
    )
    .await;

    let reviewing = app.walk(&submitted, &[(&admin, "start_review")]).await;
    let rv = version(&reviewing);
    let no_comment = app.transition(&admin, &pid, "reject", None, rv).await;
    let problem = assert_problem(no_comment, 422).await;
    assert_eq!(problem["errors"][0]["field"], "comment");
    assert_problem(
        app.transition(&admin, &pid, "request_changes", Some("   "), rv)
            .await,
        422,
    )
    .await;
    let unknown = app
        .client
        .post(app.url(&format!("/api/v1/projects/{pid}/transitions")))
        .bearer_auth(&admin.token)
        .header("if-match", format!("\"{rv}\""))
        .json(&json!({"action": "approve"}))
        .send()
        .await
        .expect("request");
    assert_problem(unknown, 422).await;

    let current: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(current["status"], "under_review");
    assert_eq!(current["version"], rv);
    let history: Value = app
        .get_as(&format!("/api/v1/projects/{pid}/history"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"].as_array().expect("items").len(), 2);

    let withdrawn = app.create_project(&lead, json!({})).await;
    let gone = app.walk(&withdrawn, &[(&lead, "withdraw")]).await;
    assert_problem(
        app.transition(&lead, &id(&gone), "submit", None, version(&gone))
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn editing_is_for_the_owner_and_only_while_editable() {
    let app = TestApp::spawn().await;
    let (lead, admin, _) = cast(&app).await;
    let other = app.lead("other").await;
    let project = app.create_project(&lead, json!({})).await;
    let submitted = app.walk(&project, &[(&lead, "submit")]).await;
    let url = app.url(&format!("/api/v1/projects/{}", id(&project)));
    let patch = |session: &Session, v: i64| {
        app.client
            .patch(&url)
            .bearer_auth(&session.token)
            .header("if-match", format!("\"{v}\""))
            .json(&json!({"title": "Titre changé"}))
            .send()
    };
    assert_problem(
        patch(&lead, version(&submitted)).await.expect("request"),
        409,
    )
    .await;
    assert_problem(
        patch(&admin, version(&submitted)).await.expect("request"),
        403,
    )
    .await;
    assert_problem(
        patch(&other, version(&submitted)).await.expect("request"),
        404,
    )
    .await;
    let mass = app
        .client
        .patch(&url)
        .bearer_auth(&lead.token)
        .header("if-match", format!("\"{}\"", version(&submitted)))
        .json(&json!({"status": "validated"}))
        .send()
        .await
        .expect("request");
    assert_problem(mass, 422).await;
}

#[tokio::test]
async fn two_admins_deciding_at_once_cannot_both_win() {
    let app = TestApp::spawn().await;
    let (lead, admin, _) = cast(&app).await;
    let second = app.account("national", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let reviewing = app
        .walk(&project, &[(&lead, "submit"), (&admin, "start_review")])
        .await;
    let pid = id(&reviewing);
    let v = version(&reviewing);
    let (a, b) = tokio::join!(
        app.transition(&admin, &pid, "validate", None, v),
        app.transition(&second, &pid, "reject", Some("Hors sujet"), v),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
    let history: Value = app
        .get_as(&format!("/api/v1/projects/{pid}/history"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"].as_array().expect("items").len(), 3);
}

#[tokio::test]
async fn the_database_refuses_to_update_or_delete_history() {
    let app = TestApp::spawn().await;
    let lead = app.lead("historian").await;
    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;
    let update = app
        .execute_sql("UPDATE project_history SET comment = 'rewritten'")
        .await;
    assert!(update.is_err_and(|e| e.contains("append-only")));
    let delete = app.execute_sql("DELETE FROM project_history").await;
    assert!(delete.is_err_and(|e| e.contains("append-only")));
    let history: Value = app
        .get_as(
            &format!("/api/v1/projects/{}/history", id(&project)),
            &lead.token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"].as_array().expect("items").len(), 1);
}
