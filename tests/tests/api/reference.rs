//! Programmes and territories, seeded by the migrations.

use serde_json::Value;

use crate::helpers::{TestApp, assert_problem};

async fn all_pages(app: &TestApp, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_owned();
    loop {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200);
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let page: Value = response.json().await.expect("json");
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match (page["next_cursor"].as_str(), link) {
            (Some(_), Some(link)) => {
                let target = link
                    .trim_start_matches('<')
                    .split_once(">; rel=\"next\"")
                    .expect("Link: <…>; rel=\"next\"")
                    .0
                    .to_owned();
                path = target;
            }
            (None, None) => return items,
            (cursor, link) => panic!("next_cursor {cursor:?} and Link {link:?} disagree"),
        }
    }
}

#[tokio::test]
async fn the_thirty_academies_are_listed_on_one_page_of_a_hundred() {
    let app = TestApp::spawn().await;
    let page = app
        .get_json("/api/v1/territories?kind=academy&limit=100")
        .await;
    let academies = page["items"].as_array().expect("items");
    assert_eq!(academies.len(), 30);
    assert!(page["next_cursor"].is_null());
    assert!(academies.iter().all(|a| a["kind"] == "academy"));
}

#[tokio::test]
async fn following_the_link_header_walks_every_territory_exactly_once() {
    let app = TestApp::spawn().await;
    let all = all_pages(&app, "/api/v1/territories?limit=7").await;
    assert_eq!(all.len(), 150);
    let mut ids: Vec<&str> = all.iter().map(|t| t["id"].as_str().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 150);
    let count = |kind: &str| all.iter().filter(|t| t["kind"] == kind).count();
    assert_eq!(count("country"), 1);
    assert_eq!(count("region"), 18);
    assert_eq!(count("academy"), 30);
    assert_eq!(count("department"), 101);
}

#[tokio::test]
async fn corse_du_sud_lies_in_academy_27_in_region_94() {
    let app = TestApp::spawn().await;
    let territory = app.get_json("/api/v1/territories/department:2A").await;
    assert_eq!(territory["name"], "Corse-du-Sud");
    assert_eq!(territory["code"], "2A");
    assert_eq!(territory["parent"], "academy:27");
    let ancestors: Vec<&str> = territory["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ancestors, ["country:FR", "region:94", "academy:27"]);
    assert_eq!(territory["children"], serde_json::json!([]));
}

#[tokio::test]
async fn a_region_lists_its_academies_as_children_and_the_parent_filter_agrees() {
    let app = TestApp::spawn().await;
    let region = app.get_json("/api/v1/territories/region:84").await;
    let children: Vec<&str> = region["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(children, ["academy:06", "academy:08", "academy:10"]);
    let listed = app
        .get_json("/api/v1/territories?parent=region:84&limit=100")
        .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 3);
}

#[tokio::test]
async fn every_department_belongs_to_exactly_one_academy_of_its_region() {
    let app = TestApp::spawn().await;
    let departments = all_pages(&app, "/api/v1/territories?kind=department&limit=100").await;
    assert_eq!(departments.len(), 101);
    for department in departments {
        assert!(
            department["parent"]
                .as_str()
                .is_some_and(|p| p.starts_with("academy:")),
            "{department}"
        );
    }
}

#[tokio::test]
async fn the_two_programmes_come_with_their_themes() {
    let app = TestApp::spawn().await;
    let page = app.get_json("/api/v1/programmes").await;
    let codes: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["education", "health"]);
    let health = app.get_json("/api/v1/programmes/health").await;
    assert_eq!(health["name"], "La santé, c'est l'affaire de tous");
    assert_eq!(health["validation_level"], "region");
    let themes: Vec<&str> = health["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        themes,
        [
            "prevention",
            "access_to_care",
            "unscheduled_care",
            "workforce_attractiveness",
            "mental_health",
            "other"
        ]
    );
    let education = app.get_json("/api/v1/programmes/education").await;
    assert_eq!(education["validation_level"], "academy");
    assert_eq!(education["themes"].as_array().expect("themes").len(), 8);
}

#[tokio::test]
async fn unknown_programmes_and_territories_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/programmes/culture",
        "/api/v1/programmes/NOT%20A%20CODE",
        "/api/v1/territories/department:99",
        "/api/v1/territories/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/territories/academy:11:11",
    ] {
        assert_problem(app.get(path).await, 404).await;
    }
}

#[tokio::test]
async fn bad_list_parameters_are_422_problems_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("kind=county", "kind"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("cursor=forged", "cursor"),
        ("parent=nowhere", "parent"),
    ] {
        let response = app.get(&format!("/api/v1/territories?{query}")).await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

#[tokio::test]
async fn a_cursor_from_another_list_is_refused() {
    let app = TestApp::spawn().await;
    let page = app.get_json("/api/v1/programmes?limit=1").await;
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let response = app
        .get(&format!("/api/v1/territories?cursor={cursor}"))
        .await;
    assert_problem(response, 422).await;
}
