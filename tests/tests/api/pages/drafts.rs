use serde_json::{Value, json};

use super::{Browser, browser::Form};
use crate::helpers::TestApp;

/// The new-project form filled with a complete project of the education programme.
fn complete(form: Form) -> Form {
    form.set("programme", "education")
        .set("territory", "department:69")
        .set("title", "Un jardin pédagogique")
        .set(
            "summary",
            "Les élèves aménagent la cour avec leurs parents.",
        )
        .set("theme", "pedagogy")
        .set("category", "community")
        .set("establishment_uai", "0690001B")
        .set("requested_amount", "1 500,50")
        .check("stakeholders", &["pupils", "teachers"])
        .set("starts_on", "2026-09-01")
        .set("ends_on", "2027-06-30")
}

async fn projects_of(app: &TestApp, email: &str) -> Vec<Value> {
    let lead = app.login(email).await;
    let list: Value = app
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    list["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_draft_with_wrong_fields_shows_every_error_next_to_its_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "redactrice").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let wrong = complete(page.form("/espace/projets/nouveau"))
        .set("title", "")
        .set("requested_amount", "mille euros")
        .set("ends_on", "2026-02-30")
        .set("establishment_uai", "1234");
    let answer = browser.send(wrong).await;
    assert_eq!(answer.status, 422);
    assert!(answer.title().contains("erreurs"), "{}", answer.title());
    for field in ["title", "requested_amount", "ends_on", "establishment_uai"] {
        assert!(
            answer.error_for(field).is_some(),
            "{field}: {:?}",
            answer.summary()
        );
        assert!(answer.is_marked_invalid(field), "{field}");
    }
    let links: Vec<String> = answer
        .summary()
        .into_iter()
        .filter_map(|(_, l)| l)
        .collect();
    assert_eq!(
        links,
        [
            "#f-title",
            "#f-establishment_uai",
            "#f-requested_amount",
            "#f-ends_on"
        ],
        "the summary follows the order of the form"
    );
    // What was typed is still there.
    let again = answer.form("/espace/projets/nouveau");
    assert_eq!(
        again.value("summary"),
        Some("Les élèves aménagent la cour avec leurs parents.")
    );
    assert_eq!(again.value("requested_amount"), Some("mille euros"));
    assert!(projects_of(&app, "redactrice@example.fr").await.is_empty());

    let fixed = again
        .set("title", "Un jardin pédagogique")
        .set("requested_amount", "1500.50")
        .set("ends_on", "2027-06-30")
        .set("establishment_uai", "0690001b");
    let created = browser.submit(fixed).await;
    assert_eq!(created.status, 200);
    assert!(
        created.path.starts_with("/espace/projets/"),
        "{}",
        created.path
    );
    assert_eq!(
        created.notice().as_deref(),
        Some("Brouillon enregistré. Complétez-le si besoin, puis déposez-le.")
    );
    let projects = projects_of(&app, "redactrice@example.fr").await;
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["requested_amount_cents"], 150_050);
    assert_eq!(projects[0]["establishment_uai"], "0690001B");
    assert_eq!(projects[0]["status"], "draft");
}

#[tokio::test]
async fn amounts_are_typed_in_euros_with_a_comma_or_a_point() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "tresoriere").await;
    for (typed, cents) in [
        ("1 500,50", 150_050),
        ("1500.50", 150_050),
        ("12", 1_200),
        ("0,5", 50),
    ] {
        let page = browser.get("/espace/projets/nouveau").await;
        let form = complete(page.form("/espace/projets/nouveau")).set("requested_amount", typed);
        let created = browser.submit(form).await;
        assert_eq!(created.status, 200, "{typed}: {:?}", created.summary());
        let id = created.path.rsplit('/').next().expect("id");
        let project = projects_of(&app, "tresoriere@example.fr")
            .await
            .into_iter()
            .find(|p| p["id"] == id)
            .expect("created");
        assert_eq!(project["requested_amount_cents"], cents, "{typed}");
    }
    let page = browser.get("/espace/projets/nouveau").await;
    for typed in ["1,555", "-3", "1.500,50", "99999999999999999"] {
        let form = complete(page.form("/espace/projets/nouveau")).set("requested_amount", typed);
        let answer = browser.send(form).await;
        assert_eq!(answer.status, 422, "{typed}");
        assert!(answer.error_for("requested_amount").is_some(), "{typed}");
    }
}

