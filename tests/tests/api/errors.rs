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

async fn post_raw(app: &TestApp, content_type: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/auth/register")).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_and_changes_nothing() {
    let app = TestApp::spawn().await;
    for body in [
        &b"{\"email\": "[..],
        b"not json",
        b"{} trailing",
        &[0xff, 0xfe, 0x00],
    ] {
        let response = post_raw(&app, Some("application/json"), body.to_vec()).await;
        assert_problem(response, 400).await;
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_problem(
        post_raw(&app, Some("application/json"), deep.into_bytes()).await,
        422,
    )
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = TestApp::spawn().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let response = post_raw(&app, content_type, b"email=a@b.fr".to_vec()).await;
        assert_problem(response, 415).await;
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_problem() {
    let app = TestApp::spawn().await;
    let big = serde_json::json!({
        "email": "big@example.fr",
        "password": "x".repeat(70 * 1024),
        "display_name": "Big",
    });
    let response = post_raw(&app, Some("application/json"), big.to_string().into_bytes()).await;
    assert_problem(response, 413).await;
    let login = app
        .post(
            "/api/v1/auth/login",
            &serde_json::json!({"email": "big@example.fr", "password": "x".repeat(20)}),
            None,
        )
        .await;
    assert_problem(login, 401).await;
}

#[tokio::test]
async fn unknown_and_mistyped_fields_are_422_problems_naming_the_field() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &serde_json::json!({"email": "a@example.fr", "password": 12, "display_name": "A"}),
            None,
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "password");
    let response = app
        .post(
            "/api/v1/auth/register",
            &serde_json::json!({"email": "a@example.fr", "display_name": "A"}),
            None,
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("password")),
        "{problem}"
    );
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_a_503_problem() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = TestApp::spawn_with(|settings| settings.server.request_timeout_secs = 1).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    // Headers promise a body that never fully arrives: the handler waits, the timeout fires.
    stream
        .write_all(
            b"POST /api/v1/auth/register HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buffer = [0_u8; 4096];
        loop {
            let n = stream.read(&mut buffer).await.expect("read");
            answer.extend_from_slice(&buffer[..n]);
            if n == 0 || String::from_utf8_lossy(&answer).contains("\"request_id\"") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 10 s");
    let text = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(text.starts_with("http/1.1 503"), "{text}");
    assert!(
        text.contains("content-type: application/problem+json"),
        "{text}"
    );
    assert!(text.contains("retry-after:"), "{text}");
}

#[tokio::test]
async fn concurrent_writes_all_succeed_without_database_is_locked() {
    let app = TestApp::spawn().await;
    let admin = app.account("counter", "admin", &[]).await;
    let registrations = (0..40).map(|i| {
        let body = serde_json::json!({
            "email": format!("writer{i}@example.fr"),
            "password": crate::helpers::PASSWORD,
            "display_name": format!("Writer {i}"),
        });
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/register");
        async move { client.post(url).json(&body).send().await }
    });
    let answers = futures::future::join_all(registrations).await;
    for answer in answers {
        assert_eq!(answer.expect("response").status(), 201);
    }
    let page: serde_json::Value = app
        .get_as("/api/v1/users?role=lead&limit=100", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 40);
}
