//! After the decision (SPEC §17): milestones, payments, indicators, the final report, and the
//! results they add to the statistics; programmes created by national administrators (§18).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem, project_body};

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

/// The people around a project of the Rhône (académie de Lyon).
struct People {
    lead: Session,
    other_lead: Session,
    observer: Session,
    lyon: Session,
    paris: Session,
}

async fn people(app: &TestApp) -> People {
    People {
        lead: app.lead("porteuse").await,
        other_lead: app.lead("voisin").await,
        observer: app.account("evaluation", "observer", &[]).await,
        lyon: app
            .account("ac-lyon", "admin", &["--territory", "academy:10"])
            .await,
        paris: app
            .account("ac-paris", "admin", &["--territory", "academy:01"])
            .await,
    }
}

async fn post(app: &TestApp, session: &Session, path: &str, body: Value) -> reqwest::Response {
    app.post(path, &body, Some(&session.token)).await
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    session: &Session,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(&session.token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.expect("json")
}

/// A fund of the académie de Lyon and a financial support of `amount` cents from it.
async fn financial_support(app: &TestApp, admin: &Session, project: &Value, amount: i64) -> Value {
    let fund = json!({"code": "FIP-2026-LYON", "name": "Fonds d'innovation pédagogique",
                      "programme": "education", "territory": "academy:10", "year": 2026,
                      "envelope_cents": 10_000_000});
    let created = post(app, admin, "/api/v1/funds", fund).await;
    assert!(created.status() == 201 || created.status() == 409);
    let support = post(
        app,
        admin,
        &format!("/api/v1/projects/{}/supports", id(project)),
        json!({"kind": "financial", "fund": "FIP-2026-LYON", "amount_cents": amount}),
    )
    .await;
    json_of(support, 201).await
}

#[tokio::test]
async fn milestones_give_the_progress_and_only_the_lead_and_the_admins_in_charge_record_them() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let draft = app.create_project(&p.lead, json!({})).await;
    let path = format!("/api/v1/projects/{}/milestones", id(&draft));
    let milestone = json!({"title": "Commande des bacs", "due_on": "2026-03-01"});
    assert_problem(post(&app, &p.lead, &path, milestone.clone()).await, 409).await;

    let project = app.validated_project(&p.lead, &p.lyon, json!({})).await;
    let path = format!("/api/v1/projects/{}/milestones", id(&project));
    let first = json_of(post(&app, &p.lead, &path, milestone.clone()).await, 201).await;
    assert_eq!(first["done"], false);
    let second = json!({"title": "Plantation avec les classes", "due_on": "2026-04-15",
                        "done_on": "2026-04-10"});
    json_of(post(&app, &p.lyon, &path, second).await, 201).await;
    for refused in [&p.observer, &p.other_lead] {
        assert_problem(post(&app, refused, &path, milestone.clone()).await, 403).await;
    }
    assert_problem(post(&app, &p.paris, &path, milestone.clone()).await, 404).await;
    let bad = json!({"title": "x", "due_on": "2026-03-01"});
    let problem = assert_problem(post(&app, &p.lead, &path, bad).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "title");

    let listed = app.get_json(&path).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["progress"], 0.5);
    let project_now = app
        .get_json(&format!("/api/v1/projects/{}", id(&project)))
        .await;
    assert_eq!(project_now["progress"], 0.5);
    assert_eq!(project_now["follow_up"]["milestones_total"], 2);

    let done = send(
        &app,
        reqwest::Method::PATCH,
        &p.lyon,
        &format!("{path}/{}", first["id"].as_str().expect("id")),
        json!({"done_on": "2026-03-02"}),
    )
    .await;
    let done = json_of(done, 200).await;
    assert_eq!(done["done_on"], "2026-03-02");
    assert_eq!(done["title"], "Commande des bacs");
    assert_eq!(app.get_json(&path).await["progress"], 1.0);
    let undone = send(
        &app,
        reqwest::Method::PATCH,
        &p.lead,
        &format!("{path}/{}", first["id"].as_str().expect("id")),
        json!({"done_on": null}),
    )
    .await;
    assert_eq!(json_of(undone, 200).await["done"], false);
    assert_eq!(app.get_json(&path).await["progress"], 0.5);
    let unknown = send(
        &app,
        reqwest::Method::PATCH,
        &p.lead,
        &format!("{path}/{}", uuid::Uuid::now_v7()),
        json!({"done_on": null}),
    )
    .await;
    assert_problem(unknown, 404).await;
    assert!(app.counters_match_a_rebuild().await);
}