#[tokio::test]
async fn a_theme_of_another_programme_is_an_error_next_to_the_theme() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "melange").await;
    let page = browser.get("/espace/projets/nouveau").await;
    assert!(
        page.body.contains("<optgroup label="),
        "themes are grouped by programme"
    );
    let form = complete(page.form("/espace/projets/nouveau")).set("theme", "prevention");
    let answer = browser.send(form).await;
    assert_eq!(answer.status, 422);
    let error = answer.error_for("theme").expect("theme error");
    assert!(
        error.contains("Thème inconnu pour le programme education"),
        "{error}"
    );
    assert!(projects_of(&app, "melange@example.fr").await.is_empty());
}

#[tokio::test]
async fn without_javascript_the_form_is_shown_again_with_the_themes_of_the_programme_chosen() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "sansjs").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let form = page
        .form("/espace/projets/nouveau")
        .set("programme", "health")
        .set("title", "Gardé")
        .set("action", "themes");
    let again = browser.send(form).await;
    assert_eq!(again.status, 200);
    assert!(again.summary().is_empty());
    assert_eq!(
        again.form("/espace/projets/nouveau").value("title"),
        Some("Gardé")
    );
    assert!(again.body.contains("value=\"prevention\""));
    assert!(!again.body.contains("value=\"pedagogy\""));
    assert!(projects_of(&app, "sansjs@example.fr").await.is_empty());
}

#[tokio::test]
async fn the_same_new_project_form_posted_twice_creates_one_project() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "impatiente").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let form = complete(page.form("/espace/projets/nouveau"));
    let first = browser.send(form.clone()).await;
    let second = browser.send(form).await;
    assert_eq!(first.status, 303);
    assert_eq!(second.status, 303);
    assert_eq!(first.location, second.location);
    assert_eq!(projects_of(&app, "impatiente@example.fr").await.len(), 1);
}

#[tokio::test]
async fn a_stale_edit_says_the_project_changed_meanwhile_and_overwrites_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "deuxonglets").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let project = browser
        .submit(complete(page.form("/espace/projets/nouveau")))
        .await;
    let edit_path = format!("{}/modifier", project.path);
    let edit = browser.get(&edit_path).await;
    assert!(
        edit.buttons()
            .contains(&"Enregistrer les modifications".to_owned())
    );
    let form = edit.form(&edit_path);
    assert_eq!(form.value("version"), Some("1"));
    assert_eq!(form.value("requested_amount"), Some("1 500,50"));

    // Meanwhile, in another tab, through the API.
    let lead = app.login("deuxonglets@example.fr").await;
    let id = project.path.rsplit('/').next().expect("id");
    let response = app
        .patch(
            &format!("/api/v1/projects/{id}"),
            &lead,
            Some("\"1\""),
            &json!({"title": "Titre de l'autre onglet"}),
        )
        .await;
    assert_eq!(response.status(), 200);

    let answer = browser
        .send(form.set("title", "Titre de ce formulaire"))
        .await;
    assert_eq!(answer.status, 409);
    assert!(
        answer
            .text()
            .contains("Ce projet a été modifié entre-temps"),
        "{}",
        answer.text()
    );
    let current: Value = app
        .get_as(&format!("/api/v1/projects/{id}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(current["title"], "Titre de l'autre onglet");

    // From the current version, the change goes through; posted twice, it is saved once.
    let edit = browser.get(&edit_path).await;
    let form = edit.form(&edit_path).set("title", "Titre final");
    assert_eq!(browser.send(form.clone()).await.status, 303);
    let twice = browser.submit(form).await;
    assert_eq!(
        twice.notice().as_deref(),
        Some("Modifications enregistrées.")
    );
    let current: Value = app
        .get_as(&format!("/api/v1/projects/{id}"), &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(current["title"], "Titre final");
    assert_eq!(current["version"], 3);
}
