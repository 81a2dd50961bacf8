//! Creating a project: its fields, who may, idempotency and the lead's limits.

use serde_json::{Value, json};

use super::{cast, id};
use crate::helpers::{TestApp, assert_problem, project_body, uai};

#[tokio::test]
async fn a_lead_creates_a_draft_with_an_etag_and_a_location() {
    let app = TestApp::spawn().await;
    let lead = app.lead("creator").await;
    let response = app
        .post(
            "/api/v1/projects",
            &project_body(json!({})),
            Some(&lead.token),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    let project: Value = response.json().await.expect("json");
    assert_eq!(location, format!("/api/v1/projects/{}", id(&project)));
    assert_eq!(project["status"], "draft");
    assert_eq!(project["stage"], "initiate");
    assert_eq!(project["version"], 1);
    assert_eq!(project["lead"], lead.id.as_str());
    assert_eq!(project["lead_contact"]["email"], lead.email.as_str());
    assert_eq!(
        project["stakeholders"],
        json!(["teachers", "pupils", "parents"])
    );
    assert!(project["submitted_at"].is_null());
    let read = app.get_as(&location, &lead.token).await;
    assert_eq!(
        read.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
}

#[tokio::test]
async fn every_invalid_field_is_named_in_one_422() {
    let app = TestApp::spawn().await;
    let lead = app.lead("careless").await;
    let good = uai("0690001");
    let wrong_letter = format!(
        "{}{}",
        &good[..7],
        if good.ends_with('A') { 'B' } else { 'A' }
    );
    let cases = [
        (json!({"title": "ab"}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"summary": "x".repeat(1001)}), "summary"),
        (json!({"description": "x".repeat(20_001)}), "description"),
        (json!({"theme": "mental_health"}), "theme"),
        (json!({"programme": "culture"}), "programme"),
        (json!({"territory": "department:99"}), "territory"),
        (
            json!({"establishment_uai": wrong_letter}),
            "establishment_uai",
        ),
        (
            json!({"establishment_uai": uai("0750001")}),
            "establishment_uai",
        ),
        (
            json!({"requested_amount_cents": -1}),
            "requested_amount_cents",
        ),
        (
            json!({"starts_on": "2026-01-02", "ends_on": "2026-01-01"}),
            "ends_on",
        ),
        (json!({"category": "other"}), "category"),
        (json!({"stakeholders": ["aliens"]}), "stakeholders[0]"),
        (json!({"starts_on": "2026-13-01"}), "starts_on"),
    ];
    for (changes, field) in cases {
        let response = app
            .post(
                "/api/v1/projects",
                &project_body(changes.clone()),
                Some(&lead.token),
            )
            .await;
        let problem = assert_problem(response, 422).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert!(fields.contains(&field), "{changes}: {problem}");
    }
    let several = app
        .post(
            "/api/v1/projects",
            &project_body(json!({"title": "ab", "theme": "nothing", "requested_amount_cents": -5})),
            Some(&lead.token),
        )
        .await;
    let problem = assert_problem(several, 422).await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 3);
    let listed: Value = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn a_uai_is_accepted_in_a_territory_that_contains_its_department() {
    let app = TestApp::spawn().await;
    let lead = app.lead("academy").await;
    app.create_project(&lead, json!({"territory": "academy:10"}))
        .await;
    app.create_project(&lead, json!({"territory": "region:84"}))
        .await;
    let corse = app
        .create_project(
            &lead,
            json!({"territory": "department:2A", "establishment_uai": uai("6200001")}),
        )
        .await;
    assert_eq!(corse["establishment_uai"], uai("6200001"));
}

#[tokio::test]
async fn fields_the_service_owns_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let lead = app.lead("sneaky").await;
    for owned in [
        json!({"status": "validated"}),
        json!({"id": "0190a0c0-0000-7000-8000-000000000000"}),
        json!({"version": 7}),
        json!({"lead": "0190a0c0-0000-7000-8000-000000000000"}),
        json!({"stage": "transfer"}),
        json!({"submitted_at": "2025-01-01T00:00:00Z"}),
        json!({"granted_cents": 1}),
        json!({"colour": "blue"}),
    ] {
        let response = app
            .post(
                "/api/v1/projects",
                &project_body(owned.clone()),
                Some(&lead.token),
            )
            .await;
        assert_problem(response, 422).await;
    }
}

#[tokio::test]
async fn only_leads_create_projects() {
    let app = TestApp::spawn().await;
    let (_, admin, observer) = cast(&app).await;
    for session in [&admin, &observer] {
        let response = app
            .post(
                "/api/v1/projects",
                &project_body(json!({})),
                Some(&session.token),
            )
            .await;
        assert_problem(response, 403).await;
    }
    let anonymous = app
        .post("/api/v1/projects", &project_body(json!({})), None)
        .await;
    assert_problem(anonymous, 401).await;
}

