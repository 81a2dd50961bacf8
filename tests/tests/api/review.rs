//! The review workspace API (SPEC §16): queue, followers, private notes, decision templates,
//! batches.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem, uai};

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

async fn lyon_admin(app: &TestApp, name: &str) -> Session {
    app.account(
        name,
        "admin",
        &["--programme", "education", "--territory", "academy:10"],
    )
    .await
}

/// A submitted project in Paris (outside the académie de Lyon).
async fn paris(app: &TestApp, lead: &Session) -> Value {
    let project = app
        .create_project(
            lead,
            json!({"territory": "department:75", "establishment_uai": uai("0750001"), "title": "Un projet parisien"}),
        )
        .await;
    app.walk(&project, &[(lead, "submit")]).await
}

async fn queue(app: &TestApp, session: &Session, query: &str) -> Value {
    let response = app
        .get_as(&format!("/api/v1/review/queue{query}"), &session.token)
        .await;
    assert_eq!(response.status(), 200, "{query}");
    json_of(response).await
}

#[tokio::test]
async fn the_queue_counts_each_tab_of_the_scope_and_lists_it_by_submission() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon_admin(&app, "lyon").await;
    let mut submitted = Vec::new();
    for n in 0..3 {
        let p = app
            .create_project(&lead, json!({"title": format!("À examiner {n}")}))
            .await;
        submitted.push(app.walk(&p, &[(&lead, "submit")]).await);
    }
    let steps =
        |last: &'static str| vec![(&lead, "submit"), (&admin, "start_review"), (&admin, last)];
    for last in ["request_changes", "validate", "reject"] {
        let p = app.create_project(&lead, json!({"title": last})).await;
        app.walk(&p, &steps(last)).await;
    }
    app.create_project(&lead, json!({"title": "Brouillon"}))
        .await;
    paris(&app, &lead).await;

    let all = queue(&app, &admin, "").await;
    assert_eq!(
        all["counts"],
        json!({"to_review": 3, "followed": 3, "waiting": 1, "decided": 2, "all": 6})
    );
    let titles: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["À examiner 0", "À examiner 1", "À examiner 2"]);
    let newest = queue(&app, &admin, "?sort=-submitted_at&limit=1").await;
    assert_eq!(newest["items"][0]["title"], "À examiner 2");
    assert!(newest["next_cursor"].is_string());
    let next = queue(
        &app,
        &admin,
        &format!(
            "?sort=-submitted_at&limit=1&cursor={}",
            newest["next_cursor"].as_str().expect("cursor")
        ),
    )
    .await;
    assert_eq!(next["items"][0]["title"], "À examiner 1");

    let waiting = queue(&app, &admin, "?tab=waiting").await;
    assert_eq!(waiting["items"][0]["title"], "request_changes");
    let nobody = queue(&app, &admin, "?tab=all&follower=none").await;
    assert_eq!(nobody["counts"]["all"], 3);
    let mine = queue(&app, &admin, &format!("?tab=all&follower={}", admin.id)).await;
    assert_eq!(mine["counts"]["all"], 3);
    let searched = queue(&app, &admin, "?tab=all&q=examiner%201").await;
    assert_eq!(searched["counts"]["all"], 1);

    assert_problem(app.get_as("/api/v1/review/queue", &lead.token).await, 403).await;
    assert_problem(
        app.get_as("/api/v1/review/queue?tab=later", &admin.token)
            .await,
        422,
    )
    .await;
    assert_problem(
        app.get_as("/api/v1/review/queue?follower=someone", &admin.token)
            .await,
        422,
    )
    .await;
    assert_problem(
        app.get_as(
            "/api/v1/review/queue?submitted_from=2026-02-01&submitted_to=2026-01-01",
            &admin.token,
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn an_admin_in_charge_assigns_a_colleague_which_the_history_records_without_a_new_version() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon_admin(&app, "lyon").await;
    let colleague = lyon_admin(&app, "collegue").await;
    let elsewhere = app
        .account("ailleurs", "admin", &["--programme", "health"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let path = format!(
        "/api/v1/projects/{}/followers/{}",
        id(&project),
        colleague.id
    );
    let assigned = app
        .client
        .put(app.url(&path))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request");
    assert_eq!(assigned.status(), 200);
    let followers = json_of(assigned).await;
    assert_eq!(followers["items"][0]["id"], colleague.id.as_str());
    let after: Value = json_of(
        app.get_as(&format!("/api/v1/projects/{}", id(&project)), &admin.token)
            .await,
    )
    .await;
    assert_eq!(
        after["version"], project["version"],
        "following changes no version"
    );
    let history = json_of(
        app.get_as(
            &format!("/api/v1/projects/{}/history", id(&project)),
            &lead.token,
        )
        .await,
    )
    .await;
    let last = history["items"]
        .as_array()
        .expect("items")
        .last()
        .cloned()
        .expect("entry");
    assert_eq!(last["kind"], "assignment");
    assert_eq!(last["action"], "follow");
    assert_eq!(last["to"], colleague.id.as_str());

    // Assigning a lead, or by an administrator of another scope, is refused.
    let lead_path = format!("/api/v1/projects/{}/followers/{}", id(&project), lead.id);
    let to_lead = app
        .client
        .put(app.url(&lead_path))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request");
    assert_problem(to_lead, 422).await;
    let outside = app
        .client
        .put(app.url(&path))
        .bearer_auth(&elsewhere.token)
        .send()
        .await
        .expect("request");
    assert_problem(outside, 404).await;
    let by_lead = app
        .client
        .put(app.url(&path))
        .bearer_auth(&lead.token)
        .send()
        .await
        .expect("request");
    assert_problem(by_lead, 403).await;

    // The project is no longer « À examiner »: it is followed.
    assert_eq!(queue(&app, &admin, "").await["counts"]["to_review"], 0);
    let removed = app.delete(&path, &admin, None).await;
    assert_eq!(removed.status(), 200);
    assert_eq!(json_of(removed).await["items"], json!([]));
    assert_eq!(queue(&app, &admin, "").await["counts"]["to_review"], 1);
}

#[tokio::test]
async fn private_notes_are_for_the_admins_in_charge_and_never_exported() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon_admin(&app, "lyon").await;
    let elsewhere = app
        .account("ailleurs", "admin", &["--programme", "health"])
        .await;
    let observer = app.account("observatoire", "observer", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let path = format!("/api/v1/projects/{}/notes", id(&project));
    let secret = "Le budget semble surévalué : à vérifier avec le rectorat.";
    let added = app
        .post(&path, &json!({"body": secret}), Some(&admin.token))
        .await;
    assert_eq!(added.status(), 201);
    let notes = json_of(app.get_as(&path, &admin.token).await).await;
    assert_eq!(notes["items"][0]["body"], secret);
    assert_eq!(notes["items"][0]["author"]["display_name"], "lyon");

    assert_problem(app.get_as(&path, &lead.token).await, 403).await;
    assert_problem(app.get_as(&path, &observer.token).await, 403).await;
    assert_problem(app.get_as(&path, &elsewhere.token).await, 404).await;
    assert_problem(
        app.post(&path, &json!({"body": "moi aussi"}), Some(&lead.token))
            .await,
        403,
    )
    .await;
    assert_problem(
        app.post(&path, &json!({"body": ""}), Some(&admin.token))
            .await,
        422,
    )
    .await;
    for session in [&admin, &observer] {
        let csv = app
            .get_as("/api/v1/exports/projects.csv", &session.token)
            .await
            .text()
            .await
            .expect("csv");
        assert!(csv.contains("Un jardin pédagogique partagé"), "{csv}");
        assert!(!csv.contains("surévalué"), "a note leaked into the export");
    }
    let detail = app
        .get_as(&format!("/api/v1/projects/{}", id(&project)), &lead.token)
        .await
        .text()
        .await
        .expect("body");
    assert!(!detail.contains("surévalué"));
}

#[tokio::test]
async fn decision_templates_belong_to_the_admins_of_their_programme() {
    let app = TestApp::spawn().await;
    let education = lyon_admin(&app, "lyon").await;
    let health = app
        .account("ars", "admin", &["--programme", "health"])
        .await;
    let body = json!({"programme": "education", "action": "request_changes",
                      "title": "Budget à préciser", "body": "Précisez le budget poste par poste."});
    let created = app
        .post("/api/v1/decision-templates", &body, Some(&education.token))
        .await;
    assert_eq!(created.status(), 201);
    let template = json_of(created).await;
    assert_problem(
        app.post("/api/v1/decision-templates", &body, Some(&health.token))
            .await,
        403,
    )
    .await;
    let submit = json!({"programme": "education", "action": "submit", "title": "x", "body": "y"});
    assert_problem(
        app.post(
            "/api/v1/decision-templates",
            &submit,
            Some(&education.token),
        )
        .await,
        422,
    )
    .await;

    let listed = json_of(
        app.get_as("/api/v1/decision-templates", &education.token)
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    let theirs = json_of(
        app.get_as("/api/v1/decision-templates", &health.token)
            .await,
    )
    .await;
    assert_eq!(
        theirs["items"],
        json!([]),
        "another programme's templates are not shown"
    );
    let path = format!("/api/v1/decision-templates/{}", id(&template));
    let patched = app
        .patch(
            &path,
            &education,
            None,
            &json!({"title": "Budget détaillé"}),
        )
        .await;
    assert_eq!(json_of(patched).await["title"], "Budget détaillé");
    let bell = app
        .patch(&path, &education, None, &json!({"body": "Sonnez\u{7} ici"}))
        .await;
    assert_problem(bell, 422).await;
    let kept = json_of(app.get_as(&path, &education.token).await).await;
    assert_eq!(kept["body"], "Précisez le budget poste par poste.");
    assert_problem(app.delete(&path, &health, None).await, 404).await;
    assert_eq!(app.delete(&path, &education, None).await.status(), 204);
    assert_problem(app.get_as(&path, &education.token).await, 404).await;
}

async fn finished(app: &TestApp, admin: &Session, batch: &str) -> Value {
    for _ in 0..200 {
        let state = json_of(
            app.get_as(&format!("/api/v1/batches/{batch}"), &admin.token)
                .await,
        )
        .await;
        if state["status"] == "done" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the batch did not finish");
}

#[tokio::test]
async fn a_batch_validates_what_it_may_and_skips_the_rest_with_its_reasons() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon_admin(&app, "lyon").await;
    let national = app.account("nationale", "admin", &[]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let p = app
            .create_project(&lead, json!({"title": format!("Projet {n}")}))
            .await;
        ids.push(id(&app
            .walk(&p, &[(&lead, "submit"), (&admin, "start_review")])
            .await));
    }
    let outside = paris(&app, &lead).await;
    let outside = app.walk(&outside, &[(&national, "start_review")]).await;
    let not_yet = app
        .create_project(&lead, json!({"title": "Pas encore examiné"}))
        .await;
    let not_yet = app.walk(&not_yet, &[(&lead, "submit")]).await;
    ids.push(id(&outside));
    ids.push(id(&not_yet));

    let body = json!({"action": "validate", "project_ids": ids, "comment": "Validé en commission du 1er décembre."});
    let request = || {
        app.client
            .post(app.url("/api/v1/batches"))
            .bearer_auth(&admin.token)
            .header("idempotency-key", "commission-2026-12-01")
            .json(&body)
            .send()
    };
    let accepted = request().await.expect("request");
    assert_eq!(accepted.status(), 202);
    let location = accepted.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let batch = json_of(accepted).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(location, format!("/api/v1/batches/{batch}"));
    let again = request().await.expect("request");
    assert_eq!(again.status(), 202);
    assert_eq!(
        json_of(again).await["id"],
        batch.as_str(),
        "same key, same batch"
    );

    let state = finished(&app, &admin, &batch).await;
    let results = state["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    let done = results.iter().filter(|r| r["outcome"] == "done").count();
    assert_eq!(done, 5);
    let skipped: Vec<&Value> = results
        .iter()
        .filter(|r| r["outcome"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0]["project_id"], id(&outside).as_str());
    assert!(
        skipped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("périmètre")),
        "{:?}",
        skipped[0]
    );
    assert!(
        skipped[1]["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{:?}",
        skipped[1]
    );

    let first = json_of(
        app.get_as(&format!("/api/v1/projects/{}", ids[0]), &lead.token)
            .await,
    )
    .await;
    assert_eq!(first["status"], "validated");
    let history = json_of(
        app.get_as(&format!("/api/v1/projects/{}/history", ids[0]), &lead.token)
            .await,
    )
    .await;
    let last = history["items"]
        .as_array()
        .expect("items")
        .last()
        .cloned()
        .expect("entry");
    assert_eq!(last["batch_id"], batch.as_str());
    assert_eq!(last["comment"], "Validé en commission du 1er décembre.");
    let untouched = json_of(
        app.get_as(
            &format!("/api/v1/projects/{}", id(&outside)),
            &national.token,
        )
        .await,
    )
    .await;
    assert_eq!(untouched["status"], "under_review");

    // Another administrator cannot read it; a national one can.
    let other = lyon_admin(&app, "autre").await;
    assert_problem(
        app.get_as(&format!("/api/v1/batches/{batch}"), &other.token)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.get_as(&format!("/api/v1/batches/{batch}"), &national.token)
            .await
            .status(),
        200
    );
    assert!(app.counters_match_a_rebuild().await);
}

#[tokio::test]
async fn a_batch_refuses_more_than_500_projects_and_uses_a_template_as_its_comment() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon_admin(&app, "lyon").await;
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let refused = app
        .post(
            "/api/v1/batches",
            &json!({"action": "validate", "project_ids": too_many}),
            Some(&admin.token),
        )
        .await;
    assert_problem(refused, 422).await;
    assert_problem(
        app.post(
            "/api/v1/batches",
            &json!({"action": "validate", "project_ids": []}),
            Some(&admin.token),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post("/api/v1/batches", &json!({"action": "validate", "project_ids": [id(&json!({"id": uuid::Uuid::now_v7()}))]}), Some(&lead.token)).await,
        403,
    )
    .await;

    let template = json_of(
        app.post(
            "/api/v1/decision-templates",
            &json!({"programme": "education", "action": "request_changes", "title": "Budget",
                    "body": "Précisez le budget poste par poste."}),
            Some(&admin.token),
        )
        .await,
    )
    .await;
    let p = app.create_project(&lead, json!({})).await;
    let p = app
        .walk(&p, &[(&lead, "submit"), (&admin, "start_review")])
        .await;
    let accepted = app
        .post(
            "/api/v1/batches",
            &json!({"action": "request_changes", "project_ids": [id(&p)], "template_id": id(&template)}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(accepted.status(), 202);
    let batch = json_of(accepted).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let state = finished(&app, &admin, &batch).await;
    assert_eq!(state["results"][0]["outcome"], "done", "{state:#}");
    let history = json_of(
        app.get_as(&format!("/api/v1/projects/{}/history", id(&p)), &lead.token)
            .await,
    )
    .await;
    let last = history["items"]
        .as_array()
        .expect("items")
        .last()
        .cloned()
        .expect("entry");
    assert_eq!(last["comment"], "Précisez le budget poste par poste.");
    // Without a comment nor a template, a request for changes is skipped with the reason.
    let p2 = app
        .create_project(&lead, json!({"title": "Sans commentaire"}))
        .await;
    let p2 = app
        .walk(&p2, &[(&lead, "submit"), (&admin, "start_review")])
        .await;
    let accepted = app
        .post(
            "/api/v1/batches",
            &json!({"action": "request_changes", "project_ids": [id(&p2)]}),
            Some(&admin.token),
        )
        .await;
    let batch = json_of(accepted).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let state = finished(&app, &admin, &batch).await;
    assert_eq!(state["results"][0]["outcome"], "skipped", "{state:#}");
}
