//! The SILK stage, funds and supports.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem};

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

async fn validated(app: &TestApp, lead: &Session, admin: &Session, changes: Value) -> Value {
    let project = app.create_project(lead, changes).await;
    app.walk(
        &project,
        &[
            (lead, "submit"),
            (admin, "start_review"),
            (admin, "validate"),
        ],
    )
    .await
}

async fn stage(app: &TestApp, session: &Session, project: &Value, to: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/projects/{}/stage", id(project))))
        .bearer_auth(&session.token)
        .header("if-match", format!("\"{}\"", project["version"]))
        .json(&json!({"stage": to, "note": "Étape franchie"}))
        .send()
        .await
        .expect("request")
}

async fn grant(app: &TestApp, admin: &Session, project: &Value, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/projects/{}/supports", id(project)),
        &body,
        Some(&admin.token),
    )
    .await
}

async fn fund(app: &TestApp, admin: &Session, body: Value) -> reqwest::Response {
    app.post("/api/v1/funds", &body, Some(&admin.token)).await
}

fn fip(code: &str, territory: &str, envelope: i64) -> Value {
    json!({"code": code, "name": format!("Fonds {code}"), "programme": "education",
           "territory": territory, "year": 2025, "envelope_cents": envelope})
}

#[tokio::test]
async fn a_project_moves_through_the_lifecycle_arrow_by_arrow() {
    let app = TestApp::spawn().await;
    let lead = app.lead("silk").await;
    let admin = app
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let observer = app.account("eval", "observer", &[]).await;
    let draft = app.create_project(&lead, json!({})).await;

    assert_problem(stage(&app, &lead, &draft, "test").await, 409).await;
    assert_problem(stage(&app, &lead, &draft, "transfer").await, 409).await;
    let created = stage(&app, &lead, &draft, "create").await;
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["stage"], "create");
    assert_eq!(created["version"], 2);
    assert_problem(stage(&app, &lead, &created, "test").await, 409).await;

    let validated = app
        .walk(
            &created,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    assert_problem(stage(&app, &observer, &validated, "test").await, 403).await;
    assert_problem(stage(&app, &lead, &validated, "initiate").await, 409).await;
    let tested: Value = stage(&app, &admin, &validated, "test")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tested["stage"], "test");
    let refined: Value = stage(&app, &lead, &tested, "create")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(refined["stage"], "create");
    let tested: Value = stage(&app, &lead, &refined, "test")
        .await
        .json()
        .await
        .expect("json");
    // Transfer hands the results over: not before the final report is written.
    assert_problem(stage(&app, &lead, &tested, "transfer").await, 409).await;
    let report = app
        .client
        .put(app.url(&format!("/api/v1/projects/{}/report", id(&tested))))
        .bearer_auth(&lead.token)
        .json(&json!({"summary": "Un jardin cultivé par trois classes.",
                      "results": "Fréquentation en hausse de 22 %.",
                      "recommendations": "Étendre aux écoles voisines."}))
        .send()
        .await
        .expect("request");
    assert_eq!(report.status(), 200);
    let reported = app
        .get_json(&format!("/api/v1/projects/{}", id(&tested)))
        .await;
    assert_eq!(reported["follow_up"]["reported"], true);
    let transferred: Value = stage(&app, &lead, &reported, "transfer")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(transferred["stage"], "transfer");
    assert_problem(stage(&app, &lead, &transferred, "create").await, 409).await;
    assert_problem(stage(&app, &lead, &tested, "transfer").await, 412).await;

    let no_header = app
        .client
        .post(app.url(&format!("/api/v1/projects/{}/stage", id(&transferred))))
        .bearer_auth(&lead.token)
        .json(&json!({"stage": "create"}))
        .send()
        .await
        .expect("request");
    assert_problem(no_header, 428).await;
    let unknown = app
        .client
        .post(app.url(&format!("/api/v1/projects/{}/stage", id(&transferred))))
        .bearer_auth(&lead.token)
        .header("if-match", format!("\"{}\"", transferred["version"]))
        .json(&json!({"stage": "scale"}))
        .send()
        .await
        .expect("request");
    assert_problem(unknown, 422).await;

    let history: Value = app
        .get_json(&format!("/api/v1/projects/{}/history", id(&draft)))
        .await;
    let stages: Vec<(String, String, String)> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "stage")
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_owned(),
                e["from"].as_str().expect("from").to_owned(),
                e["to"].as_str().expect("to").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("advance", "initiate", "create"),
        ("advance", "create", "test"),
        ("refine", "test", "create"),
        ("advance", "create", "test"),
        ("advance", "test", "transfer"),
    ];
    assert_eq!(stages.len(), expected.len());
    for (got, want) in stages.iter().zip(expected) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str()), want);
    }
}

