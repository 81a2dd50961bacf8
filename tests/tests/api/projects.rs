//! Projects: submission, the validation workflow, history, concurrency control and visibility.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem, project_body, uai};

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

fn version(project: &Value) -> i64 {
    project["version"].as_i64().expect("version")
}

async fn cast(app: &TestApp) -> (Session, Session, Session) {
    let lead = app.lead("porteur").await;
    let admin = app
        .account(
            "lyon",
            "admin",
            &["--programme", "education", "--territory", "academy:10"],
        )
        .await;
    let observer = app.account("analyste", "observer", &[]).await;
    (lead, admin, observer)
}

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
async fn another_lead_can_neither_read_nor_list_nor_patch_a_project_that_is_not_public() {
    let app = TestApp::spawn().await;
    let (lead, admin, _) = cast(&app).await;
    let intruder = app.lead("intruder").await;
    let draft = app
        .create_project(&lead, json!({"title": "Brouillon privé"}))
        .await;
    let submitted = app
        .create_project(&lead, json!({"title": "Projet soumis"}))
        .await;
    app.walk(&submitted, &[(&lead, "submit")]).await;
    for project in [&draft, &submitted] {
        let pid = id(project);
        assert_problem(
            app.get_as(&format!("/api/v1/projects/{pid}"), &intruder.token)
                .await,
            404,
        )
        .await;
        assert_problem(
            app.get_as(&format!("/api/v1/projects/{pid}/history"), &intruder.token)
                .await,
            404,
        )
        .await;
        assert_problem(app.get(&format!("/api/v1/projects/{pid}")).await, 404).await;
        assert_problem(
            app.transition(&intruder, &pid, "withdraw", None, 1).await,
            404,
        )
        .await;
    }
    let listed: Value = app
        .get_as("/api/v1/projects?limit=100", &intruder.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]));
    // The draft is its lead's alone, even for the admin in charge.
    assert_problem(
        app.get_as(&format!("/api/v1/projects/{}", id(&draft)), &admin.token)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.get_as(
            &format!("/api/v1/projects/{}", id(&submitted)),
            &admin.token
        )
        .await
        .status(),
        200
    );
    let unknown = "0190a0c0-0000-7000-8000-000000000000";
    let missing = assert_problem(
        app.get_as(&format!("/api/v1/projects/{unknown}"), &intruder.token)
            .await,
        404,
    )
    .await;
    let hidden = assert_problem(
        app.get_as(&format!("/api/v1/projects/{}", id(&draft)), &intruder.token)
            .await,
        404,
    )
    .await;
    assert_eq!(
        missing["detail"], hidden["detail"],
        "hidden looks exactly like missing"
    );
    assert_problem(app.get("/api/v1/projects/not-a-uuid").await, 404).await;
}

#[tokio::test]
async fn validated_projects_are_public_without_the_leads_contact() {
    let app = TestApp::spawn().await;
    let (lead, admin, observer) = cast(&app).await;
    let project = app.create_project(&lead, json!({})).await;
    let validated = app
        .walk(
            &project,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    let pid = id(&validated);
    let public: Value = app.get_json(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(public["status"], "validated");
    assert!(public["lead_contact"].is_null());
    let observed: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(observed["lead_contact"].is_null());
    let text = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(!text.contains(&lead.email));
    let in_charge: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(in_charge["lead_contact"]["email"], lead.email.as_str());
    let listed: Value = app.get_json("/api/v1/projects?status=validated").await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn lists_show_each_role_what_it_may_see() {
    let app = TestApp::spawn().await;
    let (lead, admin, observer) = cast(&app).await;
    let outsider = app
        .account("paca", "admin", &["--territory", "region:93"])
        .await;
    let draft = app
        .create_project(&lead, json!({"title": "Brouillon"}))
        .await;
    let submitted = app.create_project(&lead, json!({"title": "Soumis"})).await;
    app.walk(&submitted, &[(&lead, "submit")]).await;
    let validated = app.create_project(&lead, json!({"title": "Validé"})).await;
    app.walk(
        &validated,
        &[
            (&lead, "submit"),
            (&admin, "start_review"),
            (&admin, "validate"),
        ],
    )
    .await;

    let titles = |value: Value| -> Vec<String> {
        let mut titles: Vec<String> = value["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["title"].as_str().expect("title").to_owned())
            .collect();
        titles.sort();
        titles
    };
    let as_lead = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_lead), ["Brouillon", "Soumis", "Validé"]);
    let as_admin = app
        .get_as("/api/v1/projects", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_admin), ["Soumis", "Validé"]);
    let as_observer = app
        .get_as("/api/v1/projects", &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_observer), ["Soumis", "Validé"]);
    let as_outsider = app
        .get_as("/api/v1/projects", &outsider.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_outsider), ["Validé"]);
    let anonymous = app.get_json("/api/v1/projects").await;
    assert_eq!(titles(anonymous), ["Validé"]);
    let _ = draft;
}