#[tokio::test]
async fn an_idempotent_create_replays_and_a_reused_key_with_another_body_is_422() {
    let app = TestApp::spawn().await;
    let lead = app.lead("retry").await;
    let send = |body: Value, key: &'static str| {
        app.client
            .post(app.url("/api/v1/projects"))
            .bearer_auth(&lead.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(project_body(json!({})), "key-1")
        .await
        .expect("request");
    assert_eq!(first.status(), 201);
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (first_etag, first_location) = (header(&first, "etag"), header(&first, "location"));
    assert!(first_etag.is_some() && first_location.is_some());
    let first: Value = first.json().await.expect("json");
    let reordered: Value =
        serde_json::from_str(&project_body(json!({})).to_string()).expect("json");
    let again = send(reordered, "key-1").await.expect("request");
    assert_eq!(again.status(), 201);
    assert_eq!(
        header(&again, "etag"),
        first_etag,
        "the replay has the ETag"
    );
    assert_eq!(
        header(&again, "location"),
        first_location,
        "and the Location"
    );
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    let other = send(project_body(json!({"title": "Un autre projet"})), "key-1")
        .await
        .expect("request");
    let problem = assert_problem(other, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let concurrent = futures::future::join_all(
        (0..5).map(|_| send(project_body(json!({"title": "En parallèle"})), "key-2")),
    )
    .await;
    let mut ids: Vec<String> = Vec::new();
    for response in concurrent {
        let response = response.expect("request");
        assert_eq!(response.status(), 201);
        ids.push(
            response.json::<Value>().await.expect("json")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one project for one key");
    let listed: Value = app
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().expect("items").len(), 2);
}

#[tokio::test]
async fn a_text_with_a_blank_at_either_end_is_refused_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let lead = app.lead("careful").await;
    for changes in [
        json!({"title": " Jardin partagé"}),
        json!({"summary": "Un jardin.\n"}),
        json!({"description": "\u{a0}Détails"}),
    ] {
        let field = changes
            .as_object()
            .and_then(|c| c.keys().next().cloned())
            .expect("field");
        let response = app
            .post(
                "/api/v1/projects",
                &project_body(changes),
                Some(&lead.token),
            )
            .await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field.as_str());
    }
    let mine = app.get_as("/api/v1/projects", &lead.token).await;
    let list: Value = mine.json().await.expect("json");
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn an_amount_written_with_a_zero_fraction_is_the_integer_it_denotes() {
    let app = TestApp::spawn().await;
    let lead = app.lead("decimal").await;
    for (written, cents) in [(json!(250_000.0), 250_000), (json!(2.5e5), 250_000)] {
        let project = app
            .create_project(&lead, json!({"requested_amount_cents": written}))
            .await;
        assert_eq!(project["requested_amount_cents"], cents);
    }
    let response = app
        .post(
            "/api/v1/projects",
            &project_body(json!({"requested_amount_cents": 10.5})),
            Some(&lead.token),
        )
        .await;
    assert_problem(response, 422).await;
}

#[tokio::test]
async fn a_lead_holds_a_bounded_number_of_drafts_and_creates_a_bounded_number_an_hour() {
    let app = TestApp::spawn_with(|settings| {
        settings.limits.drafts_per_lead = 3;
        settings.limits.projects_per_hour = 5;
    })
    .await;
    let lead = app.lead("prolifique").await;
    let mut drafts = Vec::new();
    for _ in 0..3 {
        drafts.push(app.create_project(&lead, json!({})).await);
    }
    let refused = app
        .post(
            "/api/v1/projects",
            &project_body(json!({})),
            Some(&lead.token),
        )
        .await;
    assert_problem(refused, 409).await;
    // Submitting one frees a draft slot.
    let submitted = app
        .transition(
            &lead,
            drafts[0]["id"].as_str().expect("id"),
            "submit",
            None,
            1,
        )
        .await;
    assert_eq!(submitted.status(), 200);
    app.create_project(&lead, json!({})).await;
    let submitted = app
        .transition(
            &lead,
            drafts[1]["id"].as_str().expect("id"),
            "submit",
            None,
            1,
        )
        .await;
    assert_eq!(submitted.status(), 200);
    app.create_project(&lead, json!({})).await;
    // Five creations in the hour: the sixth waits.
    let limited = app
        .post(
            "/api/v1/projects",
            &project_body(json!({})),
            Some(&lead.token),
        )
        .await;
    let retry_after: i64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert_problem(limited, 429).await;
    let listed: Value = app
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().expect("items").len(), 5);
    // Another lead is not concerned.
    let other = app.lead("voisin").await;
    app.create_project(&other, json!({})).await;
}
