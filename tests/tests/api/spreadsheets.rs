//! Spreadsheet exports (SPEC §19), read back with an independent reader (calamine): the rights
//! and filters of the CSV exports, and cells typed as a spreadsheet needs them.

use calamine::{Data, DataType, Reader, Xlsx};
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, uai};

async fn workbook(app: &TestApp, path: &str, token: &str) -> calamine::Range<Data> {
    let response = app.get_as(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).expect("the first sheet")
}

fn column(range: &calamine::Range<Data>, name: &str) -> usize {
    (0..range.width())
        .find(|c| range.get((0, *c)) == Some(&Data::String(name.to_owned())))
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[tokio::test]
async fn a_projects_workbook_has_typed_cells_and_the_rights_of_the_csv_export() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let observer = app.account("analyste", "observer", &[]).await;
    let project = app
        .create_project(
            &lead,
            json!({"title": "=HYPERLINK(\"http://x\")", "requested_amount_cents": 250_050}),
        )
        .await;
    app.walk(&project, &[(&lead, "submit")]).await;

    assert_problem(
        app.get_as("/api/v1/exports/projects.xlsx", &lead.token)
            .await,
        403,
    )
    .await;
    assert_problem(app.get("/api/v1/exports/events.xlsx").await, 401).await;
    assert_problem(
        app.get_as(
            "/api/v1/exports/projects.xlsx?status=approved",
            &observer.token,
        )
        .await,
        422,
    )
    .await;

    let sheet = workbook(&app, "/api/v1/exports/projects.xlsx", &observer.token).await;
    assert_eq!(sheet.height(), 2, "the header and one project");
    let headers: Vec<String> = (0..sheet.width())
        .map(|c| sheet.get((0, c)).expect("header").to_string())
        .collect();
    assert_eq!(headers, terrain_app::csv::PROJECT_COLUMNS);
    let cell = |name: &str| sheet.get((1, column(&sheet, name))).expect("cell").clone();
    assert_eq!(
        cell("id"),
        Data::String(project["id"].as_str().expect("id").into())
    );
    assert_eq!(cell("territory"), Data::String("department:69".into()));
    assert_eq!(cell("establishment_uai"), Data::String(uai("0690001")));
    assert_eq!(
        cell("title"),
        Data::String("=HYPERLINK(\"http://x\")".into()),
        "a text, never a formula"
    );
    assert_eq!(cell("requested_amount_cents"), Data::Float(2500.5), "euros");
    assert_eq!(cell("status"), Data::String("submitted".into()));
    let starts = cell("starts_on");
    assert!(starts.is_datetime(), "{starts:?}");
    assert_eq!(
        starts.as_datetime().expect("date").date(),
        chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("day")
    );
    assert!(cell("submitted_at").is_datetime());
    assert_eq!(cell("decided_at"), Data::Empty);

    let filtered = workbook(
        &app,
        "/api/v1/exports/projects.xlsx?status=validated",
        &observer.token,
    )
    .await;
    assert_eq!(filtered.height(), 1, "only the header");
}

#[tokio::test]
async fn an_events_workbook_gives_times_in_paris_and_participants_as_numbers() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let observer = app.account("analyste", "observer", &[]).await;
    app.record_event(&lead, "Atelier des parents").await;
    let sheet = workbook(&app, "/api/v1/exports/events.xlsx", &observer.token).await;
    assert_eq!(sheet.height(), 2);
    let cell = |name: &str| sheet.get((1, column(&sheet, name))).expect("cell").clone();
    assert_eq!(cell("title"), Data::String("Atelier des parents".into()));
    assert_eq!(cell("participants"), Data::Float(12.0));
    let starts = cell("starts_at").as_datetime().expect("a date and time");
    // 18:30 UTC on 14 March 2026 is 19:30 in Paris.
    assert_eq!(starts.to_string(), "2026-03-14 19:30:00");
}
