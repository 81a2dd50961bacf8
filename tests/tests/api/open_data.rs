//! Open data (SPEC §19): the public files hold validated projects only and no personal data,
//! their Data Package describes them exactly, and a harvester downloads them again only when
//! something changed.

use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

async fn public_csv(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let headers = response.headers().clone();
    (headers, response.text().await.expect("text"))
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record"))
        .collect()
}

async fn validated(app: &TestApp, lead: &Session, admin: &Session, title: &str) -> Value {
    app.validated_project(lead, admin, json!({"title": title}))
        .await
}

#[tokio::test]
async fn the_public_files_hold_validated_projects_only_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app.account("nationale", "admin", &[]).await;
    app.create_project(&lead, json!({"title": "Brouillon confidentiel"}))
        .await;
    let project = validated(&app, &lead, &admin, "Jardin des quatre saisons").await;
    let sent = app
        .post(
            &format!(
                "/api/v1/projects/{}/messages",
                project["id"].as_str().expect("id")
            ),
            &json!({"body": "Message privé du porteur"}),
            Some(&lead.token),
        )
        .await;
    assert_eq!(sent.status(), 201);
    app.record_event(&lead, "Atelier des parents").await;

    let (headers, projects) = public_csv(&app, "/donnees/projets-valides.csv").await;
    assert!(
        headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let records = rows(&projects);
    let header: Vec<&str> = records[0].iter().collect();
    assert_eq!(header, terrain_app::open_data::PROJECT_COLUMNS);
    assert_eq!(records.len(), 2, "the header and the validated project");
    let column = |name: &str| header.iter().position(|h| *h == name).expect("column");
    assert_eq!(
        &records[1][column("id")],
        project["id"].as_str().expect("id")
    );
    assert_eq!(&records[1][column("territoire")], "department:69");
    assert_eq!(&records[1][column("territoire_nom")], "Rhône");
    let (_, events) = public_csv(&app, "/donnees/evenements.csv").await;
    let (_, indicators) = public_csv(&app, "/donnees/indicateurs-territoires.csv").await;
    for (name, text) in [
        ("projects", &projects),
        ("events", &events),
        ("indicators", &indicators),
    ] {
        for secret in ["@", "Brouillon confidentiel", "Message privé", &lead.id] {
            assert!(!text.contains(secret), "{secret} in the {name} file");
        }
    }
    assert!(events.contains("Atelier des parents"));
    let indicators = rows(&indicators);
    let header: Vec<&str> = indicators[0].iter().collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let rhone = indicators
        .iter()
        .find(|r| &r[at("territoire")] == "department:69" && &r[at("programme")] == "education")
        .expect("the Rhône row");
    assert_eq!(&rhone[at("niveau")], "department");
    assert_eq!(&rhone[at("projets_validated")], "1");
    assert_eq!(
        &rhone[at("projets_deposes")],
        "1",
        "the draft is not counted"
    );
}

#[tokio::test]
async fn the_data_package_describes_every_column_of_every_file() {
    let app = TestApp::spawn().await;
    let package = app.get_json("/donnees/datapackage.json").await;
    assert_eq!(package["licenses"][0]["name"], "etalab-2.0");
    let resources = package["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 3);
    for resource in resources {
        let path = resource["path"].as_str().expect("path");
        let (_, text) = public_csv(&app, &format!("/donnees/{path}")).await;
        let header: Vec<String> = rows(&text)[0].iter().map(str::to_owned).collect();
        let fields: Vec<String> = resource["schema"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["name"].as_str().expect("name").to_owned())
            .collect();
        assert_eq!(header, fields, "{path}");
        let territory = resource["schema"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == "territoire")
            .expect("a territory column");
        assert_eq!(territory["type"], "string", "codes stay text in {path}");
    }
    let page = app.get("/donnees").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Licence Ouverte 2.0"));
    assert!(html.contains("href=\"/donnees/indicateurs-territoires.csv\""));
    assert!(
        html.contains("montant_accorde_centimes"),
        "the field dictionary"
    );
}

#[tokio::test]
async fn a_harvester_downloads_a_file_again_only_when_something_changed() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app.account("nationale", "admin", &[]).await;
    validated(&app, &lead, &admin, "Premier jardin").await;
    let (headers, _) = public_csv(&app, "/donnees/projets-valides.csv").await;
    let etag = headers["etag"].to_str().expect("etag").to_owned();
    let modified = headers["last-modified"].to_str().expect("date").to_owned();
    let again = |name: &'static str, value: String| {
        app.client
            .get(app.url("/donnees/projets-valides.csv"))
            .header(name, value)
            .send()
    };
    assert_eq!(
        again("if-none-match", etag.clone())
            .await
            .expect("get")
            .status(),
        304
    );
    assert_eq!(
        again("if-modified-since", modified)
            .await
            .expect("get")
            .status(),
        304
    );
    validated(&app, &lead, &admin, "Second jardin").await;
    let changed = again("if-none-match", etag.clone()).await.expect("get");
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().expect("etag"), etag);
    assert!(
        changed
            .text()
            .await
            .expect("text")
            .contains("Second jardin")
    );
}
