use serde_json::Value;

use super::{Browser, browser::Loaded};
use crate::helpers::{Session, TestApp};

/// A lead's draft made through the pages, its page returned; `uai` left out makes it
/// incomplete for the education programme.
async fn draft(browser: &mut Browser<'_>, uai: Option<&str>) -> Loaded {
    let page = browser.get("/espace/projets/nouveau").await;
    let form = page
        .form("/espace/projets/nouveau")
        .set("programme", "education")
        .set("territory", "department:69")
        .set("title", "Une radio au collège")
        .set("summary", "Les élèves animent une radio avec les parents.")
        .set("theme", "pedagogy")
        .set("establishment_uai", uai.unwrap_or(""))
        .check("stakeholders", &["pupils"]);
    let created = browser.submit(form).await;
    assert_eq!(created.status, 200, "{:?}", created.summary());
    created
}

fn id_of(page: &Loaded) -> String {
    page.path
        .trim_start_matches("/espace/projets/")
        .split('/')
        .next()
        .expect("id")
        .to_owned()
}

async fn project(app: &TestApp, session: &Session, id: &str) -> Value {
    app.get_as(&format!("/api/v1/projects/{id}"), &session.token)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn an_incomplete_project_lists_what_is_missing_and_stays_a_draft() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "incomplete").await;
    let page = draft(&mut browser, None).await;
    assert!(page.buttons().contains(&"Déposer le projet".to_owned()));
    let answer = browser
        .send(page.form(&format!("{}/depot", page.path)))
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.text().contains("il manque des informations"),
        "{}",
        answer.text()
    );
    assert!(
        answer.text().contains("UAI de l'établissement"),
        "{}",
        answer.text()
    );
    let lead = app.login("incomplete@example.fr").await;
    assert_eq!(project(&app, &lead, &id_of(&page)).await["status"], "draft");
}

