//! Several instances on one database behave as one service (SPEC §21): what one counts, keeps or
//! delivers, the other sees. (Programmes created through one instance and used through another:
//! `follow_up`; a mail delivered once by two instances: `mail`; a token revoked on every
//! instance: `integrations`.)

use serde_json::json;

use crate::helpers::{TestApp, assert_problem, project_body};

#[tokio::test]
async fn the_failed_logins_of_an_account_are_counted_for_the_service_not_per_instance() {
    let first = TestApp::spawn_with(|settings| {
        settings.auth.account_failures = 4;
    })
    .await;
    let second = first.sibling().await;
    first.lead("visee").await;
    let wrong = json!({"email": "visee@example.fr", "password": "pas le bon mot de passe"});
    async fn attempt(app: &TestApp, body: &serde_json::Value) -> reqwest::Response {
        app.post("/api/v1/auth/login", body, None).await
    }
    // Two failures on each instance: four for the account.
    for app in [&first, &second, &first, &second] {
        assert_problem(attempt(app, &wrong).await, 401).await;
    }
    // The next attempt is refused on either instance, the right password included.
    let refused = second
        .post(
            "/api/v1/auth/login",
            &json!({"email": "visee@example.fr", "password": crate::helpers::PASSWORD}),
            None,
        )
        .await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    assert_problem(attempt(&first, &wrong).await, 429).await;
}

#[tokio::test]
async fn an_idempotency_key_replays_on_another_instance() {
    let first = TestApp::spawn().await;
    let second = first.sibling().await;
    let lead = first.lead("prudente").await;
    let send = |app: &TestApp, title: &str| {
        app.client
            .post(app.url("/api/v1/projects"))
            .bearer_auth(&lead.token)
            .header("idempotency-key", "once-across-instances")
            .json(&project_body(json!({"title": title})))
            .send()
    };
    let created = send(&first, "Un jardin partagé").await.expect("request");
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let replayed = send(&second, "Un jardin partagé").await.expect("request");
    assert_eq!(replayed.status(), 201);
    let replayed: serde_json::Value = replayed.json().await.expect("json");
    assert_eq!(replayed["id"], created["id"], "the first answer, replayed");
    let other_body = send(&second, "Un autre jardin").await.expect("request");
    assert_problem(other_body, 422).await;
    let listed: serde_json::Value = second
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}