#[tokio::test]
async fn twenty_concurrent_payments_never_pay_more_than_was_granted() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let project = app.validated_project(&p.lead, &p.lyon, json!({})).await;
    let support = financial_support(&app, &p.lyon, &project, 10_000).await;
    let path = format!("/api/v1/projects/{}/payments", id(&project));
    let payment = |amount: i64| json!({"support_id": support["id"], "amount_cents": amount, "paid_on": "2026-05-01"});

    let attempts = (0..20).map(|_| post(&app, &p.lyon, &path, payment(1_000)));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        10,
        "{statuses:?}"
    );
    assert_problem(post(&app, &p.lyon, &path, payment(1)).await, 409).await;

    let listed = app.get_json(&path).await;
    assert_eq!(listed["paid_cents"], 10_000);
    assert_eq!(listed["granted_cents"], 10_000);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(10));
    let fund = app
        .get_as("/api/v1/funds/FIP-2026-LYON", &p.lyon.token)
        .await;
    let fund = json_of(fund, 200).await;
    assert_eq!(fund["paid_cents"], 10_000);
    assert_eq!(fund["committed_cents"], 10_000);
    let overview = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(overview["results"]["paid_cents"], 10_000);
    let history = app
        .get_json(&format!("/api/v1/projects/{}/history", id(&project)))
        .await;
    let payments = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "payment")
        .count();
    assert_eq!(payments, 10);
    assert!(app.counters_match_a_rebuild().await);
}

#[tokio::test]
async fn a_payment_needs_an_admin_in_charge_a_financial_support_and_an_amount() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let project = app.validated_project(&p.lead, &p.lyon, json!({})).await;
    let support = financial_support(&app, &p.lyon, &project, 5_000).await;
    let human = post(
        &app,
        &p.lyon,
        &format!("/api/v1/projects/{}/supports", id(&project)),
        json!({"kind": "human", "note": "Un conseiller"}),
    )
    .await;
    let human = json_of(human, 201).await;
    let path = format!("/api/v1/projects/{}/payments", id(&project));
    let body = |support: &Value, amount: i64| json!({"support_id": support["id"], "amount_cents": amount, "paid_on": "2026-05-01"});
    assert_problem(post(&app, &p.lead, &path, body(&support, 100)).await, 403).await;
    assert_problem(post(&app, &p.paris, &path, body(&support, 100)).await, 404).await;
    let problem = assert_problem(post(&app, &p.lyon, &path, body(&human, 100)).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "support_id");
    let problem = assert_problem(post(&app, &p.lyon, &path, body(&support, 0)).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "amount_cents");
    let stranger = json!({"id": uuid::Uuid::now_v7()});
    assert_problem(post(&app, &p.lyon, &path, body(&stranger, 100)).await, 404).await;
    assert_problem(post(&app, &p.lyon, &path, body(&support, 5_001)).await, 409).await;
    json_of(post(&app, &p.lyon, &path, body(&support, 5_000)).await, 201).await;
    let supports = app
        .get_json(&format!("/api/v1/projects/{}", id(&project)))
        .await;
    assert_eq!(supports["paid_cents"], 5_000);
}

