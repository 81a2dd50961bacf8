//! The error model: every error, the framework's own included, is a problem+json.

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let problem = assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
    assert_eq!(problem["instance"], "/api/v1/nothing-here");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .delete(app.url("/api/v1/territories"))
        .send()
        .await
        .expect("request");
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(allow.contains("GET"), "Allow: {allow}");
    assert_problem(response, 405).await;
}
