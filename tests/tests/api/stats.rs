//! Statistics over the territory tree.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem, uai};

struct World {
    lead: Session,
    admin: Session,
}

async fn world(app: &TestApp) -> World {
    let lead = app.lead("porteur").await;
    let admin = app.account("national", "admin", &[]).await;
    let fund = json!({"code": "FIP-ARA", "name": "FIP Auvergne-Rhône-Alpes", "programme": "education",
                      "territory": "region:84", "year": 2025, "envelope_cents": 10_000_000});
    assert_eq!(
        app.post("/api/v1/funds", &fund, Some(&admin.token))
            .await
            .status(),
        201
    );

    // Lyon (69, académie 10, région 84): validated, supported with money and people.
    let lyon = app
        .create_project(
            &lead,
            json!({"title": "Lyon validé", "requested_amount_cents": 400_000}),
        )
        .await;
    let lyon = app
        .walk(
            &lyon,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    let supports = format!(
        "/api/v1/projects/{}/supports",
        lyon["id"].as_str().expect("id")
    );
    let money = json!({"kind": "financial", "fund": "FIP-ARA", "amount_cents": 300_000});
    assert_eq!(
        app.post(&supports, &money, Some(&admin.token))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post(&supports, &json!({"kind": "human"}), Some(&admin.token))
            .await
            .status(),
        201
    );
    // Grenoble (38, académie 08, région 84): submitted.
    let grenoble = app.create_project(&lead, json!({"title": "Grenoble soumis", "territory": "department:38", "establishment_uai": uai("0380001"), "requested_amount_cents": 100_000})).await;
    app.walk(&grenoble, &[(&lead, "submit")]).await;
    // Paris (75, académie 01, région 11): rejected.
    let paris = app.create_project(&lead, json!({"title": "Paris rejeté", "territory": "department:75", "establishment_uai": uai("0750001"), "requested_amount_cents": 50_000})).await;
    app.walk(
        &paris,
        &[
            (&lead, "submit"),
            (&admin, "start_review"),
            (&admin, "reject"),
        ],
    )
    .await;
    // Lyon again: a draft, whose amount stays private.
    app.create_project(
        &lead,
        json!({"title": "Lyon brouillon", "requested_amount_cents": 900_000}),
    )
    .await;
    // A health event in Rennes (35, région 53) and an education event in Lyon.
    let rennes = json!({"programme": "health", "territory": "department:35", "title": "Forum de Rennes", "kind": "forum",
                        "starts_at": "2024-03-14T18:00:00Z", "attendance": {"residents": 80, "citizens": 20}});
    assert_eq!(
        app.post("/api/v1/events", &rennes, Some(&lead.token))
            .await
            .status(),
        201
    );
    let lycee = json!({"programme": "education", "territory": "department:69", "title": "Conseil de vie lycéenne", "kind": "meeting",
                       "starts_at": "2024-05-02T10:00:00Z", "attendance": {"pupils": 30, "teachers": 5}});
    assert_eq!(
        app.post("/api/v1/events", &lycee, Some(&lead.token))
            .await
            .status(),
        201
    );
    World { lead, admin }
}

#[tokio::test]
async fn the_national_overview_counts_projects_supports_events_and_stages() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let overview = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(
        overview["projects"],
        json!({"submitted": 3, "validated": 1, "rejected": 1, "under_review": 0, "changes_requested": 0,
               "withdrawn": 0, "draft": 0, "validation_rate": 0.3333})
    );
    assert_eq!(overview["supports"]["supported_projects"], 1);
    assert_eq!(overview["supports"]["by_kind"]["financial"], 1);
    assert_eq!(overview["supports"]["by_kind"]["human"], 1);
    assert_eq!(overview["supports"]["by_kind"]["training"], 0);
    assert_eq!(overview["supports"]["requested_cents"], 550_000);
    assert_eq!(overview["supports"]["granted_cents"], 300_000);
    assert_eq!(overview["events"]["count"], 2);
    assert_eq!(overview["events"]["participants"], 135);
    assert_eq!(overview["events"]["by_category"]["residents"], 80);
    assert_eq!(overview["events"]["by_category"]["pupils"], 30);
    assert_eq!(
        overview["stages"],
        json!({"initiate": 3, "create": 0, "test": 0, "transfer": 0})
    );
}

