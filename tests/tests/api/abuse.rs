//! Faults and abuse: every bad input gets a 4xx problem and changes nothing; no write is lost
//! under a storm; a graceful shutdown loses no request in flight.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, project_body};

#[tokio::test]
async fn a_storm_of_concurrent_writes_gives_no_5xx_and_loses_no_write() {
    let app = TestApp::spawn().await;
    let mut leads = Vec::new();
    for i in 0..50 {
        leads.push(app.lead(&format!("writer{i}")).await);
    }
    let app = &app;
    let writes = leads.iter().flat_map(|lead| {
        (0..20).map(move |n| {
            let request = app
                .client
                .post(app.url("/api/v1/projects"))
                .bearer_auth(&lead.token)
                .json(&project_body(
                    json!({"title": format!("Projet {n} de {}", lead.email)}),
                ));
            async move { request.send().await.expect("request").status().as_u16() }
        })
    });
    let statuses = futures::future::join_all(writes).await;
    assert!(
        statuses.iter().all(|s| *s == 201),
        "{:?}",
        statuses.iter().filter(|s| **s != 201).collect::<Vec<_>>()
    );
    for lead in &leads {
        let mine: Value = app
            .get_as("/api/v1/projects?limit=100", &lead.token)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(mine["items"].as_array().expect("items").len(), 20);
    }
}

#[tokio::test]
async fn a_graceful_shutdown_finishes_a_request_already_in_flight() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = TestApp::spawn().await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let body = json!({"email": "nobody@example.fr", "password": "wrong password!"}).to_string();
    let (first, rest) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stream
        .write_all(rest.as_bytes())
        .await
        .expect("the connection is still open");
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        let n = stream.read(&mut buffer).await.expect("read");
        answer.extend_from_slice(&buffer[..n]);
        if n == 0 || String::from_utf8_lossy(&answer).contains("\"request_id\"") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 401"),
        "the request in flight was answered: {text}"
    );
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), stopping)
        .await
        .expect("the server stops once the request is answered");
    assert!(stopped.expect("task").is_ok());
}

#[tokio::test]
async fn very_long_strings_in_every_text_field_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let lead = app.lead("verbose").await;
    let long = "x".repeat(30_000);
    for field in [
        "title",
        "summary",
        "description",
        "theme",
        "programme",
        "territory",
        "establishment_uai",
    ] {
        let response = app
            .post(
                "/api/v1/projects",
                &project_body(json!({field: long})),
                Some(&lead.token),
            )
            .await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{field}");
    }
    for field in ["email", "password", "display_name"] {
        let mut body =
            json!({"email": "long@example.fr", "password": PASSWORD, "display_name": "Long"});
        body[field] = json!(long);
        assert_problem(app.post("/api/v1/auth/register", &body, None).await, 422).await;
    }
    let event = json!({"programme": "health", "territory": "region:53", "title": long, "kind": "forum",
                       "starts_at": "2025-01-01T10:00:00Z", "location": long});
    assert_problem(
        app.post("/api/v1/events", &event, Some(&lead.token)).await,
        422,
    )
    .await;
    let listed: Value = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]));
    let events: Value = app.get_json("/api/v1/events").await;
    assert_eq!(events["items"], json!([]));
}

#[tokio::test]
async fn unicode_titles_and_names_come_back_exactly() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "zoe@example.fr", "password": PASSWORD, "display_name": "Zoé Ñúñez 李小龙 👩🏽"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 201);
    let lead = app.login("zoe@example.fr").await;
    let title = "Écoles en fête — مدرسة 🌱 l'œuvre «commune» e\u{301}";
    let project = app.create_project(&lead, json!({"title": title})).await;
    assert_eq!(project["title"], title);
    assert_eq!(
        project["lead_contact"]["display_name"],
        "Zoé Ñúñez 李小龙 👩🏽"
    );
    let found: Value = app
        .get_as(
            &format!("/api/v1/projects?q={}", "%C3%A9coles"),
            &lead.token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        found["items"].as_array().expect("items").len(),
        1,
        "search is case-insensitive on accents too"
    );
}

