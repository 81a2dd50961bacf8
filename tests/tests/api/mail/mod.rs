//! Mails (SPEC §11), received by a real SMTP server on loopback.

pub(crate) mod smtp;

use secrecy::SecretString;
use serde_json::{Value, json};

use self::smtp::SmtpSink;
use crate::{
    helpers::{PASSWORD, Session, TestApp, assert_problem},
    pages::Browser,
};

const PUBLIC: &str = "http://terrain.test";

async fn with_mail(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |settings| {
        settings.mail.smtp_url = Some(SecretString::from(url));
        settings.outbox.poll_interval_ms = 50;
        settings.server.public_url = Some(PUBLIC.into());
    })
    .await
}

fn id(project: &Value) -> &str {
    project["id"].as_str().expect("id")
}

/// The deliveries the national admin `admin` sees, newest first.
async fn deliveries(app: &TestApp, admin: &Session, query: &str) -> Vec<Value> {
    let list: Value = app
        .get_as(&format!("/api/v1/deliveries{query}"), &admin.token)
        .await
        .json()
        .await
        .expect("json");
    list["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_lead_hears_of_every_decision_and_the_admins_of_each_submission() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("porteuse").await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let colleague = app
        .account("collegue", "admin", &["--programme", "education"])
        .await;
    let elsewhere = app
        .account("sante", "admin", &["--programme", "health"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let link = format!("{PUBLIC}/espace/projets/{}", id(&project));

    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let receipt = &sink.wait_for("porteuse@example.fr", 1).await[0];
    assert_eq!(
        receipt.subject,
        "Accusé de réception : « Un jardin pédagogique partagé »"
    );
    assert!(
        receipt.text.contains("a été déposé le "),
        "{}",
        receipt.text
    );
    assert!(receipt.text.contains(&link), "{}", receipt.text);
    let html = receipt.html.replace("&#x2f;", "/");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    // Nobody follows the project yet: every instant admin in scope hears of it.
    for admin in ["instructrice@example.fr", "collegue@example.fr"] {
        let mail = &sink.wait_for(admin, 1).await[0];
        assert_eq!(
            mail.subject,
            "Nouveau projet déposé : « Un jardin pédagogique partagé »"
        );
        assert!(
            mail.text
                .contains(&format!("{PUBLIC}/instruction/projets/{}", id(&project)))
        );
    }
    assert!(sink.to("sante@example.fr").is_empty(), "outside the scope");

    let project = app
        .walk(
            &project,
            &[(&reviewer, "start_review"), (&reviewer, "request_changes")],
        )
        .await;
    let changes = &sink.wait_for("porteuse@example.fr", 2).await[1];
    assert!(
        changes.subject.starts_with("Modifications demandées"),
        "{}",
        changes.subject
    );
    assert!(
        changes.text.contains("« Motif de la décision »"),
        "{}",
        changes.text
    );

    // The reviewer who started the review follows the project: only she hears of the
    // resubmission.
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let again = &sink.wait_for("porteuse@example.fr", 3).await[2];
    assert!(again.text.contains("déposé à nouveau"), "{}", again.text);
    let followed = &sink.wait_for("instructrice@example.fr", 2).await[1];
    assert!(
        followed.subject.starts_with("Projet déposé à nouveau"),
        "{}",
        followed.subject
    );

    let project = app
        .walk(
            &project,
            &[(&reviewer, "start_review"), (&reviewer, "validate")],
        )
        .await;
    let validated = &sink.wait_for("porteuse@example.fr", 4).await[3];
    assert!(
        validated.subject.starts_with("Projet validé"),
        "{}",
        validated.subject
    );

    let fund = app
        .post(
            "/api/v1/funds",
            &json!({"code": "FIP-2025-RHONE", "name": "Fonds du Rhône", "programme": "education",
                    "territory": "department:69", "year": 2025, "envelope_cents": 1_000_000}),
            Some(&reviewer.token),
        )
        .await;
    assert_eq!(fund.status(), 201);
    let granted = app
        .post(
            &format!("/api/v1/projects/{}/supports", id(&project)),
            &json!({"kind": "financial", "fund": "FIP-2025-RHONE", "amount_cents": 150_050}),
            Some(&reviewer.token),
        )
        .await;
    assert_eq!(granted.status(), 201);
    let support = &sink.wait_for("porteuse@example.fr", 5).await[4];
    assert!(
        support.subject.starts_with("Soutien accordé"),
        "{}",
        support.subject
    );
    assert!(
        support.text.contains("1\u{202f}500,50 €"),
        "{}",
        support.text
    );
    assert!(support.text.contains("FIP-2025-RHONE"), "{}", support.text);

    // Nothing else went out: the colleague heard only of the first submission.
    assert_eq!(sink.to("collegue@example.fr").len(), 1);
    let _ = (colleague, elsewhere);
}

#[tokio::test]
async fn a_rejection_and_a_reopening_carry_their_comment() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("refusee").await;
    let admin = app.account("commission", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app
        .walk(
            &project,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "reject"),
            ],
        )
        .await;
    let rejected = &sink.wait_for("refusee@example.fr", 2).await[1];
    assert!(
        rejected.subject.starts_with("Projet refusé"),
        "{}",
        rejected.subject
    );
    assert!(rejected.text.contains("« Motif de la décision »"));
    app.walk(&project, &[(&admin, "reopen")]).await;
    let reopened = &sink.wait_for("refusee@example.fr", 3).await[2];
    assert!(
        reopened.subject.starts_with("Décision rouverte"),
        "{}",
        reopened.subject
    );
}

#[tokio::test]
async fn a_refused_write_sends_nothing() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("incomplete").await;
    let admin = app.account("nationale", "admin", &[]).await;
    let incomplete = app
        .create_project(
            &lead,
            json!({"stakeholders": [], "establishment_uai": null}),
        )
        .await;
    let refused = app
        .transition(&lead, id(&incomplete), "submit", None, 1)
        .await;
    assert_problem(refused, 422).await;
    let draft = app.create_project(&lead, json!({})).await;
    let stale = app.transition(&lead, id(&draft), "submit", None, 7).await;
    assert_problem(stale, 412).await;
    let not_now = app
        .transition(&admin, id(&draft), "validate", Some("Non"), 1)
        .await;
    assert_eq!(not_now.status(), 404, "a draft is invisible to admins");
    // A write that succeeds afterwards is the only one heard of.
    app.walk(&draft, &[(&lead, "submit")]).await;
    sink.wait_for("incomplete@example.fr", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.to("incomplete@example.fr").len(), 1);
    let written = deliveries(&app, &admin, "").await;
    assert!(
        written.iter().all(|d| d["project_id"] == json!(id(&draft))),
        "{written:#?}"
    );
}