#[tokio::test]
async fn a_withdrawn_project_cannot_even_start_creating() {
    let app = TestApp::spawn().await;
    let lead = app.lead("quitter").await;
    let project = app.create_project(&lead, json!({})).await;
    let withdrawn = app.walk(&project, &[(&lead, "withdraw")]).await;
    assert_problem(stage(&app, &lead, &withdrawn, "create").await, 409).await;
}

#[tokio::test]
async fn funds_are_created_within_the_admins_scope_and_read_back_with_what_remains() {
    let app = TestApp::spawn().await;
    let national = app.account("dgesco", "admin", &[]).await;
    let lyon = app
        .account(
            "rectorat",
            "admin",
            &["--programme", "education", "--territory", "academy:10"],
        )
        .await;
    let lead = app.lead("curious").await;

    let created = fund(&app, &lyon, fip("FIP-2025-LYON", "academy:10", 5_000_000)).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["remaining_cents"], 5_000_000);
    assert_eq!(created["committed_cents"], 0);
    let rhone = fund(&app, &lyon, fip("FIP-2025-RHONE", "department:69", 1)).await;
    assert_eq!(
        rhone.status(),
        201,
        "a département of the académie is in scope"
    );
    assert_problem(
        fund(&app, &lyon, fip("FIP-2025-NATIONAL", "region:11", 1)).await,
        403,
    )
    .await;
    let national_fund = json!({"code": "FIP-NAT", "name": "Fonds national", "programme": "education", "year": 2025, "envelope_cents": 1});
    assert_problem(fund(&app, &lyon, national_fund.clone()).await, 403).await;
    assert_eq!(fund(&app, &national, national_fund).await.status(), 201);
    assert_problem(
        fund(&app, &lead, fip("FIP-LEAD", "academy:10", 1)).await,
        403,
    )
    .await;
    assert_problem(
        fund(&app, &national, fip("FIP-2025-LYON", "academy:10", 1)).await,
        409,
    )
    .await;
    let invalid = fund(
        &app,
        &national,
        json!({"code": "x", "name": " Fonds", "programme": "culture", "territory": "academy:99", "year": 1999, "envelope_cents": 0}),
    )
    .await;
    let problem = assert_problem(invalid, 422).await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 6);

    let listed: Value = app
        .get_as("/api/v1/funds?territory=region:84&year=2025", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["FIP-2025-LYON", "FIP-2025-RHONE"]);
    let one: Value = app
        .get_as("/api/v1/funds/FIP-2025-LYON", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["envelope_cents"], 5_000_000);
    assert_problem(app.get_as("/api/v1/funds/NOPE", &lead.token).await, 404).await;
    assert_problem(app.get("/api/v1/funds").await, 401).await;
}