#[tokio::test]
async fn invisible_and_bidirectional_characters_are_refused_in_titles_and_names() {
    let app = TestApp::spawn().await;
    for (name, display_name) in [
        ("zwsp", "Admi\u{200b}n"),
        ("rlo", "\u{202e}nimda"),
        ("isolate", "Jean\u{2066}Dupont"),
        ("bom", "\u{feff}Claire"),
    ] {
        let response = app
            .post(
                "/api/v1/auth/register",
                &json!({"email": format!("{name}@example.fr"), "password": PASSWORD, "display_name": display_name}),
                None,
            )
            .await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], "display_name", "{name}");
    }
    let lead = app.lead("honnête").await;
    let response = app
        .post(
            "/api/v1/projects",
            &project_body(json!({"title": "Jardin\u{200f} partagé"})),
            Some(&lead.token),
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "title");
    let mine: Value = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"], json!([]));
}

#[tokio::test]
async fn a_query_string_that_is_not_utf8_is_a_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let problem = assert_problem(app.get("/api/v1/projects?q=%FF%FE").await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "q");
}

#[tokio::test]
async fn a_clients_request_id_is_kept_only_when_it_is_a_short_token() {
    let app = TestApp::spawn().await;
    let sent = |id: String| {
        let request = app
            .client
            .get(app.url("/health"))
            .header("x-request-id", id);
        async move {
            request
                .send()
                .await
                .expect("request")
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .expect("a request id")
        }
    };
    assert_eq!(sent("trace-42.a_b".into()).await, "trace-42.a_b");
    for hostile in [
        "x".repeat(65),
        "a b".into(),
        "<script>".into(),
        "a;b".into(),
    ] {
        let echoed = sent(hostile.clone()).await;
        assert_ne!(echoed, hostile);
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
    }
}

#[tokio::test]
async fn hostile_paths_and_parameters_are_4xx_problems() {
    let app = TestApp::spawn().await;
    let lead = app.lead("hostile").await;
    for path in [
        "/api/v1/projects/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/projects/%00",
        "/api/v1/events/' OR 1=1 --",
        "/api/v1/funds/..%2Fusers",
        "/api/v1/territories/department:2A%00",
        "/api/v1/users/00000000-0000-0000-0000-000000000000",
    ] {
        let response = app.get_as(path, &lead.token).await;
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert_problem(response, status).await;
    }
    for query in [
        "limit=18446744073709551616",
        "limit=-1",
        "cursor=%FF%FE",
        &format!("cursor={}", "A".repeat(10_000)),
        "sort=created_at;DROP TABLE projects",
        "status[]=draft",
    ] {
        let response = app
            .get_as(&format!("/api/v1/projects?{query}"), &lead.token)
            .await;
        assert_problem(response, 422).await;
    }
    assert_eq!(
        app.get("/api/v1/territories?kind=academy&limit=100")
            .await
            .status(),
        200,
        "still serving"
    );
}

#[tokio::test]
async fn a_search_holding_a_control_character_is_refused_before_it_reaches_the_database() {
    let app = TestApp::spawn().await;
    let lead = app.lead("searcher").await;
    for q in ["a%00b", "%1B%5B2J", "tab%09"] {
        let response = app
            .get_as(&format!("/api/v1/projects?q={q}"), &lead.token)
            .await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], "q");
    }
}

#[tokio::test]
async fn a_value_the_database_cannot_store_is_an_error_of_the_request_not_an_outage() {
    use terrain_persistence::{
        StoreError,
        repo::projects::{self, ProjectQuery},
    };
    let app = TestApp::spawn().await;
    let db = app.database_handle();
    let query = ProjectQuery {
        q: Some("a\0b".to_owned()),
        limit: 20,
        ..ProjectQuery::default()
    };
    // PostgreSQL refuses NUL in text (SQLSTATE 22021); SQLite stores it. Neither is an outage
    // that a retry would cure.
    let outcome = projects::list(db.reader(), None, &query).await;
    assert!(
        !matches!(outcome, Err(StoreError::Unavailable(_))),
        "{outcome:?}"
    );
}