#[tokio::test]
async fn with_the_smtp_server_down_a_mail_stays_pending_then_goes_out_once_it_is_back() {
    let mut sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("patiente").await;
    let admin = app.account("nationale", "admin", &[]).await;
    sink.stop();
    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;
    // The worker tries, fails, and keeps the mail for later.
    let mut pending = Vec::new();
    for _ in 0..100 {
        pending = deliveries(&app, &admin, "?status=pending").await;
        if pending
            .iter()
            .any(|d| d["attempts"] == 1 && !d["last_error"].is_null())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let receipt = pending
        .iter()
        .find(|d| d["kind"] == "submission_receipt")
        .expect("the receipt is pending");
    assert_eq!(receipt["attempts"], 1, "{receipt:#}");
    assert!(receipt["last_error"].as_str().is_some(), "{receipt:#}");
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("terrain_outbox_pending{channel=\"mail\"}"),
        "{metrics}"
    );
    // Back up: the retry (the first within 30 s) delivers it.
    sink.resume().await;
    let mails = sink.wait_for("patiente@example.fr", 1).await;
    assert_eq!(mails.len(), 1);
    // The sink holds the mail as soon as the server has accepted it; the worker records the
    // delivery just after.
    let mut receipt = None;
    for _ in 0..100 {
        receipt = deliveries(&app, &admin, "?status=delivered")
            .await
            .into_iter()
            .find(|d| d["kind"] == "submission_receipt");
        if receipt.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let receipt = receipt.expect("delivered");
    assert_eq!(receipt["attempts"], 2);
    assert_eq!(
        mails[0].message_id,
        format!("{}@terrain.invalid", receipt["id"].as_str().expect("id")),
        "the Message-ID is derived from the outbox entry"
    );
}

#[tokio::test]
async fn a_refused_address_fails_at_once_and_a_national_admin_can_retry_it() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("inconnue").await;
    let national = app.account("nationale", "admin", &[]).await;
    let scoped = app
        .account("regionale", "admin", &["--programme", "education"])
        .await;
    sink.refuse("inconnue@example.fr");
    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = deliveries(&app, &national, "?status=failed").await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["recipient"], "inconnue@example.fr");
    assert!(
        failed[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("550")),
        "{:#}",
        failed[0]
    );
    let delivery = failed[0]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/deliveries/{delivery}/retry");
    assert_problem(app.post(&path, &json!({}), Some(&scoped.token)).await, 403).await;
    assert_problem(app.get_as("/api/v1/deliveries", &scoped.token).await, 403).await;
    assert_problem(app.get_as("/api/v1/deliveries", &lead.token).await, 403).await;

    // The mailbox is fixed on the server's side: retried, the mail goes out.
    sink.accept("inconnue@example.fr");
    let retried = app.post(&path, &json!({}), Some(&national.token)).await;
    assert_eq!(retried.status(), 200);
    let body: Value = retried.json().await.expect("json");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["attempts"], 0);
    sink.wait_for("inconnue@example.fr", 1).await;
    let again = app.post(&path, &json!({}), Some(&national.token)).await;
    assert_problem(again, 409).await;
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_mail_once() {
    let sink = SmtpSink::start().await;
    let first = with_mail(&sink).await;
    let second = first.sibling().await;
    let lead = first.lead("prolifique").await;
    let mut projects = Vec::new();
    for n in 0..12 {
        let project = first
            .create_project(&lead, json!({"title": format!("Projet numéro {n}")}))
            .await;
        projects.push(project);
    }
    // Submissions through both instances, at once.
    let submits = projects.iter().enumerate().map(|(n, project)| {
        let app = if n % 2 == 0 { &first } else { &second };
        app.transition(&lead, id(project), "submit", None, 1)
    });
    for response in futures::future::join_all(submits).await {
        assert_eq!(response.status(), 200);
    }
    sink.wait_for("prolifique@example.fr", 12).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = sink.to("prolifique@example.fr");
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert_eq!(mails.len(), 12, "each mail once");
    second.stop().await.expect("stop");
}

