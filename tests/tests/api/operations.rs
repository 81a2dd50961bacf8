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

/// The `http_requests_total` series of a `/metrics` page.
fn request_series(metrics: &str) -> std::collections::BTreeSet<String> {
    metrics
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .filter_map(|l| l.split_once(' ').map(|(series, _)| series.to_owned()))
        .collect()
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_series() {
    use rand::{Rng as _, SeedableRng as _};
    let app = TestApp::spawn().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let flood = async |n: usize, rng: &mut rand::rngs::StdRng| {
        let mut sent = Vec::new();
        for _ in 0..n {
            let method: String = (0..rng.random_range(8..40))
                .map(|_| char::from(rng.random_range(b'A'..=b'Z')))
                .collect();
            let path = format!("/{}", rng.random::<u64>());
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let response = app
                .client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .expect("request");
            assert!(response.status().is_client_error(), "{method} {path}");
            sent.push((method.to_string(), path));
        }
        sent
    };
    let first = flood(500, &mut rng).await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let after_first = request_series(&metrics);
    let second = flood(500, &mut rng).await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let after_second = request_series(&metrics);
    for (method, path) in first.iter().chain(&second) {
        assert!(
            !metrics.contains(&format!("\"{method}\"")),
            "{method} is a label"
        );
        assert!(!metrics.contains(path.as_str()), "{path} is a label");
    }
    // The series these requests can reach were all there after the first half.
    let reachable =
        |s: &&String| s.contains("method=\"other\"") || s.contains("route=\"unmatched\"");
    let grown: Vec<&String> = after_second
        .iter()
        .filter(reachable)
        .filter(|s| !after_first.contains(*s))
        .collect();
    assert!(grown.is_empty(), "new series: {grown:?}");
    assert!(
        metrics.len() < 2_000_000,
        "/metrics is {} bytes",
        metrics.len()
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    use tokio::io::AsyncReadExt as _;
    let app = TestApp::spawn_with(|settings| settings.server.header_read_timeout_secs = 1).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut silent = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut buffer = [0_u8; 64];
    // The server closes the socket (read returns 0) well before this generous deadline.
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), silent.read(&mut buffer))
        .await
        .expect("the silent socket was still open after 20 s");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // A connection that speaks is served as usual.
    assert_eq!(app.get("/health").await.status(), 200);
}
