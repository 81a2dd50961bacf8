//! The main responses as clients receive them, snapshotted (ids and instants redacted): a
//! change of shape shows up in review.

use insta::assert_json_snapshot;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_validated_project_its_history_and_its_supports() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app.account("national", "admin", &[]).await;
    let project = app.validated_project(&lead, &admin, json!({})).await;
    let id = project["id"].as_str().expect("id");
    let fund = json!({"code": "FIP-2025-LYON", "name": "Fonds d'innovation pédagogique", "programme": "education",
                      "territory": "academy:10", "year": 2025, "envelope_cents": 10_000_000});
    let fund = app.post("/api/v1/funds", &fund, Some(&admin.token)).await;
    assert_eq!(fund.status(), 201);
    let support = json!({"kind": "financial", "fund": "FIP-2025-LYON", "amount_cents": 150_000, "note": "Première tranche"});
    let support = app
        .post(
            &format!("/api/v1/projects/{id}/supports"),
            &support,
            Some(&admin.token),
        )
        .await;
    assert_eq!(support.status(), 201);
    let detail: Value = app
        .get_as(&format!("/api/v1/projects/{id}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_json_snapshot!("validated_project", detail, {
        ".id" => "[id]", ".lead" => "[id]", ".created_at" => "[at]", ".updated_at" => "[at]",
        ".submitted_at" => "[at]", ".decided_at" => "[at]",
    });
    let history: Value = app
        .get_as(&format!("/api/v1/projects/{id}/history"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_json_snapshot!("project_history", history, {
        ".items[].at" => "[at]", ".items[].actor.id" => "[id]",
    });
    let fund: Value = app
        .get_as("/api/v1/funds/FIP-2025-LYON", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_json_snapshot!("fund", fund, { ".created_at" => "[at]" });
}

#[tokio::test]
async fn an_event_and_the_national_overview() {
    let app = TestApp::spawn().await;
    let lead = app.lead("animatrice").await;
    let event = json!({"programme": "health", "territory": "department:35", "title": "Forum santé de Rennes",
                       "kind": "forum", "starts_at": "2024-03-14T18:00:00Z", "ends_at": "2024-03-14T21:00:00Z",
                       "location": "Salle de la Cité", "attendance": {"residents": 80, "citizens": 20}});
    let event: Value = app
        .post("/api/v1/events", &event, Some(&lead.token))
        .await
        .json()
        .await
        .expect("json");
    assert_json_snapshot!("event", event, {
        ".id" => "[id]", ".created_by" => "[id]", ".created_at" => "[at]", ".updated_at" => "[at]",
    });
    let overview = app.get_json("/api/v1/stats/overview").await;
    assert_json_snapshot!("overview", overview);
}