#[tokio::test]
async fn supports_go_to_validated_projects_in_scope_and_money_to_covering_funds() {
    let app = TestApp::spawn().await;
    let lead = app.lead("funded").await;
    let admin = app
        .account(
            "lyon",
            "admin",
            &["--programme", "education", "--territory", "academy:10"],
        )
        .await;
    let outsider = app
        .account("corse", "admin", &["--territory", "region:94"])
        .await;
    let observer = app.account("eval", "observer", &[]).await;
    let national = app.account("national", "admin", &[]).await;
    assert_eq!(
        fund(&app, &admin, fip("FIP-LYON", "academy:10", 1_000_000))
            .await
            .status(),
        201
    );
    assert_eq!(
        fund(&app, &national, fip("FIP-PARIS", "academy:01", 1_000_000))
            .await
            .status(),
        201
    );
    let health_fund = json!({"code": "FIR-ARA", "name": "FIR ARA", "programme": "health", "territory": "region:84", "year": 2025, "envelope_cents": 1_000_000});
    assert_eq!(fund(&app, &national, health_fund).await.status(), 201);

    let submitted = app.create_project(&lead, json!({})).await;
    let submitted = app.walk(&submitted, &[(&lead, "submit")]).await;
    let money = json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": 300_000, "note": "Première tranche"});
    assert_problem(grant(&app, &admin, &submitted, money.clone()).await, 409).await;

    let project = validated(&app, &lead, &admin, json!({})).await;
    assert_problem(grant(&app, &lead, &project, money.clone()).await, 403).await;
    assert_problem(grant(&app, &observer, &project, money.clone()).await, 403).await;
    assert_problem(grant(&app, &outsider, &project, money.clone()).await, 404).await;
    for (body, field) in [
        (json!({"kind": "financial", "amount_cents": 1}), "fund"),
        (
            json!({"kind": "financial", "fund": "FIP-LYON"}),
            "amount_cents",
        ),
        (
            json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": 0}),
            "amount_cents",
        ),
        (
            json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": -5}),
            "amount_cents",
        ),
        (json!({"kind": "human", "amount_cents": 5}), "amount_cents"),
        (json!({"kind": "training", "fund": "FIP-LYON"}), "fund"),
        (
            json!({"kind": "financial", "fund": "NOPE", "amount_cents": 1}),
            "fund",
        ),
        (
            json!({"kind": "financial", "fund": "FIP-PARIS", "amount_cents": 1}),
            "fund",
        ),
        (
            json!({"kind": "financial", "fund": "FIR-ARA", "amount_cents": 1}),
            "fund",
        ),
        (json!({"kind": "moral"}), "kind"),
    ] {
        let problem = assert_problem(grant(&app, &admin, &project, body.clone()).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_problem(
        grant(
            &app,
            &admin,
            &project,
            json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": 1_000_001}),
        )
        .await,
        409,
    )
    .await;

    let granted = grant(&app, &admin, &project, money).await;
    assert_eq!(granted.status(), 201);
    let human = grant(
        &app,
        &admin,
        &project,
        json!({"kind": "human", "note": "Un conseiller pédagogique"}),
    )
    .await;
    assert_eq!(human.status(), 201);

    let fund_now: Value = app
        .get_as("/api/v1/funds/FIP-LYON", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fund_now["committed_cents"], 300_000);
    assert_eq!(fund_now["remaining_cents"], 700_000);
    let detail: Value = app
        .get_json(&format!("/api/v1/projects/{}", id(&project)))
        .await;
    assert_eq!(detail["granted_cents"], 300_000);
    assert_eq!(detail["requested_amount_cents"], 250_000);
    assert_eq!(
        detail["supports"],
        json!({"kinds": ["financial", "human"], "count": 2, "granted_cents": 300_000})
    );
    let supports: Value = app
        .get_json(&format!("/api/v1/projects/{}/supports", id(&project)))
        .await;
    assert_eq!(supports["items"].as_array().expect("items").len(), 2);
    assert_eq!(supports["items"][0]["fund"], "FIP-LYON");
    let history: Value = app
        .get_json(&format!("/api/v1/projects/{}/history", id(&project)))
        .await;
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "transition",
            "transition",
            "transition",
            "support",
            "support"
        ]
    );

    let reopen = app
        .transition(
            &admin,
            &id(&project),
            "reopen",
            Some("Erreur"),
            detail["version"].as_i64().expect("version"),
        )
        .await;
    assert_problem(reopen, 409).await;

    let helped = validated(
        &app,
        &lead,
        &admin,
        json!({"title": "Seulement accompagné"}),
    )
    .await;
    assert_eq!(
        grant(&app, &admin, &helped, json!({"kind": "methodological"}))
            .await
            .status(),
        201
    );
    let helped: Value = app
        .get_json(&format!("/api/v1/projects/{}", id(&helped)))
        .await;
    let reopened = app
        .transition(
            &admin,
            &id(&helped),
            "reopen",
            Some("À revoir"),
            helped["version"].as_i64().expect("version"),
        )
        .await;
    assert_eq!(reopened.status(), 200);
}