#[tokio::test]
async fn a_password_reset_link_works_once_expires_and_ends_the_old_sessions() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let api = app.lead("oublieuse").await;
    let mut signed_in = Browser::sign_in(&app, "oublieuse@example.fr").await;
    assert_eq!(signed_in.get_raw("/espace").await.status, 200);

    // The answer is the same for an unknown address, and nothing is sent to it.
    let mut answers = Vec::new();
    for email in ["oublieuse@example.fr", "personne@example.fr"] {
        let mut browser = Browser::new(&app);
        let page = browser.get("/mot-de-passe-oublie").await;
        let form = page.form("/mot-de-passe-oublie").set("email", email);
        let answer = browser.send(form).await;
        assert_eq!(answer.status, 200);
        answers.push(answer.text().replace(email, "ADRESSE"));
    }
    assert_eq!(answers[0], answers[1]);
    let mail = &sink.wait_for("oublieuse@example.fr", 1).await[0];
    assert!(sink.to("personne@example.fr").is_empty());
    assert_eq!(
        mail.subject,
        "Réinitialisation de votre mot de passe Terrain"
    );
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{PUBLIC}/mot-de-passe-oublie/")))
        .expect("link")
        .to_owned();
    let path = link.trim_start_matches(PUBLIC).to_owned();

    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    let short = browser
        .send(page.form(&path).set("password", "court"))
        .await;
    assert_eq!(short.status, 422);
    assert!(short.error_for("password").is_some());
    let done = browser
        .submit(
            page.form(&path)
                .set("password", "un tout nouveau mot de passe"),
        )
        .await;
    assert!(
        done.text().contains("Votre mot de passe est changé"),
        "{}",
        done.text()
    );

    // The old sessions and API sign-ins are over; the new password works, the old one not.
    assert_eq!(signed_in.get_raw("/espace").await.status, 303);
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": api.refresh_token}),
            None,
        )
        .await;
    assert_problem(refresh, 401).await;
    let old = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "oublieuse@example.fr", "password": PASSWORD}),
            None,
        )
        .await;
    assert_problem(old, 401).await;
    let new = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "oublieuse@example.fr", "password": "un tout nouveau mot de passe"}),
            None,
        )
        .await;
    assert_eq!(new.status(), 200);

    // Used once, the link is dead.
    let again = browser.get(&path).await;
    assert_eq!(again.status, 404);
    assert!(again.text().contains("Ce lien ne fonctionne plus"));

    // A second link expires after an hour.
    let mut browser = Browser::new(&app);
    let page = browser.get("/mot-de-passe-oublie").await;
    browser
        .send(
            page.form("/mot-de-passe-oublie")
                .set("email", "oublieuse@example.fr"),
        )
        .await;
    let mail = &sink.wait_for("oublieuse@example.fr", 2).await[1];
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{PUBLIC}/mot-de-passe-oublie/")))
        .expect("link")
        .trim_start_matches(PUBLIC)
        .to_owned();
    app.execute_sql("UPDATE password_resets SET expires_at = '2020-01-01T00:00:00+00:00'")
        .await
        .expect("expire");
    assert_eq!(browser.get(&link).await.status, 404);
}

