//! Several instances on one database behave as one service (SPEC §21): what one counts, keeps or
//! delivers, the other sees. (Programmes created through one instance and used through another:
//! `follow_up`; a mail delivered once by two instances: `mail`; a token revoked on every
//! instance: `integrations`.)

use serde_json::json;

use crate::helpers::{TestApp, assert_problem, project_body};

#[tokio::test]
async fn the_failed_logins_of_an_account_are_counted_for_the_service_not_per_instance() {
    let first = TestApp::spawn_with(|settings| {
        settings.auth.account_failures = 4;
    })
    .await;
    let second = first.sibling().await;
    first.lead("visee").await;
    let wrong = json!({"email": "visee@example.fr", "password": "pas le bon mot de passe"});
    async fn attempt(app: &TestApp, body: &serde_json::Value) -> reqwest::Response {
        app.post("/api/v1/auth/login", body, None).await
    }
    // Two failures on each instance: four for the account.
    for app in [&first, &second, &first, &second] {
        assert_problem(attempt(app, &wrong).await, 401).await;
    }
    // The next attempt is refused on either instance, the right password included.
    let refused = second
        .post(
            "/api/v1/auth/login",
            &json!({"email": "visee@example.fr", "password": crate::helpers::PASSWORD}),
            None,
        )
        .await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    assert_problem(attempt(&first, &wrong).await, 429).await;
}

#[tokio::test]
async fn an_idempotency_key_replays_on_another_instance() {
    let first = TestApp::spawn().await;
    let second = first.sibling().await;
    let lead = first.lead("prudente").await;
    let send = |app: &TestApp, title: &str| {
        app.client
            .post(app.url("/api/v1/projects"))
            .bearer_auth(&lead.token)
            .header("idempotency-key", "once-across-instances")
            .json(&project_body(json!({"title": title})))
            .send()
    };
    let created = send(&first, "Un jardin partagé").await.expect("request");
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let replayed = send(&second, "Un jardin partagé").await.expect("request");
    assert_eq!(replayed.status(), 201);
    let replayed: serde_json::Value = replayed.json().await.expect("json");
    assert_eq!(replayed["id"], created["id"], "the first answer, replayed");
    let other_body = send(&second, "Un autre jardin").await.expect("request");
    assert_problem(other_body, 422).await;
    let listed: serde_json::Value = second
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_batch_an_instance_took_and_left_unfinished_is_finished_by_another() {
    use terrain_app::batches::{self, BatchInput};
    use terrain_domain::review::BatchAction;

    let first = TestApp::spawn().await;
    let second = first.sibling().await;
    let lead = first.lead("porteuse").await;
    let admin = first
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let project = first
            .create_project(&lead, json!({"title": format!("Projet du lot {n}")}))
            .await;
        let project = first
            .walk(&project, &[(&lead, "submit"), (&admin, "start_review")])
            .await;
        ids.push(project["id"].as_str().expect("id").parse().expect("uuid"));
    }
    // The instance that takes the batch: it accepts it, claims it as its worker does, then
    // stops before deciding anything (it runs no worker at all).
    let settings = first.app().settings().clone();
    first.stop().await.expect("stopped");
    // (Its connections are closed with it: it reaches the database through the pool of the
    // process still running, which changes nothing to what it writes.)
    let store = second.database_handle();
    let gone = terrain_app::App::new(store, settings)
        .await
        .expect("an instance");
    let user = terrain_persistence::repo::users::find(
        gone.store().reader(),
        admin.id.parse().expect("uuid"),
    )
    .await
    .expect("read")
    .expect("the admin");
    let actor = terrain_domain::Actor::from(&user);
    let input = BatchInput {
        action: BatchAction::Validate,
        project_ids: ids.clone(),
        comment: Some("Validé en commission.".into()),
        template_id: None,
    };
    let terrain_app::idempotency::Outcome::Done(batch) =
        batches::create(&gone, &actor, input, None)
            .await
            .expect("batch")
    else {
        panic!("a new batch");
    };
    let now = chrono::Utc::now();
    let txn = gone.store().begin_write().await.expect("transaction");
    let claimed =
        terrain_persistence::repo::batches::claim(&txn, now, now + chrono::Duration::seconds(2))
            .await
            .expect("claim");
    txn.commit().await.expect("commit");
    assert_eq!(claimed, Some(batch.id), "held by the instance that stopped");
    drop(gone);

    // The other instance takes it up once the lease runs out, and finishes it.
    let path = format!("/api/v1/batches/{}", batch.id);
    let mut state = serde_json::Value::Null;
    for _ in 0..100 {
        state = second
            .get_as(&path, &admin.token)
            .await
            .json()
            .await
            .expect("json");
        if state["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state["status"], "done", "{state}");
    let done = state["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["outcome"] == "done")
        .count();
    assert_eq!(done, 3);
    for id in &ids {
        let project = second.get_json(&format!("/api/v1/projects/{id}")).await;
        assert_eq!(project["status"], "validated");
    }
}