#[tokio::test]
async fn a_draft_appears_in_no_public_figure_not_even_its_departments_row() {
    let app = TestApp::spawn().await;
    let lead = app.lead("discrète").await;
    let before = app
        .get_json("/api/v1/stats/territories?level=department&territory=academy:10")
        .await;
    app.create_project(&lead, json!({"requested_amount_cents": 123_456_789}))
        .await;
    let after = app
        .get_json("/api/v1/stats/territories?level=department&territory=academy:10")
        .await;
    assert_eq!(before, after, "a draft changed a public row");
    let overview = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(overview["projects"]["draft"], 0);
    assert_eq!(overview["supports"]["requested_cents"], 0);
    assert_eq!(overview["stages"]["initiate"], 0);
    let period = app.get_json("/api/v1/stats/overview?from=1900-01-01").await;
    assert_eq!(period["supports"]["requested_cents"], 0);
}

#[tokio::test]
async fn programme_and_territory_filters_narrow_the_figures() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let ara = app
        .get_json("/api/v1/stats/overview?territory=region:84")
        .await;
    assert_eq!(ara["projects"]["submitted"], 2);
    assert_eq!(ara["projects"]["draft"], 0);
    assert_eq!(ara["events"]["count"], 1);
    let health = app
        .get_json("/api/v1/stats/overview?programme=health")
        .await;
    assert_eq!(health["projects"]["submitted"], 0);
    assert_eq!(health["events"]["participants"], 100);
    let lyon = app
        .get_json("/api/v1/stats/overview?territory=academy:10&programme=education")
        .await;
    assert_eq!(lyon["projects"]["validated"], 1);
    assert_eq!(lyon["projects"]["submitted"], 1);
    assert_eq!(lyon["supports"]["granted_cents"], 300_000);
}

