use serde_json::{Value, json};

use super::Browser;
use crate::helpers::{Session, TestApp, uai};

async fn lyon(app: &TestApp, name: &str) -> Session {
    app.account(
        name,
        "admin",
        &["--programme", "education", "--territory", "academy:10"],
    )
    .await
}

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

async fn status(app: &TestApp, session: &Session, project: &str) -> Value {
    app.get_as(&format!("/api/v1/projects/{project}"), &session.token)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn an_admin_works_a_project_from_the_queue_to_its_support() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = lyon(&app, "instructrice").await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let pid = id(&project);

    let mut browser = Browser::sign_in(&app, "instructrice@example.fr").await;
    let queue = browser.get("/instruction").await;
    assert_eq!(queue.status, 200);
    assert!(queue.text().contains("À examiner (1)"), "{}", queue.text());
    assert!(queue.text().contains("Un jardin pédagogique partagé"));
    let link = format!("/instruction/projets/{pid}?tab=to_review");
    assert!(
        queue.body.contains(&link),
        "the row links to the project with the filters"
    );

    let page = browser.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        page.text().contains("porteuse@example.fr"),
        "the lead's contact"
    );
    assert!(page.buttons().contains(&"Commencer l'examen".to_owned()));
    assert!(
        !page.buttons().contains(&"Valider".to_owned()),
        "only what is allowed now"
    );
    let decision = format!("/instruction/projets/{pid}/decision?tab=to_review");
    let started = browser.submit(page.form(&decision)).await;
    assert!(
        started
            .notice()
            .expect("notice")
            .starts_with("Examen commencé")
    );
    assert!(
        started.text().contains("instructrice"),
        "she follows it now"
    );

    // A request for changes needs its comment: the error is next to the field.
    let form = started
        .forms_posting(&decision)
        .into_iter()
        .find(|f| f.value("action") == Some("request_changes"))
        .expect("request changes form");
    let refused = browser.send(form.clone()).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.error_for("request_changes.comment").is_some(),
        "{}",
        refused.text()
    );
    assert_eq!(status(&app, &admin, &pid).await["status"], "under_review");
    let asked = browser
        .submit(form.set("request_changes.comment", "Précisez le budget."))
        .await;
    assert!(
        asked
            .notice()
            .expect("notice")
            .starts_with("Modifications demandées")
    );
    let project = status(&app, &lead, &pid).await;
    let project = app
        .walk(&project, &[(&lead, "submit"), (&admin, "start_review")])
        .await;

    let page = browser.get(&format!("/instruction/projets/{pid}")).await;
    let validate = page
        .forms_posting(&format!("/instruction/projets/{pid}/decision"))
        .into_iter()
        .find(|f| f.value("action") == Some("validate"))
        .expect("validate form");
    let validated = browser.submit(validate).await;
    assert!(
        validated
            .notice()
            .expect("notice")
            .starts_with("Projet validé")
    );
    assert_eq!(status(&app, &admin, &pid).await["status"], "validated");
    let _ = project;

    // The support form offers the funds in scope with what remains.
    let fund = app
        .post(
            "/api/v1/funds",
            &json!({"code": "FIP-2026-RHONE", "name": "Fonds du Rhône", "programme": "education",
                    "territory": "department:69", "year": 2026, "envelope_cents": 1_000_000}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(fund.status(), 201);
    let page = browser.get(&format!("/instruction/projets/{pid}")).await;
    assert!(
        page.text()
            .contains("FIP-2026-RHONE — Fonds du Rhône (reste 10 000,00 €)"),
        "{}",
        page.text()
    );
    let support = page
        .form(&format!("/instruction/projets/{pid}/soutien"))
        .set("fund", "FIP-2026-RHONE")
        .set("amount", "1 500,50");
    let granted = browser.submit(support).await;
    assert_eq!(
        granted.notice().as_deref(),
        Some("Soutien financier de 1 500,50 € enregistré sur le fonds FIP-2026-RHONE.")
    );
    let funds = browser.get("/fonds").await;
    assert!(funds.text().contains("8 499,50 €"), "{}", funds.text());

    // Notes and following.
    let page = browser.get(&format!("/instruction/projets/{pid}")).await;
    let noted = browser
        .submit(
            page.form(&format!("/instruction/projets/{pid}/notes"))
                .set("body", "Dossier exemplaire."),
        )
        .await;
    assert!(noted.text().contains("Dossier exemplaire."));
    let unfollowed = browser
        .submit(noted.form(&format!("/instruction/projets/{pid}/suivi")))
        .await;
    assert_eq!(
        unfollowed.notice().as_deref(),
        Some("Vous ne suivez plus ce projet.")
    );
    assert!(
        unfollowed
            .buttons()
            .contains(&"Suivre ce projet".to_owned())
    );
    // The lead sees none of the notes.
    let mut lead_browser = Browser::sign_in(&app, "porteuse@example.fr").await;
    let lead_page = lead_browser.get(&format!("/espace/projets/{pid}")).await;
    assert!(!lead_page.text().contains("Dossier exemplaire."));
}

#[tokio::test]
async fn a_batch_from_the_queue_decides_the_projects_ticked() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    lyon(&app, "instructrice").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let p = app
            .create_project(&lead, json!({"title": format!("Projet {n}")}))
            .await;
        ids.push(id(&app.walk(&p, &[(&lead, "submit")]).await));
    }
    let mut browser = Browser::sign_in(&app, "instructrice@example.fr").await;
    let queue = browser.get("/instruction").await;
    assert!(
        queue
            .text()
            .contains("Sélectionner les 4 projets du filtre"),
        "{}",
        queue.text()
    );
    let form = queue
        .form("/instruction/lot")
        .check(
            "project_ids",
            &[ids[0].as_str(), ids[1].as_str(), ids[2].as_str()],
        )
        .set("action", "start_review");
    let answer = browser.send(form.clone()).await;
    assert_eq!(answer.status, 303);
    let location = answer.location.clone().expect("location");
    assert!(location.starts_with("/instruction/lots/"));
    let again = browser.send(form).await;
    assert_eq!(again.location, answer.location, "posted twice, one batch");
    let mut page = browser.get(&location).await;
    for _ in 0..100 {
        if page.text().contains("Terminé") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = browser.get(&location).await;
    }
    assert!(
        page.text()
            .contains("Terminé : 3 faits, 0 non traités, 0 en échec."),
        "{}",
        page.text()
    );
    let admin = app.login("instructrice@example.fr").await;
    for (n, pid) in ids.iter().enumerate() {
        let expected = if n < 3 { "under_review" } else { "submitted" };
        assert_eq!(status(&app, &admin, pid).await["status"], expected);
    }
    // Everything the filter holds, at once.
    let queue = browser.get("/instruction?tab=all").await;
    let form = queue
        .form("/instruction/lot")
        .set("all", "1")
        .set("action", "follow");
    let done = browser.submit(form).await;
    assert!(done.path.starts_with("/instruction/lots/"));
}

