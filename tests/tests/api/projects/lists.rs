//! Project lists: filters, orders and pagination.

use serde_json::{Value, json};

use super::id;
use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn lists_filter_by_subtree_theme_status_and_title_and_paginate_with_link() {
    let app = TestApp::spawn().await;
    let lead = app.lead("prolific").await;
    app.create_project(&lead, json!({"title": "Potager de Lyon"}))
        .await;
    app.create_project(&lead, json!({"title": "Chorale de Grenoble", "territory": "department:38", "establishment_uai": null, "theme": "arts_culture"})).await;
    app.create_project(&lead, json!({"title": "Robotique à Paris", "territory": "department:75", "establishment_uai": null, "theme": "digital"})).await;
    let health = app.create_project(&lead, json!({"programme": "health", "title": "Prévention 100% santé", "territory": "region:84", "establishment_uai": null, "theme": "prevention"})).await;
    app.walk(&health, &[(&lead, "submit")]).await;

    let count = |v: &Value| v["items"].as_array().expect("items").len();
    let get = |q: &str| {
        let path = format!("/api/v1/projects?{q}");
        let request = app.client.get(app.url(&path)).bearer_auth(&lead.token);
        async move { request.send().await.expect("request") }
    };
    assert_eq!(
        count(&get("territory=region:84").await.json().await.expect("json")),
        3
    );
    assert_eq!(
        count(
            &get("territory=academy:08")
                .await
                .json()
                .await
                .expect("json")
        ),
        1
    );
    assert_eq!(
        count(
            &get("territory=department:69")
                .await
                .json()
                .await
                .expect("json")
        ),
        1
    );
    assert_eq!(
        count(&get("theme=digital").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("programme=health").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("status=submitted").await.json().await.expect("json")),
        1
    );
    assert_eq!(
        count(&get("stage=initiate").await.json().await.expect("json")),
        4
    );
    assert_eq!(
        count(&get("q=POTAGER").await.json().await.expect("json")),
        1
    );
    assert_eq!(count(&get("q=100%25").await.json().await.expect("json")), 1);
    assert_eq!(count(&get("q=_").await.json().await.expect("json")), 0);

    let newest: Value = get("sort=-created_at&limit=1")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(newest["items"][0]["title"], "Prévention 100% santé");
    let submitted_first: Value = get("sort=-submitted_at").await.json().await.expect("json");
    assert_eq!(
        submitted_first["items"][0]["title"],
        "Prévention 100% santé"
    );
    assert_eq!(
        count(&submitted_first),
        4,
        "never-submitted projects come last, not dropped"
    );

    let mut seen = Vec::new();
    let mut path = "/api/v1/projects?limit=3&sort=-created_at".to_owned();
    loop {
        let response = app.get_as(&path, &lead.token).await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let page: Value = response.json().await.expect("json");
        seen.extend(page["items"].as_array().expect("items").iter().map(id));
        match link {
            Some(link) => {
                path = link
                    .trim_start_matches('<')
                    .split_once('>')
                    .expect("link")
                    .0
                    .to_owned()
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    seen.dedup();
    assert_eq!(seen.len(), 4);

    for (query, field) in [
        ("status=approved", "status"),
        ("stage=build", "stage"),
        ("sort=title", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("territory=department:99", "territory"),
        ("programme=culture", "programme"),
        ("cursor=abc", "cursor"),
        ("colour=blue", ""),
    ] {
        let problem = assert_problem(get(query).await, 422).await;
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{query}");
        }
    }
}

#[tokio::test]
async fn empty_unknown_or_oversized_filters_are_refused_with_the_parameter_named() {
    let app = TestApp::spawn().await;
    let observer = app.account("analyst", "observer", &[]).await;
    let long = format!("q={}", "x".repeat(201));
    for (query, field) in [
        ("programme=", "programme"),
        ("territory=", "territory"),
        ("theme=gardening", "theme"),
        ("theme=", "theme"),
        ("q=", "q"),
        (long.as_str(), "q"),
    ] {
        for path in ["/api/v1/projects", "/api/v1/exports/projects.csv"] {
            let response = app
                .get_as(&format!("{path}?{query}"), &observer.token)
                .await;
            let problem = assert_problem(response, 422).await;
            assert_eq!(problem["errors"][0]["field"], field, "{path}?{query}");
        }
    }
    for (path, field) in [
        ("/api/v1/projects?cursor=", "cursor"),
        ("/api/v1/stats/overview?to=", "to"),
        ("/api/v1/events?limit=", "limit"),
    ] {
        let problem = assert_problem(app.get_as(path, &observer.token).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}");
    }
    let known = app
        .get_as("/api/v1/projects?theme=pedagogy&q=jardin", &observer.token)
        .await;
    assert_eq!(known.status(), 200);
}
