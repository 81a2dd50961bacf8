//! The public dashboard page.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn figure(page: &str, key: &str) -> i64 {
    let marker = format!("data-figure=\"{key}\" data-value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no figure {key}"))
        + marker.len();
    let end = start + page[start..].find('"').expect("closing quote");
    page[start..end].parse().expect("a number")
}

async fn page(app: &TestApp, query: &str) -> String {
    let response = app.get(&format!("/{query}")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    response.text().await.expect("html")
}

#[tokio::test]
async fn the_page_shows_the_same_figures_as_the_api() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteur").await;
    let admin = app.account("national", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    app.walk(
        &project,
        &[
            (&lead, "submit"),
            (&admin, "start_review"),
            (&admin, "validate"),
        ],
    )
    .await;
    let other = app
        .create_project(&lead, json!({"title": "Un autre projet"}))
        .await;
    app.walk(&other, &[(&lead, "submit")]).await;
    let event = json!({"programme": "education", "territory": "department:69", "title": "Conseil d'école", "kind": "meeting",
                       "starts_at": "2025-02-03T17:00:00Z", "attendance": {"parents": 12, "teachers": 4}});
    assert_eq!(
        app.post("/api/v1/events", &event, Some(&lead.token))
            .await
            .status(),
        201
    );

    let html = page(&app, "").await;
    assert!(html.contains("<html lang=\"fr\">"));
    for programme in ["education", "health"] {
        let api: Value = app
            .get_json(&format!("/api/v1/stats/overview?programme={programme}"))
            .await;
        for (key, value) in [
            ("projects.submitted", &api["projects"]["submitted"]),
            ("projects.validated", &api["projects"]["validated"]),
            (
                "supports.supported_projects",
                &api["supports"]["supported_projects"],
            ),
            ("events.count", &api["events"]["count"]),
            ("events.participants", &api["events"]["participants"]),
        ] {
            assert_eq!(
                figure(&html, &format!("{programme}.{key}")),
                value.as_i64().expect("n"),
                "{programme}.{key}"
            );
        }
    }
    assert_eq!(figure(&html, "education.projects.submitted"), 2);
    assert_eq!(figure(&html, "education.events.participants"), 16);
    assert!(html.contains("<caption>"), "tables have captions");
    assert!(
        html.contains("role=\"img\""),
        "charts have text alternatives"
    );
    assert!(html.contains("href=\"/docs/\""));
    assert!(
        !html.contains("https://"),
        "nothing is loaded from elsewhere"
    );
}

#[tokio::test]
async fn drill_down_links_lead_from_the_country_to_a_department() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteur").await;
    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit")]).await;

    let country = page(&app, "?programme=education").await;
    let link = "/?programme=education&amp;territory=region%3A84";
    assert!(country.contains(link), "a link to the région");
    let region = page(&app, "?programme=education&territory=region%3A84").await;
    assert!(
        region.contains("territory=academy%3A10"),
        "a link to the académie"
    );
    assert_eq!(figure(&region, "education.projects.submitted"), 1);
    let academy = page(&app, "?programme=education&territory=academy%3A10").await;
    assert!(
        academy.contains("territory=department%3A69"),
        "a link to the département"
    );
    let department = page(&app, "?programme=education&territory=department%3A69").await;
    assert_eq!(figure(&department, "education.projects.submitted"), 1);
    assert!(department.contains("Rhône"));
    assert!(
        !department.contains("data-figure=\"health."),
        "only the programme asked for"
    );
}

#[tokio::test]
async fn unknown_filters_are_ignored_with_a_notice() {
    let app = TestApp::spawn().await;
    let html = page(&app, "?territory=department%3A99").await;
    assert!(html.contains("role=\"alert\""));
    assert_eq!(figure(&html, "education.projects.submitted"), 0);
}