#[tokio::test]
async fn an_admin_of_another_academy_sees_none_of_them_and_a_lead_none_of_the_workspace() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    lyon(&app, "lyon").await;
    app.account(
        "paris",
        "admin",
        &["--programme", "education", "--territory", "academy:01"],
    )
    .await;
    let p = app.create_project(&lead, json!({})).await;
    let pid = id(&app.walk(&p, &[(&lead, "submit")]).await);
    let paris_project = app
        .create_project(&lead, json!({"territory": "department:75", "establishment_uai": uai("0750001"), "title": "Parisien"}))
        .await;
    app.walk(&paris_project, &[(&lead, "submit")]).await;

    let mut paris = Browser::sign_in(&app, "paris@example.fr").await;
    let queue = paris.get("/instruction").await;
    assert!(queue.text().contains("À examiner (1)"), "{}", queue.text());
    assert!(queue.text().contains("Parisien"));
    assert!(!queue.text().contains("Un jardin pédagogique partagé"));
    let territories = queue.options("territory");
    assert!(territories.contains(&"department:75".to_owned()));
    assert!(
        !territories.contains(&"department:69".to_owned()),
        "the filter offers only the territories of the académie"
    );
    assert_eq!(queue.options("programme"), ["", "education"]);
    assert_eq!(
        paris
            .get(&format!("/instruction/projets/{pid}"))
            .await
            .status,
        404
    );

    let mut lead_browser = Browser::sign_in(&app, "porteuse@example.fr").await;
    for path in ["/instruction", "/fonds", "/administration/comptes"] {
        assert_eq!(lead_browser.get(path).await.status, 403, "{path}");
    }
    let mut lyon_browser = Browser::sign_in(&app, "lyon@example.fr").await;
    assert_eq!(
        lyon_browser.get("/administration/comptes").await.status,
        403
    );
}

#[tokio::test]
async fn a_national_admin_creates_an_account_and_changes_its_scope() {
    let app = TestApp::spawn().await;
    app.account("nationale", "admin", &[]).await;
    let mut browser = Browser::sign_in(&app, "nationale@example.fr").await;
    let page = browser.get("/administration/comptes").await;
    assert_eq!(page.status, 200);
    let bad = browser
        .send(
            page.form("/administration/comptes")
                .set("email", "pas une adresse")
                .set("display_name", "Rectorat"),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.error_for("email").is_some());
    assert!(bad.error_for("password").is_some());
    let created = browser
        .submit(
            page.form("/administration/comptes")
                .set("display_name", "Rectorat de Lyon")
                .set("email", "rectorat@example.fr")
                .set("password", "un mot de passe assez long")
                .set("role", "admin")
                .set("programme", "education")
                .set("territory", "academy:10"),
        )
        .await;
    assert_eq!(
        created.notice().as_deref(),
        Some("Compte de Rectorat de Lyon créé.")
    );
    assert!(
        created
            .text()
            .contains("Notre école, faisons-la ensemble, Lyon"),
        "{}",
        created.text()
    );
    let path = created.link("Rectorat de Lyon").expect("account link");
    let page = browser.get(&path).await;
    let changed = browser
        .submit(page.form(&path).set("territory", "").set("disabled", "1"))
        .await;
    assert_eq!(
        changed.notice().as_deref(),
        Some("Compte de Rectorat de Lyon enregistré.")
    );
    assert!(changed.text().contains("désactivé"));
}
