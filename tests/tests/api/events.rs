//! Concertation events and their participants.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem};

fn event_body(changes: Value) -> Value {
    let mut body = json!({
        "programme": "health",
        "territory": "department:35",
        "title": "Forum santé du pays de Rennes",
        "kind": "forum",
        "starts_at": "2024-03-14T18:00:00Z",
        "ends_at": "2024-03-14T21:00:00Z",
        "location": "Salle de la Cité, Rennes",
        "attendance": {"residents": 80, "health_professionals": 25, "elected_officials": 4, "citizens": 11},
    });
    if let (Some(base), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                base.remove(key);
            } else {
                base.insert(key.clone(), value.clone());
            }
        }
    }
    body
}

async fn record(app: &TestApp, session: &Session, changes: Value) -> reqwest::Response {
    app.post("/api/v1/events", &event_body(changes), Some(&session.token))
        .await
}

async fn recorded(app: &TestApp, session: &Session, changes: Value) -> Value {
    let response = record(app, session, changes).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

async fn patch(
    app: &TestApp,
    session: &Session,
    event: &Value,
    body: Value,
    if_match: Option<String>,
) -> reqwest::Response {
    let path = format!("/api/v1/events/{}", event["id"].as_str().expect("id"));
    app.patch(&path, session, if_match.as_deref(), &body).await
}

fn tag(event: &Value) -> Option<String> {
    Some(format!("\"{}\"", event["version"]))
}

#[tokio::test]
async fn a_lead_records_an_event_and_participants_are_the_sum_of_the_attendance() {
    let app = TestApp::spawn().await;
    let lead = app.lead("animatrice").await;
    let response = record(&app, &lead, json!({})).await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
    let event: Value = response.json().await.expect("json");
    assert_eq!(event["participants"], 120);
    assert_eq!(event["attendance"]["residents"], 80);
    assert_eq!(event["kind"], "forum");
    let public: Value = app
        .get_json(&format!(
            "/api/v1/events/{}",
            event["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(public["participants"], 120);
    let big = recorded(
        &app,
        &lead,
        json!({"attendance": {"citizens": 1_000_000, "residents": 1_000_000}}),
    )
    .await;
    assert_eq!(big["participants"], 2_000_000);
    let problem = assert_problem(
        record(&app, &lead, json!({"attendance": {"citizens": 1_000_001}})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "attendance.citizens");
}

#[tokio::test]
async fn invalid_events_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let lead = app.lead("hasty").await;
    for (changes, field) in [
        (json!({"attendance": {"aliens": 3}}), "attendance.aliens"),
        (
            json!({"attendance": {"residents": -3}}),
            "attendance.residents",
        ),
        (
            json!({"attendance": {"residents": 1.5}}),
            "attendance.residents",
        ),
        (json!({"ends_at": "2024-03-14T17:00:00Z"}), "ends_at"),
        (json!({"territory": "department:00"}), "territory"),
        (json!({"programme": "sport"}), "programme"),
        (json!({"title": "x"}), "title"),
        (json!({"kind": "party"}), "kind"),
        (json!({"starts_at": "yesterday"}), "starts_at"),
        (json!({"location": "x".repeat(201)}), "location"),
        (json!({"location": " Mairie"}), "location"),
        (json!({"starts_at": "1899-12-31T23:00:00Z"}), "starts_at"),
        (
            json!({"starts_at": "3000-01-01T01:00:00+02:00"}),
            "starts_at",
        ),
        (
            json!({"project_ids": ["0190a0c0-0000-7000-8000-000000000000"]}),
            "project_ids[0]",
        ),
        (json!({"participants": 3}), ""),
    ] {
        let problem = assert_problem(record(&app, &lead, changes.clone()).await, 422).await;
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{changes}");
        }
    }
    let listed: Value = app.get_json("/api/v1/events").await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn the_year_checked_is_the_one_written_not_the_one_in_utc() {
    let app = TestApp::spawn().await;
    let lead = app.lead("night-owl").await;
    let event = recorded(
        &app,
        &lead,
        json!({"starts_at": "2999-12-31T22:00:00-05:00", "ends_at": null}),
    )
    .await;
    assert_eq!(event["starts_at"], "3000-01-01T03:00:00Z");
}

#[tokio::test]
async fn admins_record_inside_their_scope_and_observers_not_at_all() {
    let app = TestApp::spawn().await;
    let bretagne = app
        .account(
            "ars-bretagne",
            "admin",
            &["--programme", "health", "--territory", "region:53"],
        )
        .await;
    let observer = app.account("eval", "observer", &[]).await;
    assert_eq!(record(&app, &bretagne, json!({})).await.status(), 201);
    assert_problem(
        record(&app, &bretagne, json!({"territory": "department:13"})).await,
        403,
    )
    .await;
    assert_problem(
        record(
            &app,
            &bretagne,
            json!({"programme": "education", "territory": "department:35"}),
        )
        .await,
        403,
    )
    .await;
    assert_problem(record(&app, &observer, json!({})).await, 403).await;
    assert_problem(
        app.post("/api/v1/events", &event_body(json!({})), None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn only_the_creator_or_an_admin_in_charge_changes_or_deletes_an_event() {
    let app = TestApp::spawn().await;
    let creator = app.lead("creator").await;
    let other = app.lead("other").await;
    let in_charge = app
        .account("ars", "admin", &["--territory", "region:53"])
        .await;
    let elsewhere = app
        .account("paca", "admin", &["--territory", "region:93"])
        .await;
    let event = recorded(&app, &creator, json!({})).await;

    assert_problem(
        patch(
            &app,
            &other,
            &event,
            json!({"title": "Détourné"}),
            tag(&event),
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        patch(
            &app,
            &elsewhere,
            &event,
            json!({"title": "Détourné"}),
            tag(&event),
        )
        .await,
        403,
    )
    .await;
    assert_problem(
        patch(
            &app,
            &creator,
            &event,
            json!({"title": "Sans version"}),
            None,
        )
        .await,
        428,
    )
    .await;
    assert_problem(
        patch(
            &app,
            &creator,
            &event,
            json!({"title": "Périmé"}),
            Some("\"0\"".into()),
        )
        .await,
        412,
    )
    .await;
    let changed = patch(
        &app,
        &creator,
        &event,
        json!({"attendance": {"residents": 10}, "location": null}),
        tag(&event),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.expect("json");
    assert_eq!(changed["participants"], 10);
    assert!(changed["location"].is_null());
    assert_eq!(changed["title"], event["title"]);
    let by_admin = patch(
        &app,
        &in_charge,
        &changed,
        json!({"kind": "workshop"}),
        tag(&changed),
    )
    .await;
    assert_eq!(by_admin.status(), 200);

    let path = format!("/api/v1/events/{}", event["id"].as_str().expect("id"));
    for session in [&other, &elsewhere] {
        assert_problem(app.delete(&path, session, None).await, 403).await;
    }
    assert_problem(app.delete(&path, &in_charge, Some("\"1\"")).await, 412).await;
    let deleted = app.delete(&path, &in_charge, None).await;
    assert_eq!(deleted.status(), 204);
    assert_problem(app.get(&path).await, 404).await;
}

#[tokio::test]
async fn events_are_filtered_by_territory_subtree_kind_and_period() {
    let app = TestApp::spawn().await;
    let lead = app.lead("organiser").await;
    recorded(
        &app,
        &lead,
        json!({"title": "Rennes", "starts_at": "2024-03-14T18:00:00Z", "ends_at": null}),
    )
    .await;
    recorded(&app, &lead, json!({"title": "Brest", "territory": "department:29", "kind": "workshop", "starts_at": "2024-06-01T09:00:00Z", "ends_at": null})).await;
    recorded(&app, &lead, json!({"title": "Marseille", "territory": "department:13", "starts_at": "2025-01-10T09:00:00Z", "ends_at": null})).await;
    recorded(&app, &lead, json!({"title": "Lycée", "programme": "education", "territory": "academy:10", "kind": "meeting", "starts_at": "2024-12-31T23:59:59Z", "ends_at": null})).await;

    let titles = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["title"].as_str().expect("title").to_owned())
            .collect()
    };
    assert_eq!(
        titles(app.get_json("/api/v1/events?territory=region:53").await),
        ["Rennes", "Brest"]
    );
    assert_eq!(
        titles(app.get_json("/api/v1/events?territory=department:29").await),
        ["Brest"]
    );
    assert_eq!(
        titles(app.get_json("/api/v1/events?kind=workshop").await),
        ["Brest"]
    );
    assert_eq!(
        titles(app.get_json("/api/v1/events?programme=education").await),
        ["Lycée"]
    );
    assert_eq!(
        titles(
            app.get_json("/api/v1/events?from=2024-06-01&to=2024-12-31")
                .await
        ),
        ["Brest", "Lycée"]
    );
    assert_eq!(
        titles(app.get_json("/api/v1/events?to=2024-03-14").await),
        ["Rennes"]
    );
    assert_eq!(
        titles(app.get_json("/api/v1/events?from=2025-01-01").await),
        ["Marseille"]
    );
    let first: Value = app.get_json("/api/v1/events?limit=3").await;
    assert_eq!(titles(first.clone()).len(), 3);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    assert_eq!(
        titles(
            app.get_json(&format!("/api/v1/events?limit=3&cursor={cursor}"))
                .await
        ),
        ["Marseille"]
    );
    for (query, field) in [
        ("kind=party", "kind"),
        ("from=2024-13-01", "from"),
        ("territory=nowhere", "territory"),
        ("limit=500", "limit"),
    ] {
        let problem = assert_problem(app.get(&format!("/api/v1/events?{query}")).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn links_show_only_projects_the_caller_may_see_and_deleting_the_event_keeps_the_project() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let observer = app.account("eval", "observer", &[]).await;
    let project = app
        .create_project(&lead, json!({"programme": "health", "territory": "department:35", "establishment_uai": null, "theme": "prevention"}))
        .await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let pid = project["id"].as_str().expect("id").to_owned();
    let event = recorded(&app, &lead, json!({"project_ids": [pid]})).await;
    assert_eq!(event["project_ids"], json!([pid]));
    let eid = event["id"].as_str().expect("id").to_owned();

    let anonymous: Value = app.get_json(&format!("/api/v1/events/{eid}")).await;
    assert_eq!(
        anonymous["project_ids"],
        json!([]),
        "a submitted project is not public"
    );
    let observed: Value = app
        .get_as(&format!("/api/v1/events/{eid}"), &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(observed["project_ids"], json!([pid]));

    let detail: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(detail["events"][0]["id"], eid.as_str());
    assert_eq!(detail["events"][0]["participants"], 120);

    let other = app.lead("stranger").await;
    assert_problem(
        record(&app, &other, json!({"project_ids": [pid]})).await,
        422,
    )
    .await;

    let deleted = app
        .delete(&format!("/api/v1/events/{eid}"), &lead, None)
        .await;
    assert_eq!(deleted.status(), 204);
    let after: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after["events"], json!([]));
    assert_eq!(after["status"], "submitted");
}

#[tokio::test]
async fn an_idempotent_event_creation_replays() {
    let app = TestApp::spawn().await;
    let lead = app.lead("retrying").await;
    let send = |body: Value| {
        app.client
            .post(app.url("/api/v1/events"))
            .bearer_auth(&lead.token)
            .header("idempotency-key", "forum-rennes")
            .json(&body)
            .send()
    };
    let first = send(event_body(json!({}))).await.expect("request");
    let headers_of = |response: &reqwest::Response| {
        ["etag", "location"].map(|name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    };
    let first_headers = headers_of(&first);
    let first: Value = first.json().await.expect("json");
    let again = send(event_body(json!({}))).await.expect("request");
    assert_eq!(again.status(), 201);
    assert_eq!(headers_of(&again), first_headers);
    assert!(first_headers.iter().all(Option::is_some));
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["id"], again["id"]);
    assert_problem(
        send(event_body(json!({"title": "Autre forum"})))
            .await
            .expect("request"),
        422,
    )
    .await;
    let listed: Value = app.get_json("/api/v1/events").await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn an_admin_fixes_a_title_without_touching_links_it_cannot_see() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app
        .account("ars-bretagne", "admin", &["--territory", "region:53"])
        .await;
    let draft = app
        .create_project(
            &lead,
            json!({"programme": "health", "territory": "department:35", "theme": "prevention", "establishment_uai": null}),
        )
        .await;
    let draft_id = draft["id"].as_str().expect("id").to_owned();
    let event = recorded(&app, &lead, json!({"project_ids": [draft_id]})).await;
    assert_eq!(event["project_ids"], json!([draft_id]));
    // The admin sees the event without the lead's draft, and may fix its title.
    let fixed = patch(
        &app,
        &admin,
        &event,
        json!({"title": "Forum santé de Rennes"}),
        tag(&event),
    )
    .await;
    assert_eq!(fixed.status(), 200);
    let fixed: Value = fixed.json().await.expect("json");
    assert_eq!(
        fixed["project_ids"],
        json!([]),
        "the admin does not see the draft"
    );
    // Replacing the list keeps the link the admin never saw.
    let submitted = app
        .create_project(
            &lead,
            json!({"programme": "health", "territory": "department:29", "theme": "prevention", "establishment_uai": null}),
        )
        .await;
    let submitted = app.walk(&submitted, &[(&lead, "submit")]).await;
    let submitted_id = submitted["id"].as_str().expect("id").to_owned();
    let relinked = patch(
        &app,
        &admin,
        &fixed,
        json!({"project_ids": [submitted_id]}),
        tag(&fixed),
    )
    .await;
    assert_eq!(relinked.status(), 200);
    let as_lead: Value = app
        .get_as(
            &format!("/api/v1/events/{}", event["id"].as_str().expect("id")),
            &lead.token,
        )
        .await
        .json()
        .await
        .expect("json");
    let mut links: Vec<String> = as_lead["project_ids"]
        .as_array()
        .expect("links")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    links.sort();
    let mut expected = vec![draft_id.clone(), submitted_id.clone()];
    expected.sort();
    assert_eq!(links, expected);
    let draft_now: Value = app
        .get_as(&format!("/api/v1/projects/{draft_id}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(draft_now["events"].as_array().expect("events").len(), 1);
}

#[tokio::test]
async fn a_lead_links_only_its_own_projects_and_an_admin_only_those_in_scope() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteur").await;
    let stranger = app.lead("autre").await;
    let national = app.account("national", "admin", &[]).await;
    let brittany = app
        .account("ars-bretagne", "admin", &["--territory", "region:53"])
        .await;
    let theirs = app.create_project(&stranger, json!({})).await;
    let theirs = app
        .walk(
            &theirs,
            &[
                (&stranger, "submit"),
                (&national, "start_review"),
                (&national, "validate"),
            ],
        )
        .await;
    // Public, so visible, but not the lead's to link.
    let problem = assert_problem(
        record(&app, &lead, json!({"project_ids": [theirs["id"]]})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "project_ids[0]");
    // A Lyon project is outside a Breton admin's scope.
    let problem = assert_problem(
        record(&app, &brittany, json!({"project_ids": [theirs["id"]]})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "project_ids[0]");
    let mine = app.create_project(&lead, json!({})).await;
    assert_eq!(
        record(&app, &lead, json!({"project_ids": [mine["id"]]}))
            .await
            .status(),
        201
    );
    let national_event = json!({"programme": "education", "territory": "department:69", "project_ids": [theirs["id"]]});
    assert_eq!(record(&app, &national, national_event).await.status(), 201);
}

#[tokio::test]
async fn concurrent_events_linking_the_same_projects_count_every_link() {
    let app = TestApp::spawn().await;
    let lead = app.lead("concertations").await;
    let mut projects = Vec::new();
    for n in 0..3 {
        let project = app
            .create_project(&lead, json!({"title": format!("Projet partagé {n}")}))
            .await;
        projects.push(project["id"].as_str().expect("id").to_owned());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let app = &app;
    let writers = (0..16).map(|writer| {
        let lead = &lead;
        let projects = &projects;
        async move {
            let mut statuses = Vec::new();
            let mut n = 0;
            while std::time::Instant::now() < deadline {
                // Different orders, so that a writer locking rows in list order would deadlock.
                let mut links = projects.clone();
                links.rotate_left((writer + n) % 3);
                let response = record(
                    app,
                    lead,
                    json!({"title": format!("Concertation {writer}-{n}"), "project_ids": links}),
                )
                .await;
                statuses.push(response.status().as_u16());
                if n % 4 == 3 && response.status() == 201 {
                    // Now and then, one loses a link or is deleted again.
                    let event: Value = response.json().await.expect("json");
                    let fewer = patch(
                        app,
                        lead,
                        &event,
                        json!({"project_ids": [projects[0]]}),
                        tag(&event),
                    )
                    .await;
                    statuses.push(fewer.status().as_u16());
                }
                n += 1;
            }
            statuses
        }
    });
    let statuses: Vec<u16> = futures::future::join_all(writers).await.concat();
    let failures: Vec<&u16> = statuses
        .iter()
        .filter(|s| !matches!(s, 200 | 201))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
    let db = app.database_handle();
    for id in &projects {
        let id = uuid::Uuid::parse_str(id).expect("uuid");
        let project = terrain_persistence::repo::projects::find(db.reader(), id)
            .await
            .expect("read")
            .expect("project");
        let linked = terrain_persistence::repo::events::for_project(db.reader(), id)
            .await
            .expect("read");
        assert_eq!(project.event_count, linked.len() as i64, "project {id}");
        assert!(!linked.is_empty());
    }
}