#[tokio::test]
async fn admins_who_chose_the_daily_digest_get_one_mail_a_day_instead() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    let lead = app.lead("porteur").await;
    let daily = app
        .account("quotidienne", "admin", &["--programme", "education"])
        .await;
    let quiet = app.account("silencieuse", "admin", &[]).await;
    for (session, mail) in [(&daily, "daily"), (&quiet, "none")] {
        let response = app
            .client
            .put(app.url("/api/v1/me/preferences"))
            .bearer_auth(&session.token)
            .json(&json!({"mail": mail}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        let me: Value = app
            .get_as("/api/v1/me", &session.token)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(me["mail"], mail);
    }
    let bad = app
        .client
        .put(app.url("/api/v1/me/preferences"))
        .bearer_auth(&daily.token)
        .json(&json!({"mail": "weekly"}))
        .send()
        .await
        .expect("request");
    assert_problem(bad, 422).await;

    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;
    sink.wait_for("porteur@example.fr", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        sink.to("quotidienne@example.fr").is_empty(),
        "no instant mail"
    );

    // The next working day at 9:30, Paris time.
    let now = app.app().now();
    let at = terrain_app::digest::next_after(now) + chrono::Duration::minutes(30);
    let written = terrain_app::digest::write_due(app.app(), at)
        .await
        .expect("digest");
    assert_eq!(written, 1);
    let digest = &sink.wait_for("quotidienne@example.fr", 1).await[0];
    assert_eq!(digest.subject, "Récapitulatif du jour : 1 projet déposé");
    assert!(
        digest.text.contains("« Un jardin pédagogique partagé »"),
        "{}",
        digest.text
    );
    assert!(
        digest
            .text
            .contains(&format!("{PUBLIC}/instruction/projets/{}", id(&project)))
    );
    // Once a day, whatever the number of instances or of runs.
    let again = terrain_app::digest::write_due(app.app(), at)
        .await
        .expect("digest");
    assert_eq!(again, 0);
    assert!(sink.to("silencieuse@example.fr").is_empty());
}

#[tokio::test]
async fn the_test_command_sends_a_mail_through_the_configured_server() {
    let sink = SmtpSink::start().await;
    let app = with_mail(&sink).await;
    app.run_cli(
        &["terrain", "mail", "test", "--to", "exploitant@example.fr"],
        "",
    )
    .await
    .expect("mail test");
    let mail = &sink.wait_for("exploitant@example.fr", 1).await[0];
    assert_eq!(mail.subject, "Message de test de Terrain");
    assert!(
        mail.text.contains(&sink.url().replace("smtp://", "")),
        "{}",
        mail.text
    );
    let refused = app
        .run_cli(&["terrain", "mail", "test", "--to", "pas une adresse"], "")
        .await;
    assert!(refused.is_err());
}
