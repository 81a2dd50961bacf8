use serde_json::Value;

use super::Browser;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_lead_records_a_concertation_with_its_attendance_and_the_projects_born_from_it() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::lead(&app, "animatrice").await;
    let page = browser.get("/espace/projets/nouveau").await;
    let form = page
        .form("/espace/projets/nouveau")
        .set("programme", "education")
        .set("territory", "department:69")
        .set("title", "Un potager")
        .set("summary", "Né de l'atelier des parents.")
        .set("theme", "pedagogy");
    let project = browser.submit(form).await;
    let id = project.path.rsplit('/').next().expect("id").to_owned();

    let page = browser.get("/espace/evenements/nouveau").await;
    let base = page
        .form("/espace/evenements/nouveau")
        .set("title", "Atelier des parents")
        .set("kind", "workshop")
        .set("programme", "education")
        .set("territory", "department:69")
        .set("starts_at", "2026-03-14T18:30")
        .set("location", "Préau du collège")
        .set("attendance.parents", "25")
        .check("project_ids", &[id.as_str()]);
    let wrong = base
        .clone()
        .set("attendance.pupils", "beaucoup")
        .set("ends_at", "2026-03-14T17:00");
    let answer = browser.send(wrong).await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.error_for("attendance.pupils").is_some(),
        "{:?}",
        answer.summary()
    );
    let lead = app.login("animatrice@example.fr").await;
    let events: Value = app
        .get_as("/api/v1/events", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(events["items"].as_array().expect("items").len(), 0);

    let fixed = answer
        .form("/espace/evenements/nouveau")
        .set("attendance.pupils", "40")
        .set("ends_at", "2026-03-14T20:00");
    let recorded = browser.send(fixed.clone()).await;
    assert_eq!(recorded.status, 303);
    let twice = browser.send(fixed).await;
    assert_eq!(
        twice.status, 303,
        "the same form posted twice records one event"
    );
    let space = browser.get("/espace").await;
    assert!(space.body.contains("Mes projets"));

    let events: Value = app
        .get_as("/api/v1/events", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    let items = events["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["participants"], 65);
    assert_eq!(
        items[0]["starts_at"], "2026-03-14T17:30:00Z",
        "typed in Paris time"
    );
    assert_eq!(items[0]["project_ids"][0], id.as_str());
    let detail = browser.get(&project.path).await;
    assert!(
        detail.text().contains("Atelier des parents"),
        "{}",
        detail.text()
    );
}