#[tokio::test]
async fn an_indicator_is_met_when_its_latest_measurement_reaches_the_target_from_its_baseline() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let project = app.validated_project(&p.lead, &p.lyon, json!({})).await;
    let path = format!("/api/v1/projects/{}/indicators", id(&project));
    let cost = json!({"name": "Coût par famille accompagnée", "unit": "€",
                      "baseline": 400.0, "target": 300.0});
    let cost = json_of(post(&app, &p.lead, &path, cost).await, 201).await;
    let use_rate = json!({"name": "Familles utilisant le service", "unit": "%",
                          "baseline": 40, "target": 48});
    json_of(post(&app, &p.lyon, &path, use_rate).await, 201).await;
    let flat = json!({"name": "Indicateur sans direction", "unit": "%",
                      "baseline": 10, "target": 10});
    let problem = assert_problem(post(&app, &p.lead, &path, flat).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "target");

    let measure = format!("{path}/{}/measurements", cost["id"].as_str().expect("id"));
    let value = |v: f64, on: &str| json!({"value": v, "measured_on": on});
    let first = json_of(
        post(&app, &p.lead, &measure, value(350.0, "2026-03-01")).await,
        201,
    )
    .await;
    assert_eq!(first["met"], false);
    let second = json_of(
        post(&app, &p.lead, &measure, value(290.0, "2026-06-01")).await,
        201,
    )
    .await;
    assert_eq!(second["met"], true);
    // An older measurement recorded late does not replace the latest one.
    let late = json_of(
        post(&app, &p.lyon, &measure, value(500.0, "2026-01-15")).await,
        201,
    )
    .await;
    assert_eq!(late["met"], true);
    assert_eq!(late["latest"], 290.0);
    assert_problem(
        post(&app, &p.paris, &measure, value(1.0, "2026-06-02")).await,
        404,
    )
    .await;
    assert_problem(
        post(&app, &p.observer, &measure, value(1.0, "2026-06-02")).await,
        403,
    )
    .await;
    let unknown = format!("{path}/{}/measurements", uuid::Uuid::now_v7());
    assert_problem(
        post(&app, &p.lead, &unknown, value(1.0, "2026-06-02")).await,
        404,
    )
    .await;
    let problem = assert_problem(
        post(
            &app,
            &p.lead,
            &measure,
            json!({"value": 1e13, "measured_on": "2026-06-02"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "value");

    let listed = app.get_json(&path).await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["met"], true);
    assert_eq!(items[0]["measurements"].as_array().map(Vec::len), Some(3));
    assert_eq!(items[0]["measurements"][0]["measured_on"], "2026-01-15");
    assert_eq!(items[1]["met"], false);

    let overview = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(overview["results"]["indicators_total"], 2);
    assert_eq!(overview["results"]["indicators_met"], 1);
    assert_eq!(overview["results"]["projects_with_indicators"], 1);
    let rows = app
        .get_json("/api/v1/stats/territories?level=academy")
        .await;
    let lyon = rows["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["territory"]["id"] == "academy:10")
        .expect("Lyon")
        .clone();
    assert_eq!(lyon["results"]["indicators_met"], 1);
    let paris = rows["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["territory"]["id"] == "academy:01")
        .expect("Paris")
        .clone();
    assert_eq!(paris["results"]["indicators_total"], 0);
    assert!(app.counters_match_a_rebuild().await);
}

#[tokio::test]
async fn the_final_report_is_written_by_the_lead_and_read_by_anyone() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let project = app.validated_project(&p.lead, &p.lyon, json!({})).await;
    let path = format!("/api/v1/projects/{}/report", id(&project));
    assert_problem(app.get(&path).await, 404).await;
    let report = json!({"summary": "Trois classes ont cultivé le jardin.",
                        "results": "Coût par famille : −24 %.\nUsage : +21 %.",
                        "recommendations": "Étendre aux écoles du secteur."});
    assert_problem(
        send(
            &app,
            reqwest::Method::PUT,
            &p.other_lead,
            &path,
            report.clone(),
        )
        .await,
        403,
    )
    .await;
    let incomplete = json!({"summary": "", "results": "x", "recommendations": "y"});
    let problem = assert_problem(
        send(&app, reqwest::Method::PUT, &p.lead, &path, incomplete).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "summary");
    json_of(
        send(&app, reqwest::Method::PUT, &p.lead, &path, report).await,
        200,
    )
    .await;
    let read = app.get_json(&path).await;
    assert_eq!(read["results"], "Coût par famille : −24 %.\nUsage : +21 %.");
    let history = app
        .get_json(&format!("/api/v1/projects/{}/history", id(&project)))
        .await;
    assert!(
        history["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["kind"] == "report")
    );
}

/// A tiny deterministic generator, so that a failing sequence can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % sides
    }
}

#[tokio::test]
async fn counters_equal_a_rebuild_after_a_random_sequence_of_follow_up_writes() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let mut projects = Vec::new();
    let mut supports = Vec::new();
    for territory in ["department:69", "department:01", "department:42"] {
        let project = app
            .validated_project(
                &p.lead,
                &p.lyon,
                json!({"territory": territory,
                "establishment_uai": crate::helpers::uai(&format!("0{}0001", &territory[11..]))}),
            )
            .await;
        supports.push(financial_support(&app, &p.lyon, &project, 50_000).await);
        projects.push(project);
    }
    let mut dice = Dice(20_261_201);
    let mut indicators: Vec<(usize, String)> = Vec::new();
    let mut milestones: Vec<(usize, String)> = Vec::new();
    for step in 0..60 {
        let k = usize::try_from(dice.roll(3)).expect("index");
        let project = id(&projects[k]);
        match dice.roll(5) {
            0 => {
                let body = json!({"title": format!("Jalon {step}"), "due_on": "2026-05-01"});
                let m = json_of(
                    post(
                        &app,
                        &p.lead,
                        &format!("/api/v1/projects/{project}/milestones"),
                        body,
                    )
                    .await,
                    201,
                )
                .await;
                milestones.push((k, m["id"].as_str().expect("id").to_owned()));
            }
            1 if !milestones.is_empty() => {
                let (k, m) =
                    &milestones[usize::try_from(dice.roll(milestones.len() as u64)).expect("i")];
                let done = if dice.roll(2) == 0 {
                    json!(null)
                } else {
                    json!("2026-05-02")
                };
                let response = send(
                    &app,
                    reqwest::Method::PATCH,
                    &p.lyon,
                    &format!("/api/v1/projects/{}/milestones/{m}", id(&projects[*k])),
                    json!({"done_on": done}),
                )
                .await;
                assert_eq!(response.status(), 200);
            }
            2 => {
                let up = dice.roll(2) == 0;
                let body = json!({"name": format!("Indicateur {step}"), "unit": "%",
                                  "baseline": if up { 10 } else { 90 },
                                  "target": if up { 20 } else { 80 }});
                let i = json_of(
                    post(
                        &app,
                        &p.lead,
                        &format!("/api/v1/projects/{project}/indicators"),
                        body,
                    )
                    .await,
                    201,
                )
                .await;
                indicators.push((k, i["id"].as_str().expect("id").to_owned()));
            }
            3 if !indicators.is_empty() => {
                let (k, i) =
                    &indicators[usize::try_from(dice.roll(indicators.len() as u64)).expect("i")];
                let body = json!({"value": dice.roll(100), "measured_on":
                                  format!("2026-0{}-01", 1 + dice.roll(9))});
                let response = post(
                    &app,
                    &p.lead,
                    &format!(
                        "/api/v1/projects/{}/indicators/{i}/measurements",
                        id(&projects[*k])
                    ),
                    body,
                )
                .await;
                assert_eq!(response.status(), 201);
            }
            _ => {
                let body = json!({"support_id": supports[k]["id"],
                                  "amount_cents": 1 + dice.roll(9_000), "paid_on": "2026-06-01"});
                let response = post(
                    &app,
                    &p.lyon,
                    &format!("/api/v1/projects/{project}/payments"),
                    body,
                )
                .await;
                assert!(response.status() == 201 || response.status() == 409);
            }
        }
    }
    let overview = app.get_json("/api/v1/stats/overview").await;
    let mut paid = 0;
    let mut met = 0;
    for project in &projects {
        let read = app
            .get_json(&format!("/api/v1/projects/{}", id(project)))
            .await;
        paid += read["paid_cents"].as_i64().expect("paid");
        met += read["follow_up"]["indicators_met"].as_i64().expect("met");
    }
    assert_eq!(overview["results"]["paid_cents"], paid);
    assert_eq!(overview["results"]["indicators_met"], met);
    assert_eq!(
        overview["results"]["indicators_total"],
        indicators.len() as i64
    );
    assert!(app.counters_match_a_rebuild().await);
}