#[tokio::test]
async fn each_level_sums_to_the_level_above_and_to_the_national_figure() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let national = app.get_json("/api/v1/stats/overview").await;
    let regions = app.get_json("/api/v1/stats/territories?level=region").await;
    let academies = app
        .get_json("/api/v1/stats/territories?level=academy")
        .await;
    let departments = app
        .get_json("/api/v1/stats/territories?level=department")
        .await;
    assert_eq!(regions["items"].as_array().expect("items").len(), 18);
    assert_eq!(academies["items"].as_array().expect("items").len(), 30);
    assert_eq!(departments["items"].as_array().expect("items").len(), 101);
    let sum = |table: &Value, pick: &dyn Fn(&Value) -> &Value| -> i64 {
        table["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|row| pick(row).as_i64().expect("number"))
            .sum()
    };
    for (section, field) in [
        ("projects", "submitted"),
        ("projects", "validated"),
        ("projects", "draft"),
        ("supports", "granted_cents"),
        ("supports", "requested_cents"),
        ("events", "participants"),
        ("stages", "initiate"),
    ] {
        let pick = |row: &Value| -> Value { row[section][field].clone() };
        let national_value = national[section][field].as_i64().expect("number");
        for table in [&regions, &academies, &departments] {
            assert_eq!(
                sum(table, &|row| &row[section][field]),
                national_value,
                "{section}.{field}"
            );
        }
        let _ = pick;
    }
    let rows = |table: &Value, parent: &str| -> Vec<Value> {
        table["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|r| r["territory"]["parent"] == parent)
            .cloned()
            .collect()
    };
    let region_84 = regions["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["territory"]["id"] == "region:84")
        .expect("région 84")
        .clone();
    let academies_of_84 = rows(&academies, "region:84");
    assert_eq!(academies_of_84.len(), 3);
    let submitted: i64 = academies_of_84
        .iter()
        .map(|r| r["projects"]["submitted"].as_i64().expect("n"))
        .sum();
    assert_eq!(
        submitted,
        region_84["projects"]["submitted"].as_i64().expect("n")
    );
    assert_eq!(submitted, 2);
    let lyon_departments = app
        .get_json("/api/v1/stats/territories?level=department&territory=academy:10")
        .await;
    let ids: Vec<&str> = lyon_departments["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["territory"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["department:01", "department:42", "department:69"]);
    let rhone = &lyon_departments["items"][2];
    assert_eq!(rhone["projects"]["validated"], 1);
    assert_eq!(rhone["events"]["by_category"]["pupils"], 30);
}

#[tokio::test]
async fn a_period_filters_by_first_submission_and_event_start() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let today = chrono::Utc::now().date_naive();
    let all = app.get_json("/api/v1/stats/overview").await;
    let this_period = app
        .get_json(&format!("/api/v1/stats/overview?from={today}&to={today}"))
        .await;
    assert_eq!(
        this_period["projects"]["submitted"],
        all["projects"]["submitted"]
    );
    assert_eq!(this_period["projects"]["validated"], 1);
    assert_eq!(
        this_period["projects"]["draft"], 0,
        "a draft was never submitted"
    );
    assert_eq!(this_period["events"]["count"], 0, "both events are in 2024");
    let spring_2024 = app
        .get_json("/api/v1/stats/overview?from=2024-03-01&to=2024-04-30")
        .await;
    assert_eq!(spring_2024["events"]["count"], 1);
    assert_eq!(spring_2024["events"]["participants"], 100);
    assert_eq!(spring_2024["projects"]["submitted"], 0);
    let open_ended = app.get_json("/api/v1/stats/overview?from=2024-05-01").await;
    assert_eq!(open_ended["events"]["count"], 1);
    assert_eq!(open_ended["projects"]["submitted"], 3);
}

#[tokio::test]
async fn the_timeline_counts_per_month_and_week() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let now = chrono::Utc::now();
    let month = now.format("%Y-%m").to_string();
    let timeline = app.get_json("/api/v1/stats/timeline").await;
    assert_eq!(timeline["interval"], "month");
    let items = timeline["items"].as_array().expect("items");
    let periods: Vec<&str> = items
        .iter()
        .map(|p| p["period"].as_str().expect("period"))
        .collect();
    assert_eq!(periods, ["2024-03", "2024-05", month.as_str()]);
    assert_eq!(
        items[0],
        json!({"period": "2024-03", "submitted": 0, "validated": 0, "events": 1, "participants": 100})
    );
    assert_eq!(items[2]["submitted"], 3);
    assert_eq!(items[2]["validated"], 1);
    let weekly = app
        .get_json("/api/v1/stats/timeline?interval=week&programme=health")
        .await;
    assert_eq!(
        weekly["items"],
        json!([{"period": "2024-W11", "submitted": 0, "validated": 0, "events": 1, "participants": 100}])
    );
    let ranged = app
        .get_json("/api/v1/stats/timeline?from=2024-01-01&to=2024-12-31")
        .await;
    let ranged_periods: Vec<&str> = ranged["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["period"].as_str().expect("period"))
        .collect();
    assert_eq!(ranged_periods, ["2024-03", "2024-05"]);
}

#[tokio::test]
async fn figures_are_exact_right_after_each_write_and_match_a_rebuild() {
    let app = TestApp::spawn().await;
    let World { lead, admin } = world(&app).await;
    let before = app.get_json("/api/v1/stats/overview").await;
    let project = app.create_project(&lead, json!({"title": "Nouveau"})).await;
    let after_create = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(after_create, before, "a draft is private");
    let moved = app
        .client
        .patch(app.url(&format!(
            "/api/v1/projects/{}",
            project["id"].as_str().expect("id")
        )))
        .bearer_auth(&lead.token)
        .header("if-match", "\"1\"")
        .json(&json!({"territory": "department:13", "establishment_uai": uai("0130001")}))
        .send()
        .await
        .expect("request");
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.expect("json");
    let reviewed = app
        .walk(
            &moved,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    let paca = app
        .get_json("/api/v1/stats/overview?territory=region:93")
        .await;
    assert_eq!(
        paca["projects"]["validated"], 1,
        "counted where it was moved"
    );
    let after = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(
        after["projects"]["validated"],
        before["projects"]["validated"].as_i64().expect("n") + 1
    );
    assert_eq!(
        after["projects"]["submitted"],
        before["projects"]["submitted"].as_i64().expect("n") + 1
    );
    let reopened = app
        .transition(
            &admin,
            reviewed["id"].as_str().expect("id"),
            "reopen",
            Some("À revoir"),
            reviewed["version"].as_i64().expect("v"),
        )
        .await;
    assert_eq!(reopened.status(), 200);
    let after_reopen = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(
        after_reopen["projects"]["validated"],
        before["projects"]["validated"]
    );
    assert_eq!(after_reopen["projects"]["under_review"], 1);

    let events: Value = app.get_json("/api/v1/events").await;
    let first = &events["items"][0];
    let url = app.url(&format!(
        "/api/v1/events/{}",
        first["id"].as_str().expect("id")
    ));
    let patched = app
        .client
        .patch(&url)
        .bearer_auth(&lead.token)
        .header("if-match", format!("\"{}\"", first["version"]))
        .json(&json!({"attendance": {"citizens": 7}, "territory": "department:29"}))
        .send()
        .await
        .expect("request");
    assert_eq!(patched.status(), 200);
    let second = &events["items"][1];
    let deleted = app
        .client
        .delete(app.url(&format!(
            "/api/v1/events/{}",
            second["id"].as_str().expect("id")
        )))
        .bearer_auth(&lead.token)
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), 204);
    let final_overview = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(final_overview["events"]["count"], 1);
    assert_eq!(final_overview["events"]["participants"], 7);
    assert!(
        app.counters_match_a_rebuild().await,
        "incremental counters drifted from a rebuild"
    );
}

#[tokio::test]
async fn bad_statistics_parameters_are_422() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("overview?programme=sport", "programme"),
        ("overview?territory=department:99", "territory"),
        ("overview?from=2025-02-01&to=2025-01-01", "to"),
        ("overview?from=yesterday", "from"),
        ("territories?level=country", "level"),
        ("territories", ""),
        ("timeline?interval=day", "interval"),
    ] {
        let problem = assert_problem(app.get(&format!("/api/v1/stats/{query}")).await, 422).await;
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{query}");
        }
    }
}

