//! Health, readiness, metrics, documentation and shutdown.

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn health_and_ready_answer_when_the_database_is_there() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/health").await["status"], "ok");
    assert_eq!(app.get_json("/ready").await["status"], "ready");
}

#[tokio::test]
async fn ready_turns_503_with_retry_after_when_the_database_is_gone_and_recovers() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/ready").await.status(), 200);
    if app.database.is_postgres() {
        app.database.cut_off().await;
    } else {
        // A SQLite file cannot be taken away from open connections: close them instead.
        app.close_database().await;
    }
    let response = app.get("/ready").await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert_problem(response, 503).await;
    assert_problem(app.get("/api/v1/territories/region:11").await, 503).await;
    assert_eq!(app.get("/health").await.status(), 200);

    if app.database.is_postgres() {
        app.database.restore().await;
        let mut status = 0;
        for _ in 0..50 {
            status = app.get("/ready").await.status().as_u16();
            if status == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, 200, "the service did not recover by itself");
        assert_eq!(app.get("/api/v1/territories/region:11").await.status(), 200);
    }
}

#[tokio::test]
async fn metrics_are_exposed_in_the_prometheus_format() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/programmes").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("text");
    assert!(body.contains("http_requests_total"), "{body}");
    assert!(body.contains("route=\"/api/v1/programmes\""), "{body}");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_the_routes_with_their_errors() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api/v1/openapi.json").await;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let territory = &document["paths"]["/api/v1/territories/{id}"]["get"]["responses"];
    for status in ["200", "404", "500", "503"] {
        assert!(territory[status].is_object(), "missing {status}");
    }
    assert!(document["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn the_documentation_page_is_served_without_any_cdn() {
    let app = TestApp::spawn().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    assert!(page.contains("swagger"), "{page}");
    assert!(
        !page.contains("https://"),
        "the page loads something remote"
    );
    let script = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_one_given() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    assert!(response.headers().contains_key("x-request-id"));
    let response = app
        .client
        .get(app.url("/api/v1/programmes/nothing"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("request");
    let problem = assert_problem(response, 404).await;
    assert_eq!(problem["request_id"], "trace-me-42");
}

#[tokio::test]
async fn a_graceful_shutdown_lets_in_flight_requests_finish() {
    let app = TestApp::spawn().await;
    let client = app.client.clone();
    let urls: Vec<String> = (0..20)
        .map(|i| app.url(&format!("/api/v1/territories?limit={}", i % 5 + 1)))
        .collect();
    let requests = tokio::spawn(async move {
        let calls = urls.iter().map(|url| client.get(url).send());
        futures::future::join_all(calls).await
    });
    tokio::task::yield_now().await;
    let stopped = app.stop().await;
    assert!(stopped.is_ok());
    let answers = requests.await.expect("requests");
    // A request either completed or was never accepted; none is cut off with a 5xx.
    for response in answers.into_iter().flatten() {
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn the_openapi_contract_changes_only_in_review() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api/v1/openapi.json").await;
    insta::assert_json_snapshot!("openapi", document, {
        ".info.version" => "[version]",
    });
}
