use serde_json::json;

use super::Browser;
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn a_person_registers_lands_on_their_space_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "directrice").await;
    let space = browser.get("/espace").await;
    assert_eq!(space.status, 200);
    assert!(space.text().contains("Mes projets"), "{}", space.text());
    assert!(
        space.body.contains("directrice"),
        "the header names the person"
    );

    let cookie = browser.session_cookie().expect("session cookie").to_owned();
    let page = browser.get("/espace").await;
    let out = browser.submit(page.form("/deconnexion")).await;
    assert!(
        out.text().contains("Vous êtes déconnecté·e"),
        "{}",
        out.text()
    );
    // The old cookie, replayed, opens nothing any more.
    let mut thief = Browser::new(&app);
    thief.set_cookie("terrain_session", &cookie);
    let answer = thief.get_raw("/espace").await;
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.location.as_deref(),
        Some("/connexion?retour=%2Fespace")
    );
}

#[tokio::test]
async fn signing_out_of_the_pages_leaves_the_api_sign_ins_of_the_person_alone() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "porteur").await;
    let page = browser.get("/espace").await;
    browser.submit(page.form("/deconnexion")).await;
    // The API's own sign-ins are other families: they still work.
    let api = app.login("porteur@example.fr").await;
    assert_eq!(app.get_as("/api/v1/me", &api.token).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.lead("connue").await;
    let mut answers = Vec::new();
    for email in ["connue@example.fr", "inconnue@example.fr"] {
        let mut browser = Browser::new(&app);
        let page = browser.get("/connexion").await;
        let form = page
            .form("/connexion")
            .set("email", email)
            .set("password", "pas le bon mot de passe");
        let answer = browser.send(form).await;
        assert_eq!(answer.status, 401);
        assert!(browser.session_cookie().is_none());
        answers.push((answer.error_for("password"), answer.summary()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(
        answers[0].0.as_deref(),
        Some("Erreur : Adresse électronique ou mot de passe incorrect")
    );
}

#[tokio::test]
async fn after_signing_in_a_person_goes_back_where_they_were_and_never_to_another_site() {
    let app = TestApp::spawn().await;
    app.lead("retour").await;
    let mut browser = Browser::new(&app);
    let asked = browser.get("/espace/projets/nouveau").await;
    assert_eq!(
        asked.path,
        "/connexion?retour=%2Fespace%2Fprojets%2Fnouveau"
    );
    let form = asked
        .form("/connexion")
        .set("email", "retour@example.fr")
        .set("password", PASSWORD);
    let answer = browser.send(form).await;
    assert_eq!(answer.location.as_deref(), Some("/espace/projets/nouveau"));

    for forged in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let mut browser = Browser::new(&app);
        let page = browser
            .get(&format!("/connexion?retour={}", urlencode(forged)))
            .await;
        let form = page
            .form("/connexion")
            .set("email", "retour@example.fr")
            .set("password", PASSWORD)
            .set("retour", forged);
        let answer = browser.send(form).await;
        assert_eq!(answer.location.as_deref(), Some("/espace"), "{forged}");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_form_posted_without_its_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "cible").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let form = page
        .form("/espace/projets/nouveau")
        .set("programme", "education")
        .set("territory", "department:69")
        .set("title", "Projet forgé")
        .set("summary", "Envoyé depuis un autre site.")
        .set("theme", "pedagogy");
    for forged in [
        form.clone().without("csrf"),
        form.set("csrf", "0".repeat(43).as_str()),
    ] {
        let answer = browser.send(forged).await;
        assert_eq!(answer.status, 403);
        assert!(
            answer.text().contains("Rien n'a été modifié"),
            "{}",
            answer.text()
        );
    }
    // Signing in from a forged form is refused the same way.
    let mut stranger = Browser::new(&app);
    let answer = stranger
        .post(
            "/connexion",
            &[("email", "cible@example.fr"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(stranger.session_cookie().is_none());

    let lead = app.login("cible@example.fr").await;
    let mine: serde_json::Value = app
        .get_as("/api/v1/projects?limit=100", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"], json!([]));
}

#[tokio::test]
async fn disabling_an_account_ends_its_page_session_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let mut browser = Browser::lead(&app, "bientot-parti").await;
    assert_eq!(browser.get_raw("/espace").await.status, 200);
    let lead = app.login("bientot-parti@example.fr").await;
    let response = app
        .patch(
            &format!("/api/v1/users/{}", lead.id),
            &admin,
            None,
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let answer = browser.get_raw("/espace").await;
    assert_eq!(answer.status, 303);
}

#[tokio::test]
async fn registration_errors_are_shown_next_to_their_fields_and_create_no_account() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/inscription").await;
    let form = page
        .form("/inscription")
        .set("display_name", "")
        .set("email", "pas-une-adresse")
        .set("password", "court");
    let answer = browser.send(form).await;
    assert_eq!(answer.status, 422);
    for field in ["display_name", "email", "password"] {
        assert!(
            answer.error_for(field).is_some(),
            "{field}: {}",
            answer.body
        );
        assert!(answer.is_marked_invalid(field), "{field}");
    }
    let links: Vec<_> = answer
        .summary()
        .into_iter()
        .filter_map(|(_, l)| l)
        .collect();
    assert_eq!(links, ["#f-display_name", "#f-email", "#f-password"]);
    assert!(browser.session_cookie().is_none());
    let response = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "pas-une-adresse", "password": "court"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn pages_forbid_framing_inline_scripts_and_other_origins() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for path in [
        "/",
        "/connexion",
        "/inscription",
        "/accessibilite",
        "/page-inexistante",
    ] {
        let page = browser.get(path).await;
        let csp = page
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.headers["x-frame-options"], "DENY", "{path}");
        assert!(page.headers.contains_key("referrer-policy"), "{path}");
        assert!(
            page.body.starts_with("<!DOCTYPE html><html lang=\"fr\">"),
            "{path}"
        );
        assert!(page.body.contains("href=\"/accessibilite\""), "{path}");
    }
    let missing = browser.get("/page-inexistante").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.title(), "Page introuvable — Terrain");
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary_under_a_name_that_changes_with_it() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/connexion").await;
    let href = page
        .body
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("stylesheet link")
        .to_owned();
    assert!(
        href.starts_with("/assets/terrain-") && href.ends_with(".css"),
        "{href}"
    );
    let css = browser.get(&href).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert!(
        css.headers["cache-control"]
            .to_str()
            .expect("header")
            .contains("immutable")
    );
    assert!(css.body.contains(":focus-visible"));
    assert_eq!(browser.get("/assets/terrain-0000.css").await.status, 404);
}

#[tokio::test]
async fn each_role_lands_on_its_own_home_after_signing_in() {
    let app = TestApp::spawn().await;
    app.lead("porteuse").await;
    app.account("analyste", "observer", &[]).await;
    for (email, home) in [
        ("porteuse@example.fr", "/espace"),
        ("analyste@example.fr", "/"),
    ] {
        let mut browser = Browser::new(&app);
        let page = browser.get("/connexion").await;
        let form = page
            .form("/connexion")
            .set("email", email)
            .set("password", PASSWORD);
        let answer = browser.send(form).await;
        assert_eq!(answer.status, 303, "{email}");
        assert_eq!(answer.location.as_deref(), Some(home), "{email}");
        // Signed in, the sign-in page sends the person home.
        assert_eq!(
            browser.get_raw("/connexion").await.location.as_deref(),
            Some(home)
        );
    }
    let mut lead = Browser::sign_in(&app, "porteuse@example.fr").await;
    assert_eq!(lead.get_raw("/espace").await.status, 200);
    // Another role is refused the lead's space, with a page saying why.
    let mut observer = Browser::sign_in(&app, "analyste@example.fr").await;
    let refused = observer.get("/espace").await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("réservé aux porteurs de projet"));
}

#[tokio::test]
async fn a_session_idle_for_more_than_twelve_hours_ends() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "endormie").await;
    assert_eq!(browser.get_raw("/espace").await.status, 200);
    app.execute_sql("UPDATE sessions SET last_seen_at = '2020-01-01T00:00:00+00:00'")
        .await
        .expect("age the session");
    let answer = browser.get_raw("/espace").await;
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.location.as_deref(),
        Some("/connexion?retour=%2Fespace")
    );
}