#[tokio::test]
async fn a_complete_project_is_submitted_in_one_click_with_a_receipt_and_only_once() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "complete").await;
    let page = draft(&mut browser, Some("0690001B")).await;
    let form = page.form(&format!("{}/depot", page.path));
    let submitted = browser.submit(form.clone()).await;
    let notice = submitted.notice().expect("receipt");
    assert!(
        notice.starts_with("Votre projet a été déposé le "),
        "{notice}"
    );
    assert!(submitted.text().contains("Déposé"), "{}", submitted.text());
    assert!(
        !submitted
            .buttons()
            .contains(&"Déposer le projet".to_owned())
    );
    assert!(!submitted.buttons().contains(&"Modifier".to_owned()));
    // The same button posted again (a double click) submits nothing more.
    let again = browser.submit(form).await;
    assert!(
        again
            .notice()
            .expect("notice")
            .starts_with("Votre projet a été déposé le ")
    );
    let lead = app.login("complete@example.fr").await;
    let id = id_of(&page);
    assert_eq!(project(&app, &lead, &id).await["status"], "submitted");
    let history: Value = app
        .get_as(&format!("/api/v1/projects/{id}/history"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(history["items"].as_array().expect("items").len(), 1);
    // The space says it in words.
    let space = browser.get("/espace").await;
    assert!(
        space.text().contains("Une radio au collège Notre école"),
        "{}",
        space.text()
    );
    assert!(space.text().contains("Déposé le"), "{}", space.text());
}

#[tokio::test]
async fn changes_requested_through_the_api_show_on_the_space_and_the_lead_corrects_and_resubmits() {
    let app = TestApp::spawn().await;
    let admin = app
        .account("academie", "admin", &["--programme", "education"])
        .await;
    let mut browser = Browser::lead(&app, "corrige").await;
    let page = draft(&mut browser, Some("0690001B")).await;
    browser
        .submit(page.form(&format!("{}/depot", page.path)))
        .await;
    let id = id_of(&page);
    let current = project(&app, &admin, &id).await;
    let current = app
        .walk(
            &current,
            &[(&admin, "start_review"), (&admin, "request_changes")],
        )
        .await;
    assert_eq!(current["status"], "changes_requested");

    let space = browser.get("/espace").await;
    assert!(
        space.text().contains("Modifications demandées le "),
        "{}",
        space.text()
    );
    let detail = browser.get(&page.path).await;
    assert!(
        detail.text().contains("Motif de la décision"),
        "the comment is in the history"
    );
    let edit_path = format!("{}/modifier", page.path);
    let edit = browser.get(&edit_path).await;
    let saved = browser
        .submit(edit.form(&edit_path).set("requested_amount", "800"))
        .await;
    assert_eq!(
        saved.notice().as_deref(),
        Some("Modifications enregistrées.")
    );
    let resubmitted = browser
        .submit(saved.form(&format!("{}/depot", page.path)))
        .await;
    assert!(
        resubmitted
            .notice()
            .expect("receipt")
            .starts_with("Votre projet a été déposé le ")
    );
    let after = project(&app, &admin, &id).await;
    assert_eq!(after["status"], "submitted");
    assert_eq!(after["requested_amount_cents"], 80_000);
}

#[tokio::test]
async fn another_lead_gets_a_404_on_every_page_of_the_project() {
    let app = TestApp::spawn().await;
    let mut owner = Browser::lead(&app, "proprietaire").await;
    let page = draft(&mut owner, Some("0690001B")).await;
    let deposit = page.form(&format!("{}/depot", page.path));
    let mut other = Browser::lead(&app, "curieux").await;
    for path in [page.path.clone(), format!("{}/modifier", page.path)] {
        let answer = other.get(&path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.title(), "Page introuvable — Terrain");
    }
    // Even with a valid token of their own, the other lead's posts change nothing.
    let mine = other.get("/espace").await;
    let token = mine
        .form("/deconnexion")
        .value("csrf")
        .expect("csrf")
        .to_owned();
    let answer = other
        .post(
            &deposit.action,
            &[("csrf", token.as_str()), ("version", "1")],
        )
        .await;
    assert_eq!(answer.status, 404);
    let lead = app.login("proprietaire@example.fr").await;
    assert_eq!(project(&app, &lead, &id_of(&page)).await["status"], "draft");
    // A malformed id is a 404 page too.
    assert_eq!(other.get("/espace/projets/pas-un-id").await.status, 404);
}

#[tokio::test]
async fn a_lead_withdraws_a_project_and_moves_it_along_the_stages() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "etapes").await;
    let page = draft(&mut browser, Some("0690001B")).await;
    assert!(
        page.text().contains("Initier (étape actuelle)"),
        "{}",
        page.text()
    );
    let stage = page
        .form(&format!("{}/etape", page.path))
        .set("stage", "create");
    let moved = browser.submit(stage.clone()).await;
    assert_eq!(
        moved.notice().as_deref(),
        Some("Le projet est passé à l'étape « Créer ».")
    );
    assert!(
        moved.text().contains("Créer (étape actuelle)"),
        "{}",
        moved.text()
    );
    assert!(
        moved.text().contains("Étape « Initier » → « Créer »"),
        "the history says it"
    );
    // Posted again, the stage form finds the project there already.
    let again = browser.submit(stage).await;
    assert_eq!(
        again.notice().as_deref(),
        Some("Le projet est déjà à l'étape « Créer ».")
    );

    let withdrawn = browser
        .submit(moved.form(&format!("{}/retrait", page.path)))
        .await;
    assert!(
        withdrawn
            .notice()
            .expect("notice")
            .starts_with("Votre projet a été retiré le ")
    );
    assert!(
        withdrawn
            .buttons()
            .iter()
            .all(|b| b != "Retirer le projet" && b != "Déposer le projet")
    );
    let lead = app.login("etapes@example.fr").await;
    let after = project(&app, &lead, &id_of(&page)).await;
    assert_eq!(after["status"], "withdrawn");
    assert_eq!(after["stage"], "create");
}

#[tokio::test]
async fn an_expired_session_sends_a_form_to_the_sign_in_page_without_changing_anything() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "expiree").await;
    let page = draft(&mut browser, Some("0690001B")).await;
    let form = page.form(&format!("{}/depot", page.path));
    let out = browser.get("/espace").await;
    browser.submit(out.form("/deconnexion")).await;
    let answer = browser.send(form).await;
    assert_eq!(answer.status, 303);
    assert!(
        answer
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/connexion?retour=")),
        "{:?}",
        answer.location
    );
    let lead = app.login("expiree@example.fr").await;
    assert_eq!(project(&app, &lead, &id_of(&page)).await["status"], "draft");
}
