//! Who sees which project, in reads and lists.

use serde_json::{Value, json};

use super::{cast, id};
use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn another_lead_can_neither_read_nor_list_nor_patch_a_project_that_is_not_public() {
    let app = TestApp::spawn().await;
    let (lead, admin, _) = cast(&app).await;
    let intruder = app.lead("intruder").await;
    let draft = app
        .create_project(&lead, json!({"title": "Brouillon privé"}))
        .await;
    let submitted = app
        .create_project(&lead, json!({"title": "Projet soumis"}))
        .await;
    app.walk(&submitted, &[(&lead, "submit")]).await;
    for project in [&draft, &submitted] {
        let pid = id(project);
        assert_problem(
            app.get_as(&format!("/api/v1/projects/{pid}"), &intruder.token)
                .await,
            404,
        )
        .await;
        assert_problem(
            app.get_as(&format!("/api/v1/projects/{pid}/history"), &intruder.token)
                .await,
            404,
        )
        .await;
        assert_problem(app.get(&format!("/api/v1/projects/{pid}")).await, 404).await;
        assert_problem(
            app.transition(&intruder, &pid, "withdraw", None, 1).await,
            404,
        )
        .await;
    }
    let listed: Value = app
        .get_as("/api/v1/projects?limit=100", &intruder.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]));
    // The draft is its lead's alone, even for the admin in charge.
    assert_problem(
        app.get_as(&format!("/api/v1/projects/{}", id(&draft)), &admin.token)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.get_as(
            &format!("/api/v1/projects/{}", id(&submitted)),
            &admin.token
        )
        .await
        .status(),
        200
    );
    let unknown = "0190a0c0-0000-7000-8000-000000000000";
    let missing = assert_problem(
        app.get_as(&format!("/api/v1/projects/{unknown}"), &intruder.token)
            .await,
        404,
    )
    .await;
    let hidden = assert_problem(
        app.get_as(&format!("/api/v1/projects/{}", id(&draft)), &intruder.token)
            .await,
        404,
    )
    .await;
    assert_eq!(
        missing["detail"], hidden["detail"],
        "hidden looks exactly like missing"
    );
    assert_problem(app.get("/api/v1/projects/not-a-uuid").await, 404).await;
}

#[tokio::test]
async fn validated_projects_are_public_without_the_leads_contact() {
    let app = TestApp::spawn().await;
    let (lead, admin, observer) = cast(&app).await;
    let project = app.create_project(&lead, json!({})).await;
    let validated = app
        .walk(
            &project,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    let pid = id(&validated);
    let public: Value = app.get_json(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(public["status"], "validated");
    assert!(public["lead_contact"].is_null());
    let observed: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(observed["lead_contact"].is_null());
    let text = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(!text.contains(&lead.email));
    let in_charge: Value = app
        .get_as(&format!("/api/v1/projects/{pid}"), &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(in_charge["lead_contact"]["email"], lead.email.as_str());
    let listed: Value = app.get_json("/api/v1/projects?status=validated").await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn lists_show_each_role_what_it_may_see() {
    let app = TestApp::spawn().await;
    let (lead, admin, observer) = cast(&app).await;
    let outsider = app
        .account("paca", "admin", &["--territory", "region:93"])
        .await;
    let draft = app
        .create_project(&lead, json!({"title": "Brouillon"}))
        .await;
    let submitted = app.create_project(&lead, json!({"title": "Soumis"})).await;
    app.walk(&submitted, &[(&lead, "submit")]).await;
    let validated = app.create_project(&lead, json!({"title": "Validé"})).await;
    app.walk(
        &validated,
        &[
            (&lead, "submit"),
            (&admin, "start_review"),
            (&admin, "validate"),
        ],
    )
    .await;

    let titles = |value: Value| -> Vec<String> {
        let mut titles: Vec<String> = value["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["title"].as_str().expect("title").to_owned())
            .collect();
        titles.sort();
        titles
    };
    let as_lead = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_lead), ["Brouillon", "Soumis", "Validé"]);
    let as_admin = app
        .get_as("/api/v1/projects", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_admin), ["Soumis", "Validé"]);
    let as_observer = app
        .get_as("/api/v1/projects", &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_observer), ["Soumis", "Validé"]);
    let as_outsider = app
        .get_as("/api/v1/projects", &outsider.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(titles(as_outsider), ["Validé"]);
    let anonymous = app.get_json("/api/v1/projects").await;
    assert_eq!(titles(anonymous), ["Validé"]);
    let _ = draft;
}