#[tokio::test]
async fn lists_filter_by_subtree_theme_status_and_title_and_paginate_with_link() {
    let app = TestApp::spawn().await;
    let lead = app.lead("prolific").await;
    app.create_project(&lead, json!({"title": "Potager de Lyon"}))
        .await;
    app.create_project(&lead, json!({"title": "Chorale de Grenoble", "territory": "department:38", "establishment_uai": null, "theme": "arts_culture"})).await;
    app.create_project(&lead, json!({"title": "Robotique à Paris", "territory": "department:75", "establishment_uai": null, "theme": "digital"})).await;
    let health = app.create_project(&lead, json!({"programme": "health", "title": "Prévention 100% santé", "territory": "region:84", "establishment_uai": null, "theme": "prevention"})).await;
    app.walk(&health, &[(&lead, "submit")]).await;

    let count = |v: &Value| v["items"].as_array().expect("items").len();
    let get = |q: &str| {
        let path = format!("/api/v1/projects?{q}");
        let request = app.client.get(app.url(&path)).bearer_auth(&lead.token);
        async move { request.send().await.expect("request") }
    };
    assert_eq!(
        count(&get("territory=region:84").await.json().await.expect("json")),
        3
    );
    assert_eq!(
        count(
            &get("territory=academy:08")
                .await
                .json()
                .await
                .expect("json")
        ),
        1
    );
    assert_eq!(
        count(
            &get("territory=department:69")
                .await
                .json()
                .await
                .expect("json")
        ),
        1
    );
    assert_eq!(
        count(&get("theme=digital").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("programme=health").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("status=submitted").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("stage=initiate").await.json().await.expect("json")),
        4
    );
    assert_eq!(
        count(&get("q=POTAGER").await.json().await.expect("json")),
        1
    );
    assert_eq!(count(&get("q=100%25").await.json().await.expect("json")), 1);
    assert_eq!(count(&get("q=_").await.json().await.expect("json")), 0);

    let newest: Value = get("sort=-created_at&limit=1")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(newest["items"][0]["title"], "Prévention 100% santé");
    let submitted_first: Value = get("sort=-submitted_at").await.json().await.expect("json");
    assert_eq!(
        submitted_first["items"][0]["title"],
        "Prévention 100% santé"
    );
    assert_eq!(
        count(&submitted_first),
        4,
        "never-submitted projects come last, not dropped"
    );

    let mut seen = Vec::new();
    let mut path = "/api/v1/projects?limit=3&sort=-created_at".to_owned();
    loop {
        let response = app.get_as(&path, &lead.token).await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let page: Value = response.json().await.expect("json");
        seen.extend(page["items"].as_array().expect("items").iter().map(id));
        match link {
            Some(link) => {
                path = link
                    .trim_start_matches('<')
                    .split_once('>')
                    .expect("link")
                    .0
                    .to_owned()
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    seen.dedup();
    assert_eq!(seen.len(), 4);

    for (query, field) in [
        ("status=approved", "status"),
        ("stage=build", "stage"),
        ("sort=title", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("territory=department:99", "territory"),
        ("programme=culture", "programme"),
        ("cursor=abc", "cursor"),
        ("colour=blue", ""),
    ] {
        let problem = assert_problem(get(query).await, 422).await;
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{query}");
        }
    }
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
async fn empty_unknown_or_oversized_filters_are_refused_with_the_parameter_named() {
    let app = TestApp::spawn().await;
    let observer = app.account("analyst", "observer", &[]).await;
    let long = format!("q={}", "x".repeat(201));
    for (query, field) in [
        ("programme=", "programme"),
        ("territory=", "territory"),
        ("theme=gardening", "theme"),
        ("theme=", "theme"),
        ("q=", "q"),
        (long.as_str(), "q"),
    ] {
        for path in ["/api/v1/projects", "/api/v1/exports/projects.csv"] {
            let response = app
                .get_as(&format!("{path}?{query}"), &observer.token)
                .await;
            let problem = assert_problem(response, 422).await;
            assert_eq!(problem["errors"][0]["field"], field, "{path}?{query}");
        }
    }
    for (path, field) in [
        ("/api/v1/projects?cursor=", "cursor"),
        ("/api/v1/stats/overview?to=", "to"),
        ("/api/v1/events?limit=", "limit"),
    ] {
        let problem = assert_problem(app.get_as(path, &observer.token).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}");
    }
    let known = app
        .get_as("/api/v1/projects?theme=pedagogy&q=jardin", &observer.token)
        .await;
    assert_eq!(known.status(), 200);
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