fn programme(code: &str) -> Value {
    json!({"code": code, "name": "Mobilités du quotidien", "domain": "transport",
           "validation_level": "department",
           "themes": [{"code": "cycling", "label": "Vélo"}, {"code": "buses", "label": "Bus"}]})
}

async fn enums(app: &TestApp, schema: &str) -> Vec<String> {
    let document = app.get_json("/api/v1/openapi.json").await;
    document["components"]["schemas"][schema]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .map(|v| v.as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn a_national_admin_creates_a_programme_usable_at_once_here_and_on_another_instance() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let national = app.account("dgesco", "admin", &[]).await;
    let lyon = app
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let lead = app.lead("cycliste").await;
    assert!(
        !enums(&other, "ProgrammeCode")
            .await
            .contains(&"mobility".to_owned())
    );

    assert_problem(
        post(&app, &lyon, "/api/v1/programmes", programme("mobility")).await,
        403,
    )
    .await;
    let mut twice = programme("mobility");
    twice["themes"][1]["code"] = json!("cycling");
    assert_problem(
        post(&app, &national, "/api/v1/programmes", twice).await,
        409,
    )
    .await;
    let mut bad = programme("Mobility");
    bad["validation_level"] = json!("country");
    assert_problem(post(&app, &national, "/api/v1/programmes", bad).await, 422).await;
    let created = json_of(
        post(&app, &national, "/api/v1/programmes", programme("mobility")).await,
        201,
    )
    .await;
    assert_eq!(created["themes"].as_array().map(Vec::len), Some(2));
    assert_problem(
        post(&app, &national, "/api/v1/programmes", programme("mobility")).await,
        409,
    )
    .await;

    // At once on this instance: a project of it, its lists, the document's enums.
    let body = project_body(json!({"programme": "mobility", "theme": "cycling",
                                   "establishment_uai": null}));
    let here = post(&app, &lead, "/api/v1/projects", body.clone()).await;
    assert_eq!(here.status(), 201);
    assert!(
        enums(&app, "ProgrammeCode")
            .await
            .contains(&"mobility".to_owned())
    );
    assert!(enums(&app, "ThemeCode").await.contains(&"buses".to_owned()));

    // Within five seconds on the other one.
    let started = Instant::now();
    loop {
        let there = post(&other, &lead, "/api/v1/projects", body.clone()).await;
        if there.status() == 201 {
            break;
        }
        assert_eq!(there.status(), 422);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not seen in 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        enums(&other, "ProgrammeCode")
            .await
            .contains(&"mobility".to_owned())
    );
    let listed = other
        .get_as("/api/v1/projects?programme=mobility", &lead.token)
        .await;
    assert_eq!(
        json_of(listed, 200).await["items"].as_array().map(Vec::len),
        Some(2)
    );
    let stats = other.get("/api/v1/stats/overview?programme=mobility").await;
    assert_eq!(stats.status(), 200);
    let dashboard = other.get("/").await.text().await.expect("page");
    assert!(dashboard.contains("Mobilités du quotidien"));

    // Themes: added, and removed only while no project uses them.
    let patched = send(
        &app,
        reqwest::Method::PATCH,
        &national,
        "/api/v1/programmes/mobility",
        json!({"themes": [{"code": "walking", "label": "Marche"}]}),
    )
    .await;
    assert_eq!(json_of(patched, 200).await["themes"][2]["code"], "walking");
    let again = send(
        &app,
        reqwest::Method::PATCH,
        &national,
        "/api/v1/programmes/mobility",
        json!({"themes": [{"code": "walking", "label": "Marche"}]}),
    )
    .await;
    assert_problem(again, 409).await;
    let remove = |theme: &str| {
        app.client
            .delete(app.url(&format!("/api/v1/programmes/mobility/themes/{theme}")))
            .bearer_auth(&national.token)
            .send()
    };
    assert_problem(remove("cycling").await.expect("request"), 409).await;
    assert_eq!(remove("buses").await.expect("request").status(), 204);
    assert_problem(remove("buses").await.expect("request"), 404).await;
    let read = app.get_json("/api/v1/programmes/mobility").await;
    let themes: Vec<&str> = read["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    assert_eq!(themes, ["cycling", "walking"]);
}