#[tokio::test]
async fn concurrent_grants_never_commit_more_than_the_envelope() {
    let app = TestApp::spawn().await;
    let lead = app.lead("crowd").await;
    let admin = app.account("boss", "admin", &[]).await;
    assert_eq!(
        fund(&app, &admin, fip("FIP-RACE", "academy:10", 100_000))
            .await
            .status(),
        201
    );
    let mut projects = Vec::new();
    for i in 0..4 {
        projects
            .push(validated(&app, &lead, &admin, json!({"title": format!("Projet {i}")})).await);
    }
    let attempts = (0..32).map(|i| {
        let project = &projects[i % projects.len()];
        let amount = 7_000 + (i as i64 % 3) * 1_000;
        let url = app.url(&format!("/api/v1/projects/{}/supports", id(project)));
        let request = app
            .client
            .post(url)
            .bearer_auth(&admin.token)
            .json(&json!({"kind": "financial", "fund": "FIP-RACE", "amount_cents": amount}));
        async move {
            (
                amount,
                request.send().await.expect("request").status().as_u16(),
            )
        }
    });
    let outcomes = futures::future::join_all(attempts).await;
    let accepted: i64 = outcomes
        .iter()
        .filter(|(_, s)| *s == 201)
        .map(|(a, _)| a)
        .sum();
    assert!(
        outcomes.iter().all(|(_, s)| *s == 201 || *s == 409),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|(_, s)| *s == 409),
        "the envelope ran out"
    );
    let fund_now: Value = app
        .get_as("/api/v1/funds/FIP-RACE", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    let committed = fund_now["committed_cents"].as_i64().expect("committed");
    assert!(committed <= 100_000);
    assert_eq!(committed, accepted);
    let mut granted = 0;
    for project in &projects {
        let detail: Value = app
            .get_json(&format!("/api/v1/projects/{}", id(project)))
            .await;
        granted += detail["granted_cents"].as_i64().expect("granted");
    }
    assert_eq!(granted, accepted);
}

#[tokio::test]
async fn a_scoped_admin_cannot_spend_a_fund_wider_than_its_scope() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteur").await;
    let national = app.account("national", "admin", &[]).await;
    let lyon = app
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let project = validated(&app, &lead, &lyon, json!({})).await;
    let national_fund = json!({"code": "FIP-NATIONAL", "name": "Fonds national", "programme": "education",
                               "year": 2025, "envelope_cents": 10_000_000});
    assert_eq!(fund(&app, &national, national_fund).await.status(), 201);
    let spent = grant(
        &app,
        &lyon,
        &project,
        json!({"kind": "financial", "fund": "FIP-NATIONAL", "amount_cents": 1_000}),
    )
    .await;
    assert_problem(spent, 403).await;
    let national_view: Value = app
        .get_as("/api/v1/funds/FIP-NATIONAL", &national.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(national_view["committed_cents"], 0);
    // Its own académie's fund it may spend.
    assert_eq!(
        fund(&app, &lyon, fip("FIP-LYON", "academy:10", 10_000_000))
            .await
            .status(),
        201
    );
    let granted = grant(
        &app,
        &lyon,
        &project,
        json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": 1_000}),
    )
    .await;
    assert_eq!(granted.status(), 201);
}

#[tokio::test]
async fn an_envelope_above_the_maximum_says_so() {
    let app = TestApp::spawn().await;
    let national = app.account("national", "admin", &[]).await;
    let problem = assert_problem(
        fund(
            &app,
            &national,
            fip("TROP", "academy:10", 100_000_000_000_001),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "envelope_cents");
    let message = problem["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("au plus"), "{message}");
}
