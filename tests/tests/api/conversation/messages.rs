//! The conversation of a project and the reasons of a correction request.

use serde_json::{Value, json};

use super::{attach_budget, id};
use crate::{
    helpers::{Session, TestApp, assert_problem},
    mail::smtp::SmtpSink,
};

async fn write(app: &TestApp, session: &Session, project: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/projects/{project}/messages"),
        &body,
        Some(&session.token),
    )
    .await
}

async fn messages(app: &TestApp, session: &Session, project: &str) -> Vec<Value> {
    let list: Value = app
        .get_as(
            &format!("/api/v1/projects/{project}/messages"),
            &session.token,
        )
        .await
        .json()
        .await
        .expect("json");
    list["items"].as_array().expect("items").clone()
}

async fn history(app: &TestApp, session: &Session, project: &str) -> Vec<Value> {
    let list: Value = app
        .get_as(
            &format!("/api/v1/projects/{project}/history"),
            &session.token,
        )
        .await
        .json()
        .await
        .expect("json");
    list["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn the_lead_and_the_reviewer_write_to_each_other_and_each_hears_of_it_by_mail() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |settings| {
        settings.mail.smtp_url = Some(secrecy::SecretString::from(url));
        settings.outbox.poll_interval_ms = 50;
        settings.server.public_url = Some("http://terrain.test".into());
    })
    .await;
    let lead = app.lead("porteuse").await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let observer = app.account("analyste", "observer", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let file = attach_budget(&app, &lead, id(&project)).await;
    let project = app
        .walk(&project, &[(&lead, "submit"), (&reviewer, "start_review")])
        .await;

    let sent = write(
        &app,
        &lead,
        id(&project),
        json!({"body": "Voici le budget détaillé.\nÀ votre disposition.", "attachment_ids": [id(&file)]}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.expect("message");
    assert_eq!(sent["author"]["id"], lead.id.as_str());
    assert_eq!(sent["author_role"], "lead");
    assert_eq!(sent["attachment_ids"], json!([id(&file)]));
    // The reviewer follows the project since starting its review: the mail goes to them.
    let mail = &sink.wait_for("instructrice@example.fr", 2).await[1];
    assert_eq!(
        mail.subject,
        "Nouveau message : « Un jardin pédagogique partagé »"
    );
    assert!(
        mail.text.contains("Voici le budget détaillé."),
        "{}",
        mail.text
    );
    assert!(
        mail.text.contains("budget prévisionnel.pdf"),
        "{}",
        mail.text
    );
    assert!(
        mail.text.contains(&format!(
            "http://terrain.test/instruction/projets/{}#messages",
            id(&project)
        )),
        "{}",
        mail.text
    );

    let reply = write(
        &app,
        &reviewer,
        id(&project),
        json!({"body": "Merci, c'est complet."}),
    )
    .await;
    assert_eq!(reply.status(), 201);
    let mail = sink
        .wait_for("porteuse@example.fr", 2)
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Nouveau message"))
        .expect("the lead's mail");
    assert!(mail.text.contains("Merci, c'est complet."), "{}", mail.text);

    let seen = messages(&app, &lead, id(&project)).await;
    let bodies: Vec<&str> = seen
        .iter()
        .map(|m| m["body"].as_str().expect("body"))
        .collect();
    assert_eq!(
        bodies,
        [
            "Voici le budget détaillé.\nÀ votre disposition.",
            "Merci, c'est complet."
        ]
    );
    assert_eq!(messages(&app, &reviewer, id(&project)).await.len(), 2);
    let hidden = app
        .get_as(
            &format!("/api/v1/projects/{}/messages", id(&project)),
            &observer.token,
        )
        .await;
    assert_problem(hidden, 404).await;
    let hidden = write(&app, &observer, id(&project), json!({"body": "Bonjour"})).await;
    assert_problem(hidden, 404).await;
}

#[tokio::test]
async fn a_message_carries_only_files_of_its_author_not_sent_before() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let reviewer = app.account("nationale", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let mine = attach_budget(&app, &lead, id(&project)).await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let theirs = attach_budget(&app, &reviewer, id(&project)).await;

    let refused = write(
        &app,
        &lead,
        id(&project),
        json!({"body": "Pièce", "attachment_ids": [id(&theirs)]}),
    )
    .await;
    let problem = assert_problem(refused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "attachment_ids");
    assert!(
        messages(&app, &lead, id(&project)).await.is_empty(),
        "nothing sent"
    );

    let sent = write(
        &app,
        &lead,
        id(&project),
        json!({"body": "Pièce", "attachment_ids": [id(&mine), id(&mine)]}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    let again = write(
        &app,
        &lead,
        id(&project),
        json!({"body": "Encore", "attachment_ids": [id(&mine)]}),
    )
    .await;
    assert_problem(again, 422).await;
    for body in [json!({"body": ""}), json!({"body": " blanc"}), json!({})] {
        let response = write(&app, &lead, id(&project), body).await;
        assert_problem(response, 422).await;
    }
    assert_eq!(messages(&app, &lead, id(&project)).await.len(), 1);
}

#[tokio::test]
async fn messages_are_append_only_down_to_the_database() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let sent = write(
        &app,
        &lead,
        id(&project),
        json!({"body": "Première version"}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    assert!(
        app.execute_sql("UPDATE project_messages SET body = 'x'")
            .await
            .is_err()
    );
    assert!(
        app.execute_sql("DELETE FROM project_messages")
            .await
            .is_err()
    );
    let seen = messages(&app, &lead, id(&project)).await;
    assert_eq!(seen[0]["body"], "Première version");
}

#[tokio::test]
async fn a_request_for_changes_gives_its_reasons_and_the_next_submission_answers_it() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let reviewer = app.account("nationale", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app
        .walk(&project, &[(&lead, "submit"), (&reviewer, "start_review")])
        .await;
    let version = project["version"].as_i64().expect("version");
    let path = format!("/api/v1/projects/{}/transitions", id(&project));
    let send = |body: Value| {
        app.client
            .post(app.url(&path))
            .bearer_auth(&reviewer.token)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send()
    };
    // Reasons belong to a request for changes only; an unknown one is refused.
    let refused = send(json!({"action": "validate", "comment": "Bien", "reasons": ["incomplete"]}))
        .await
        .expect("request");
    let problem = assert_problem(refused, 422).await;
    assert_eq!(problem["errors"][0]["field"], "reasons");
    let unknown = send(json!({"action": "request_changes", "comment": "x", "reasons": ["ugly"]}))
        .await
        .expect("request");
    assert_problem(unknown, 422).await;

    let asked = send(json!({
        "action": "request_changes",
        "comment": "Joignez le devis du menuisier.",
        "reasons": ["outdated", "incomplete", "outdated"],
    }))
    .await
    .expect("request");
    assert_eq!(asked.status(), 200);
    let project: Value = asked.json().await.expect("project");
    let entries = history(&app, &lead, id(&project)).await;
    let request = entries.last().expect("entry");
    assert_eq!(request["action"], "request_changes");
    assert_eq!(request["reasons"], json!(["incomplete", "outdated"]));
    assert_eq!(request["comment"], "Joignez le devis du menuisier.");
    assert_eq!(request["answered_at"], Value::Null);

    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let entries = history(&app, &lead, id(&project)).await;
    let request = entries
        .iter()
        .find(|e| e["action"] == "request_changes")
        .expect("request");
    let resubmission = entries.last().expect("entry");
    assert_eq!(resubmission["action"], "submit");
    assert_eq!(resubmission["from"], "changes_requested");
    assert_eq!(request["answered_at"], resubmission["at"]);
    assert_eq!(project["status"], "submitted");
}
