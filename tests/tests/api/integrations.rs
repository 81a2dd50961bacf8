//! API tokens (SPEC §12) and the change feed (§13), driven over HTTP as an integrator would.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem, project_body, uai};
use crate::pages::Browser;

fn in_days(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

/// Creates a token for `owner` with `extra` merged in; returns the answer's body.
async fn token(app: &TestApp, owner: &Session, access: &str, extra: Value) -> Value {
    let mut body = json!({"name": "Mon script", "access": access, "expires_on": in_days(30)});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = app
        .post("/api/v1/me/tokens", &body, Some(&owner.token))
        .await;
    assert_eq!(response.status(), 201, "create token");
    response.json().await.expect("token")
}

/// The same person, acting through an API token.
fn through(owner: &Session, token: &Value) -> Session {
    Session {
        token: token["token"].as_str().expect("secret").to_owned(),
        ..owner.clone()
    }
}

#[tokio::test]
async fn a_token_is_shown_once_and_listed_without_its_secret_with_its_last_use() {
    let app = TestApp::spawn().await;
    let lead = app.lead("analyste").await;
    let created = token(&app, &lead, "read", json!({})).await;
    let secret = created["token"].as_str().expect("secret");
    assert!(secret.starts_with("trn_"), "{secret}");
    assert!(secret.len() >= 4 + 43, "32 random bytes at least: {secret}");
    let listed = app.get_as("/api/v1/me/tokens", &lead.token).await;
    assert_eq!(listed.status(), 200);
    let listed = listed.text().await.expect("text");
    assert!(!listed.contains(secret), "the secret is never listed again");
    let listed: Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(listed["items"][0]["name"], "Mon script");
    assert_eq!(listed["items"][0]["last_used_at"], Value::Null);

    let me = app.get_as("/api/v1/me", secret).await;
    assert_eq!(me.status(), 200);
    let listed: Value = app
        .get_as("/api/v1/me/tokens", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(listed["items"][0]["last_used_at"].is_string(), "{listed}");
}

#[tokio::test]
async fn a_read_token_reads_with_its_owners_rights_and_any_write_is_403() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let id = project["id"].as_str().expect("id");
    let reader = through(&lead, &token(&app, &lead, "read", json!({})).await);
    assert_eq!(
        app.get_as(&format!("/api/v1/projects/{id}"), &reader.token)
            .await
            .status(),
        200,
        "its owner's draft"
    );
    let other = app.lead("autre").await;
    let foreign = app.create_project(&other, json!({})).await;
    assert_eq!(
        app.get_as(
            &format!("/api/v1/projects/{}", foreign["id"].as_str().expect("id")),
            &reader.token
        )
        .await
        .status(),
        404,
        "no more than its owner sees"
    );
    let created = app
        .post(
            "/api/v1/projects",
            &project_body(json!({})),
            Some(&reader.token),
        )
        .await;
    assert_problem(created, 403).await;
    let patched = app
        .patch(
            &format!("/api/v1/projects/{id}"),
            &reader,
            Some("\"1\""),
            &json!({"title": "Autre titre"}),
        )
        .await;
    assert_problem(patched, 403).await;
    let unchanged: Value = app
        .get_as(&format!("/api/v1/projects/{id}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unchanged["version"], 1);

    let writer = through(&lead, &token(&app, &lead, "write", json!({})).await);
    let renamed = app
        .patch(
            &format!("/api/v1/projects/{id}"),
            &writer,
            Some("\"1\""),
            &json!({"title": "Un titre changé par script"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
}

#[tokio::test]
async fn a_token_narrowed_to_a_territory_acts_only_there_even_for_a_national_admin() {
    let app = TestApp::spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let lead = app.lead("porteur").await;
    let lyon = app
        .create_project(&lead, json!({"territory": "department:69"}))
        .await;
    let grenoble = app
        .create_project(
            &lead,
            json!({"territory": "department:38", "establishment_uai": uai("0380001")}),
        )
        .await;
    for project in [&lyon, &grenoble] {
        app.walk(project, &[(&lead, "submit")]).await;
    }
    let narrowed = through(
        &admin,
        &token(&app, &admin, "write", json!({"territory": "academy:10"})).await,
    );
    let lyon_id = lyon["id"].as_str().expect("id");
    let grenoble_id = grenoble["id"].as_str().expect("id");
    let started = app
        .transition(&narrowed, lyon_id, "start_review", None, 2)
        .await;
    assert_eq!(started.status(), 200, "inside the token's territory");
    let elsewhere = app
        .transition(&narrowed, grenoble_id, "start_review", None, 2)
        .await;
    assert_problem(elsewhere, 404).await;
    let listed: Value = app
        .get_as("/api/v1/projects?status=submitted", &narrowed.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        listed["items"].as_array().expect("items").is_empty(),
        "{listed}"
    );
    let with_session = app
        .transition(&admin, grenoble_id, "start_review", None, 2)
        .await;
    assert_eq!(with_session.status(), 200, "the session keeps every right");
    // Narrowed below the national scope, the token cannot manage accounts.
    assert_problem(app.get_as("/api/v1/users", &narrowed.token).await, 403).await;
}

#[tokio::test]
async fn revoked_expired_and_unknown_tokens_and_a_disabled_owner_are_401_on_every_instance() {
    let app = TestApp::spawn().await;
    let other_instance = app.sibling().await;
    let national = app.account("nationale", "admin", &[]).await;
    let lead = app.lead("porteuse").await;
    let kept = through(&lead, &token(&app, &lead, "read", json!({})).await);
    let revoked = token(&app, &lead, "read", json!({"name": "Ancien script"})).await;
    let revoked_id = revoked["id"].as_str().expect("id");
    let revoked = through(&lead, &revoked);
    assert_eq!(
        other_instance
            .get_as("/api/v1/me", &revoked.token)
            .await
            .status(),
        200
    );
    let gone = app
        .delete(&format!("/api/v1/me/tokens/{revoked_id}"), &lead, None)
        .await;
    assert_eq!(gone.status(), 204);
    assert_problem(
        other_instance.get_as("/api/v1/me", &revoked.token).await,
        401,
    )
    .await;
    assert_problem(
        app.delete(&format!("/api/v1/me/tokens/{revoked_id}"), &lead, None)
            .await,
        404,
    )
    .await;
    let unknown = format!("trn_{}", "A".repeat(43));
    assert_problem(app.get_as("/api/v1/me", &unknown).await, 401).await;

    let expiring = token(&app, &lead, "read", json!({"name": "Expiré"})).await;
    app.execute_sql(&format!(
        "UPDATE api_tokens SET expires_on = '2020-01-01' WHERE name = '{}'",
        expiring["name"].as_str().expect("name")
    ))
    .await
    .expect("expire");
    assert_problem(
        app.get_as("/api/v1/me", expiring["token"].as_str().expect("secret"))
            .await,
        401,
    )
    .await;

    assert_eq!(app.get_as("/api/v1/me", &kept.token).await.status(), 200);
    let disabled = app
        .patch(
            &format!("/api/v1/users/{}", lead.id),
            &national,
            None,
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(disabled.status(), 200);
    assert_problem(other_instance.get_as("/api/v1/me", &kept.token).await, 401).await;
}

#[tokio::test]
async fn a_token_cannot_create_list_or_revoke_tokens() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let created = token(&app, &lead, "write", json!({})).await;
    let id = created["id"].as_str().expect("id");
    let program = through(&lead, &created);
    let body = json!({"name": "Encore", "access": "write", "expires_on": in_days(10)});
    assert_problem(
        app.post("/api/v1/me/tokens", &body, Some(&program.token))
            .await,
        403,
    )
    .await;
    assert_problem(app.get_as("/api/v1/me/tokens", &program.token).await, 403).await;
    assert_problem(
        app.delete(&format!("/api/v1/me/tokens/{id}"), &program, None)
            .await,
        403,
    )
    .await;
    assert_eq!(app.get_as("/api/v1/me", &program.token).await.status(), 200);
}

#[tokio::test]
async fn a_national_admin_lists_and_revokes_anyones_tokens_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let national = app.account("nationale", "admin", &[]).await;
    let scoped = app
        .account("academique", "admin", &["--territory", "academy:10"])
        .await;
    let lead = app.lead("porteuse").await;
    let created = token(&app, &lead, "read", json!({})).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/tokens?account={}", lead.id);
    assert_problem(app.get_as(&path, &scoped.token).await, 403).await;
    assert_problem(app.get_as(&path, &lead.token).await, 403).await;
    let listed: Value = app
        .get_as(&path, &national.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"][0]["id"], id);
    assert_problem(
        app.delete(&format!("/api/v1/tokens/{id}"), &scoped, None)
            .await,
        403,
    )
    .await;
    let revoked = app
        .delete(&format!("/api/v1/tokens/{id}"), &national, None)
        .await;
    assert_eq!(revoked.status(), 204);
    assert_problem(
        app.get_as("/api/v1/me", created["token"].as_str().expect("secret"))
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn a_token_beyond_a_year_or_outside_its_owners_scope_is_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let admin = app
        .account("academique", "admin", &["--programme", "education"])
        .await;
    let cases = [
        (json!({"expires_on": in_days(400)}), "expires_on"),
        (json!({"expires_on": in_days(0)}), "expires_on"),
        (json!({"programme": "health"}), "programme"),
        (json!({"programme": "nope"}), "programme"),
        (json!({"territory": "department:999"}), "territory"),
        (json!({"name": " espace"}), "name"),
    ];
    for (change, field) in cases {
        let mut body = json!({"name": "Script", "access": "read", "expires_on": in_days(30)});
        if let (Some(body), Some(change)) = (body.as_object_mut(), change.as_object()) {
            body.extend(change.clone());
        }
        let answer = app
            .post("/api/v1/me/tokens", &body, Some(&admin.token))
            .await;
        let problem = assert_problem(answer, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let listed: Value = app
        .get_as("/api/v1/me/tokens", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(listed["items"].as_array().expect("items").is_empty());
}

/// Reads the whole feed after `cursor` as `session`; returns the items and the new cursor.
async fn read_feed(app: &TestApp, session: &Session, mut cursor: i64) -> (Vec<Value>, i64) {
    let mut items = Vec::new();
    loop {
        let page: Value = app
            .get_as(
                &format!("/api/v1/changes?after={cursor}&limit=100"),
                &session.token,
            )
            .await
            .json()
            .await
            .expect("json");
        let got = page["items"].as_array().expect("items").clone();
        let next = page["next_cursor"].as_i64().expect("cursor");
        if got.is_empty() {
            assert_eq!(next, cursor, "an empty page keeps the cursor");
            return (items, cursor);
        }
        for item in &got {
            let seq = item["seq"].as_i64().expect("seq");
            assert!(seq > cursor, "in commit order");
            cursor = seq;
        }
        assert_eq!(next, cursor);
        items.extend(got);
    }
}

#[tokio::test]
async fn a_mirror_that_applies_the_feed_from_the_start_ends_equal_to_the_api_after_deletions() {
    let app = TestApp::spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let observer = app.account("analyste", "observer", &[]).await;
    let lead = app.lead("porteuse").await;
    let validated = app.validated_project(&lead, &admin, json!({})).await;
    let submitted = app.create_project(&lead, json!({"title": "Déposé"})).await;
    app.walk(&submitted, &[(&lead, "submit")]).await;
    let draft = app
        .create_project(&lead, json!({"title": "Brouillon"}))
        .await;
    let mut events = Vec::new();
    for title in ["Atelier des parents", "Forum santé", "Réunion publique"] {
        events.push(app.record_event(&lead, title).await);
    }
    let removed = events[1]["id"].as_str().expect("id");
    let deleted = app
        .delete(&format!("/api/v1/events/{removed}"), &lead, None)
        .await;
    assert_eq!(deleted.status(), 204);

    // The mirror applies each change by reading the thing's current state.
    let (items, _) = read_feed(&app, &observer, 0).await;
    let mut projects = BTreeSet::new();
    let mut mirrored_events = BTreeSet::new();
    for item in &items {
        let id = item["id"].as_str().expect("id").to_owned();
        let kind = item["type"].as_str().expect("type");
        let (path, set) = if kind.starts_with("project.") {
            (format!("/api/v1/projects/{id}"), &mut projects)
        } else if kind.starts_with("event.") {
            (format!("/api/v1/events/{id}"), &mut mirrored_events)
        } else {
            continue;
        };
        match app.get_as(&path, &observer.token).await.status().as_u16() {
            200 => set.insert(id),
            404 => set.remove(&id),
            other => panic!("{path}: {other}"),
        };
    }
    assert_eq!(
        projects,
        app.listed_ids("/api/v1/projects?limit=100", &observer)
            .await
    );
    assert!(projects.contains(validated["id"].as_str().expect("id")));
    assert!(
        !projects.contains(draft["id"].as_str().expect("id")),
        "a draft is the lead's alone"
    );
    assert_eq!(
        mirrored_events,
        app.listed_ids("/api/v1/events?limit=100", &observer).await
    );
    assert_eq!(mirrored_events.len(), 2);
    assert!(
        items
            .iter()
            .any(|i| i["type"] == "event.deleted" && i["id"] == removed),
        "the deletion is in the feed"
    );
}

#[tokio::test]
async fn the_feed_shows_each_caller_only_what_it_may_see_now() {
    let app = TestApp::spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let observer = app.account("analyste", "observer", &[]).await;
    let lead = app.lead("porteuse").await;
    let stranger = app.lead("voisin").await;
    let project = app.create_project(&lead, json!({})).await;
    let id = project["id"].as_str().expect("id");
    let about = |items: &[Value]| {
        items
            .iter()
            .filter(|i| i["id"] == id)
            .map(|i| i["type"].as_str().expect("type").to_owned())
            .collect::<Vec<_>>()
    };
    let (mine, _) = read_feed(&app, &lead, 0).await;
    assert_eq!(about(&mine), ["project.created"]);
    let (theirs, _) = read_feed(&app, &observer, 0).await;
    assert!(
        about(&theirs).is_empty(),
        "a draft is not in an observer's feed"
    );

    app.walk(&project, &[(&lead, "submit"), (&admin, "start_review")])
        .await;
    let (theirs, _) = read_feed(&app, &observer, 0).await;
    assert_eq!(
        about(&theirs),
        [
            "project.created",
            "project.status_changed",
            "project.status_changed"
        ],
        "visible now, its whole past with it"
    );
    let (strangers, _) = read_feed(&app, &stranger, 0).await;
    assert!(
        about(&strangers).is_empty(),
        "another lead sees it only once validated"
    );
    let negative = app.get_as("/api/v1/changes?after=-1", &lead.token).await;
    assert_problem(negative, 422).await;
    assert_problem(app.get("/api/v1/changes").await, 401).await;
}

#[tokio::test]
async fn a_reader_following_the_feed_during_concurrent_writes_never_skips_an_entry() {
    let app = TestApp::spawn().await;
    let observer = app.account("analyste", "observer", &[]).await;
    let mut leads = Vec::new();
    for i in 0..8 {
        leads.push(app.lead(&format!("porteur{i}")).await);
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    let app = &app;
    let writers = async {
        let writes = leads.iter().flat_map(|lead| {
            (0..15).map(move |n| async move {
                let project = app
                    .create_project(
                        lead,
                        json!({"title": format!("Projet {n} de {}", lead.email)}),
                    )
                    .await;
                app.walk(&project, &[(lead, "submit")]).await;
                project["id"].as_str().expect("id").to_owned()
            })
        });
        let ids = futures::future::join_all(writes).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        ids
    };
    let reader = async {
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        loop {
            let finished = done.load(std::sync::atomic::Ordering::SeqCst);
            let (items, next) = read_feed(app, &observer, cursor).await;
            cursor = next;
            for item in items {
                if item["type"] == "project.status_changed" {
                    seen.insert(item["id"].as_str().expect("id").to_owned());
                }
            }
            if finished {
                return seen;
            }
        }
    };
    let (written, seen) = futures::future::join(writers, reader).await;
    let written: BTreeSet<String> = written.into_iter().collect();
    assert_eq!(written.len(), 120);
    assert_eq!(seen, written, "every submission read, none skipped");
}

#[tokio::test]
async fn a_person_creates_sees_once_and_revokes_a_token_on_the_tokens_page() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "analyste").await;
    let page = browser.get("/espace/jetons").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Vous n'avez aucun jeton."));
    let wrong = page
        .form("/espace/jetons")
        .set("name", "")
        .set("expires_on", &in_days(500));
    let refused = browser.send(wrong).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.error_for("name").is_some(),
        "{:?}",
        refused.summary()
    );
    assert!(
        refused.error_for("expires_on").is_some(),
        "{:?}",
        refused.summary()
    );
    let form = refused
        .form("/espace/jetons")
        .set("name", "Mon tableur")
        .set("expires_on", &in_days(60));
    let created = browser.send(form).await;
    assert_eq!(created.status, 201);
    let secret = created
        .text()
        .split_whitespace()
        .find(|w| w.starts_with("trn_") && w.len() > 40)
        .expect("the secret is shown")
        .to_owned();
    let lead = app.login("analyste@example.fr").await;
    assert_eq!(app.get_as("/api/v1/me", &secret).await.status(), 200);
    let again = browser.get("/espace/jetons").await;
    assert!(again.text().contains("Mon tableur"));
    assert!(!again.body.contains(&secret), "shown once only");
    let listed: Value = app
        .get_as("/api/v1/me/tokens", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    let id = listed["items"][0]["id"].as_str().expect("id");
    let revoke = again.form(&format!("/espace/jetons/{id}/revocation"));
    let revoked = browser.send(revoke).await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.notice().is_some_and(|n| n.contains("révoqué")));
    assert_problem(app.get_as("/api/v1/me", &secret).await, 401).await;
}

#[tokio::test]
async fn a_change_committed_after_an_earlier_one_is_never_read_before_it() {
    use terrain_domain::ChangeType;
    use terrain_persistence::repo::changes::{self, NewChange};
    let app = TestApp::spawn().await;
    let db = app.database_handle();
    let change = |code: &str| NewChange {
        kind: ChangeType::FundCreated,
        entity_id: code.to_owned(),
        project_id: None,
        programme: None,
        territory: None,
        at: Utc::now(),
    };
    let read = || async {
        changes::after(db.reader(), None, 0, 100)
            .await
            .expect("read")
            .items
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    // A first writer has appended its change (its `seq` is taken) but not committed yet.
    let first = db.begin_write().await.expect("begin");
    changes::append(&first, &[change("PREMIER")])
        .await
        .expect("append");
    // A second writer appends and commits meanwhile.
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let tx = db.begin_write().await.expect("begin");
            tx.record(NewChange {
                kind: ChangeType::FundCreated,
                entity_id: "SECOND".to_owned(),
                project_id: None,
                programme: None,
                territory: None,
                at: Utc::now(),
            });
            tx.commit().await.expect("commit");
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // A reader now must not see the second change alone: it would move its cursor past the
    // first one's `seq` and never read it.
    assert_eq!(read().await, Vec::<String>::new());
    first.commit().await.expect("commit");
    second.await.expect("second writer");
    assert_eq!(read().await, ["PREMIER", "SECOND"]);
}