#[tokio::test]
async fn the_territory_table_is_exact_right_after_a_write() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteur").await;
    let row = |table: &Value| -> i64 {
        table["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["territory"]["id"] == "region:84")
            .expect("région 84")["projects"]["submitted"]
            .as_i64()
            .expect("n")
    };
    let before = app.get_json("/api/v1/stats/territories?level=region").await;
    assert_eq!(row(&before), 0);
    let again = app.get_json("/api/v1/stats/territories?level=region").await;
    assert_eq!(before, again);
    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;
    let after = app.get_json("/api/v1/stats/territories?level=region").await;
    assert_eq!(row(&after), 1);
}

#[tokio::test]
async fn a_submission_that_would_overflow_a_counter_is_a_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let attacker = app.lead("attaquant").await;
    let other = app.lead("voisine").await;
    let project = app
        .create_project(
            &attacker,
            json!({"requested_amount_cents": 100_000_000_000_000_i64}),
        )
        .await;
    // The national counter of requested money is seeded near its bound, through the repository.
    let db = app.database_handle();
    let education = terrain_domain::ProgrammeCode::parse("education").expect("code");
    terrain_persistence::repo::stats::set_counter(
        db.reader(),
        &education,
        "country:FR",
        "supports.requested_cents",
        terrain_domain::stats::FIGURE_MAX - 1_000,
    )
    .await
    .expect("seed the counter");
    let before = app.get_json("/api/v1/stats/overview").await;
    let response = app
        .transition(
            &attacker,
            project["id"].as_str().expect("id"),
            "submit",
            None,
            1,
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "requested_amount_cents");
    assert_eq!(app.get_json("/api/v1/stats/overview").await, before);
    let still: Value = app
        .get_as(
            &format!("/api/v1/projects/{}", project["id"].as_str().expect("id")),
            &attacker.token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(still["status"], "draft");
    assert_eq!(still["version"], 1);
    // Everyone else goes on working.
    let modest = app
        .create_project(&other, json!({"requested_amount_cents": 500}))
        .await;
    let submitted = app
        .transition(
            &other,
            modest["id"].as_str().expect("id"),
            "submit",
            None,
            1,
        )
        .await;
    assert_eq!(submitted.status(), 200);
    let after = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(
        after["supports"]["requested_cents"],
        terrain_domain::stats::FIGURE_MAX - 1_000 + 500
    );
}

#[tokio::test]
async fn an_event_whose_attendance_would_overflow_a_counter_is_a_422() {
    let app = TestApp::spawn().await;
    let lead = app.lead("animatrice").await;
    let db = app.database_handle();
    let health = terrain_domain::ProgrammeCode::parse("health").expect("code");
    terrain_persistence::repo::stats::set_counter(
        db.reader(),
        &health,
        "country:FR",
        "events.category.citizens",
        terrain_domain::stats::FIGURE_MAX - 10,
    )
    .await
    .expect("seed the counter");
    let event = json!({"programme": "health", "territory": "region:53", "title": "Forum de trop",
                       "kind": "forum", "starts_at": "2025-03-14T18:00:00Z", "attendance": {"citizens": 11}});
    let problem = assert_problem(
        app.post("/api/v1/events", &event, Some(&lead.token)).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "attendance.citizens");
    let listed = app.get_json("/api/v1/events").await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn a_whole_period_gives_the_same_figures_as_no_period() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let counters = app.get_json("/api/v1/stats/overview").await;
    let aggregated = app
        .get_json("/api/v1/stats/overview?from=1900-01-01&to=2999-12-31")
        .await;
    assert_eq!(aggregated, counters);
    for query in [
        "programme=education",
        "territory=region:84",
        "territory=department:35",
    ] {
        assert_eq!(
            app.get_json(&format!("/api/v1/stats/overview?{query}&from=1900-01-01"))
                .await,
            app.get_json(&format!("/api/v1/stats/overview?{query}"))
                .await,
            "{query}"
        );
    }
    let timeline = app.get_json("/api/v1/stats/timeline?interval=week").await;
    let period = app
        .get_json("/api/v1/stats/timeline?interval=week&from=1900-01-01")
        .await;
    assert_eq!(period, timeline);
}
