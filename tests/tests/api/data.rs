//! Data in and out: the demonstration data set, CSV exports and imports.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};

async fn csv(app: &TestApp, path: &str, token: &str) -> Vec<csv::StringRecord> {
    let response = app.get_as(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    let text = response.text().await.expect("text");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let mut rows = vec![header];
    rows.extend(reader.records().map(|r| r.expect("record")));
    rows
}

#[tokio::test]
async fn the_demonstration_data_set_reproduces_the_published_figures() {
    let app = TestApp::spawn().await;
    app.run_cli(&["terrain", "demo", "--seed", "7"], "")
        .await
        .expect("demo");
    let education = app
        .get_json("/api/v1/stats/overview?programme=education")
        .await;
    assert_eq!(education["projects"]["submitted"], 14_000);
    assert_eq!(education["projects"]["validated"], 6_800);
    assert_eq!(education["supports"]["supported_projects"], 6_800);
    assert_eq!(education["supports"]["by_kind"]["financial"], 6_800);
    assert_eq!(education["supports"]["by_kind"]["human"], 6_800);
    let health = app
        .get_json("/api/v1/stats/overview?programme=health")
        .await;
    assert_eq!(health["projects"]["validated"], 780);
    assert_eq!(health["supports"]["supported_projects"], 617);
    assert_eq!(health["events"]["count"], 500);
    assert_eq!(health["events"]["participants"], 10_000);

    let academies = app
        .get_json("/api/v1/stats/territories?level=academy&programme=education")
        .await;
    let rows = academies["items"].as_array().expect("items");
    assert_eq!(rows.len(), 30);
    assert!(
        rows.iter()
            .all(|r| r["projects"]["submitted"].as_i64().expect("n") > 0),
        "spread over the 30 académies"
    );
    let regions = app
        .get_json("/api/v1/stats/territories?level=region&programme=health")
        .await;
    let rows = regions["items"].as_array().expect("items");
    assert!(
        rows.iter()
            .all(|r| r["projects"]["validated"].as_i64().expect("n") > 0),
        "spread over the 18 régions"
    );
    let participants: i64 = rows
        .iter()
        .map(|r| r["events"]["participants"].as_i64().expect("n"))
        .sum();
    assert_eq!(participants, 10_000);

    let login: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "admin@demo.terrain.fr", "password": terrain_app::demo::DEMO_PASSWORD}),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let token = login["access_token"]
        .as_str()
        .expect("the demo admin logs in");
    let funds: Value = app
        .get_as("/api/v1/funds?limit=100", token)
        .await
        .json()
        .await
        .expect("json");
    for fund in funds["items"].as_array().expect("items") {
        assert!(
            fund["committed_cents"].as_i64() <= fund["envelope_cents"].as_i64(),
            "{fund}"
        );
        assert!(
            fund["paid_cents"].as_i64() <= fund["committed_cents"].as_i64(),
            "{fund}"
        );
    }

    // After the decision: most of what was granted is paid, not all; part of the validated
    // projects measure indicators, and every project at the transfer stage has its report.
    let overview = app.get_json("/api/v1/stats/overview").await;
    let results = &overview["results"];
    let granted = overview["supports"]["granted_cents"]
        .as_i64()
        .expect("granted");
    let paid = results["paid_cents"].as_i64().expect("paid");
    assert!(
        paid > granted / 2 && paid < granted,
        "paid {paid} of {granted}"
    );
    let measured = results["projects_with_indicators"].as_i64().expect("n");
    let validated = overview["projects"]["validated"].as_i64().expect("n");
    assert!(measured > 0 && measured < validated, "{results}");
    let met = results["indicators_met"].as_i64().expect("met");
    let total = results["indicators_total"].as_i64().expect("total");
    assert!(met > 0 && met < total, "{results}");
    let transferred = app
        .get_as("/api/v1/projects?stage=transfer&limit=20", token)
        .await
        .json::<Value>()
        .await
        .expect("json");
    let transferred = transferred["items"].as_array().expect("items");
    assert!(!transferred.is_empty());
    for project in transferred {
        assert_eq!(project["follow_up"]["reported"], true, "{project}");
        let id = project["id"].as_str().expect("id");
        let report = app.get(&format!("/api/v1/projects/{id}/report")).await;
        assert_eq!(report.status(), 200);
    }

    let again = app.run_cli(&["terrain", "demo"], "").await;
    assert!(
        again.is_err(),
        "the demo refuses a database that holds projects"
    );
    assert!(app.counters_match_a_rebuild().await);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn().await;
    for app in [&first, &second] {
        app.run_cli(&["terrain", "demo", "--seed", "42"], "")
            .await
            .expect("demo");
    }
    let page = |app: &TestApp| {
        let url = app.url("/api/v1/projects?limit=100&sort=-submitted_at");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    // Account ids are drawn at random; everything else comes from the seed.
    let without_leads = |mut page: Value| {
        for item in page["items"].as_array_mut().expect("items") {
            item["lead"] = Value::Null;
        }
        page["items"].clone()
    };
    let (a, b) = (page(&first).await, page(&second).await);
    assert_eq!(a["items"].as_array().expect("items").len(), 100);
    assert_eq!(without_leads(a), without_leads(b));
    let timeline = "/api/v1/stats/timeline?interval=month";
    assert_eq!(
        first.get_json(timeline).await,
        second.get_json(timeline).await
    );
}

#[tokio::test]
async fn exports_are_for_admins_and_observers_and_neutralise_formulas() {
    let app = TestApp::spawn().await;
    let lead = app.lead("formula").await;
    let observer = app.account("eval", "observer", &[]).await;
    let project = app
        .create_project(
            &lead,
            json!({"title": "=HYPERLINK(\"http://x\")", "summary": "+33 1 23 45 67 89"}),
        )
        .await;
    app.walk(&project, &[(&lead, "submit")]).await;
    assert_problem(
        app.get_as("/api/v1/exports/projects.csv", &lead.token)
            .await,
        403,
    )
    .await;
    assert_problem(app.get("/api/v1/exports/events.csv").await, 401).await;
    let rows = csv(&app, "/api/v1/exports/projects.csv", &observer.token).await;
    assert_eq!(rows.len(), 2);
    let title = rows[0]
        .iter()
        .position(|h| h == "title")
        .expect("title column");
    assert_eq!(&rows[1][title], "'=HYPERLINK(\"http://x\")");
    let summary = rows[0]
        .iter()
        .position(|h| h == "summary")
        .expect("summary column");
    assert!(rows[1][summary].starts_with("'+"));
    let filtered = csv(
        &app,
        "/api/v1/exports/projects.csv?status=validated",
        &observer.token,
    )
    .await;
    assert_eq!(filtered.len(), 1, "only the header");
    assert_problem(
        app.get_as(
            "/api/v1/exports/projects.csv?status=approved",
            &observer.token,
        )
        .await,
        422,
    )
    .await;
    let events = csv(&app, "/api/v1/exports/events.csv", &observer.token).await;
    assert_eq!(&events[0][0], "id");
}

#[tokio::test]
async fn exported_projects_imported_into_a_fresh_database_come_back_the_same() {
    let source = TestApp::spawn().await;
    let lead = source.lead("source").await;
    let admin = source.account("admin", "admin", &[]).await;
    let draft = source
        .create_project(&lead, json!({"title": "Brouillon exporté"}))
        .await;
    let _ = draft;
    let submitted = source
        .create_project(
            &lead,
            json!({"title": "Soumis, virgule, \"guillemets\"", "description": "Deux\nlignes"}),
        )
        .await;
    source.walk(&submitted, &[(&lead, "submit")]).await;
    // Formulas hidden behind the separators of French spreadsheets, and a title that already
    // starts with an apostrophe, come back exactly.
    for (title, summary) in [
        ("x;=1+1;y", "a\t@SUM(A1)"),
        ("'=pas une formule", "ligne\n-1 et ;+2"),
    ] {
        let tricky = source
            .create_project(&lead, json!({"title": title, "summary": summary}))
            .await;
        source.walk(&tricky, &[(&lead, "submit")]).await;
    }
    let validated = source.create_project(&lead, json!({"title": "Validé", "programme": "health", "territory": "region:53", "theme": "prevention", "establishment_uai": null, "stakeholders": ["patients"]})).await;
    source
        .walk(
            &validated,
            &[
                (&lead, "submit"),
                (&admin, "start_review"),
                (&admin, "validate"),
            ],
        )
        .await;
    let exported = csv(&source, "/api/v1/exports/projects.csv", &admin.token).await;
    assert_eq!(exported.len(), 5, "the draft is its lead's alone");
    let title = exported[0]
        .iter()
        .position(|h| h == "title")
        .expect("title column");
    for row in &exported[1..] {
        for cell in row.iter() {
            for part in cell.split([';', '\t', '\n']) {
                assert!(
                    !part.starts_with(['=', '+', '-', '@']),
                    "{cell:?} in {:?}",
                    &row[title]
                );
            }
        }
    }
    let text = source
        .get_as("/api/v1/exports/projects.csv", &admin.token)
        .await
        .text()
        .await
        .expect("text");
    // Every text cell is quoted, so no spreadsheet splits it on a separator of its own.
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with('"')),
        "{text}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("projects.csv");
    std::fs::write(&file, text).expect("write");

    let target = TestApp::spawn().await;
    let new_lead = target.lead("destination").await;
    target
        .run_cli(
            &[
                "terrain",
                "import",
                "projects",
                file.to_str().expect("path"),
                "--lead",
                &new_lead.email,
            ],
            "",
        )
        .await
        .expect("import");
    let observer = target.account("eval", "observer", &[]).await;
    let reimported = csv(&target, "/api/v1/exports/projects.csv", &observer.token).await;
    let lead_column = exported[0]
        .iter()
        .position(|h| h == "lead")
        .expect("lead column");
    let strip = |rows: &[csv::StringRecord]| -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != lead_column)
                    .map(|(_, c)| c.to_owned())
                    .collect()
            })
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(strip(&reimported), strip(&exported));
    let stats = target.get_json("/api/v1/stats/overview").await;
    assert_eq!(stats["projects"]["submitted"], 4);
    assert_eq!(stats["projects"]["validated"], 1);
    let twice = target
        .run_cli(
            &[
                "terrain",
                "import",
                "projects",
                file.to_str().expect("path"),
                "--lead",
                &new_lead.email,
            ],
            "",
        )
        .await;
    assert!(twice.is_err(), "ids that exist already are refused");
}

#[tokio::test]
async fn a_csv_with_bad_rows_imports_nothing_and_names_every_bad_line() {
    let app = TestApp::spawn().await;
    let lead = app.lead("importer").await;
    let header = "id,programme,territory,title,summary,description,theme,category,establishment_uai,requested_amount_cents,stakeholders,starts_on,ends_on,status,stage,lead,created_at,updated_at,submitted_at,decided_at,granted_cents";
    let good = "0190a0c0-0000-7000-8000-000000000001,education,department:69,Un bon projet,Résumé,,pedagogy,community,,1000,pupils;parents,,,submitted,initiate,,2025-01-01T00:00:00Z,2025-01-02T00:00:00Z,2025-01-02T00:00:00Z,,0";
    let bad_territory = "0190a0c0-0000-7000-8000-000000000002,education,department:99,Territoire inconnu,Résumé,,pedagogy,community,,1000,,,,submitted,initiate,,2025-01-01T00:00:00Z,,2025-01-02T00:00:00Z,,0";
    let bad_status = "0190a0c0-0000-7000-8000-000000000003,education,department:69,Statut inconnu,Résumé,,pedagogy,community,,1000,,,,approved,initiate,,2025-01-01T00:00:00Z,,,,0";
    let missing_date = "0190a0c0-0000-7000-8000-000000000004,education,department:69,Sans date,Résumé,,pedagogy,community,,-5,,,,validated,transfer,,2025-01-01T00:00:00Z,,,,0";
    let granted = "0190a0c0-0000-7000-8000-000000000005,education,department:69,Argent importé,Résumé,,pedagogy,community,,1000,,,,submitted,initiate,,2025-01-01T00:00:00Z,,2025-01-02T00:00:00Z,,500000";
    let unreadable = "0190a0c0-0000-7000-8000-000000000006,education,department:69,Montant illisible,Résumé,,pedagogy,community,,1000,,,,submitted,initiate,,2025-01-01T00:00:00Z,,2025-01-02T00:00:00Z,,beaucoup";
    let content = format!(
        "{header}\n{good}\n{bad_territory}\n{bad_status}\n{missing_date}\n{granted}\n{unreadable}\n"
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, content).expect("write");
    let outcome = app
        .run_cli(
            &[
                "terrain",
                "import",
                "projects",
                file.to_str().expect("path"),
                "--lead",
                &lead.email,
            ],
            "",
        )
        .await;
    let error = outcome.expect_err("bad rows");
    assert!(error.to_string().contains("5 invalid row(s)"), "{error}");
    let mine: Value = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"], json!([]), "nothing imported");

    let report = terrain_app::import::import_projects(app.app(), &file, &lead.email).await;
    match report {
        Err(terrain_app::import::ImportError::Rows(rows)) => {
            let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, [3, 4, 5, 6, 7]);
            assert!(rows[0].1.contains("territory"), "{}", rows[0].1);
            assert!(rows[1].1.contains("status"), "{}", rows[1].1);
            assert!(
                rows[2].1.contains("submitted_at") && rows[2].1.contains("requested_amount_cents"),
                "{}",
                rows[2].1
            );
            assert!(rows[3].1.contains("granted_cents"), "{}", rows[3].1);
            assert!(rows[4].1.contains("granted_cents"), "{}", rows[4].1);
        }
        other => panic!("expected bad rows, got {other:?}"),
    }
    let _ = PASSWORD;
}

#[tokio::test]
async fn the_demonstration_data_set_refuses_a_database_that_holds_an_account() {
    let app = TestApp::spawn().await;
    app.lead("premiere").await;
    let outcome = app
        .run_cli(&["terrain", "demo", "--scale", "1"], "")
        .await
        .expect_err("an account exists");
    assert!(outcome.to_string().contains("accounts"), "{outcome}");
    let programmes = app.get_json("/api/v1/stats/overview").await;
    assert_eq!(programmes["projects"]["submitted"], 0);
}

#[tokio::test]
async fn a_semicolon_separated_windows_1252_file_with_the_required_columns_only_imports() {
    let app = TestApp::spawn().await;
    let lead = app.lead("importer").await;
    // As French Excel saves "CSV (séparateur : point-virgule)": Windows-1252, `;`, CRLF.
    let text = "programme;territory;title;summary;theme\r\n\
                education;department:69;Fête de l'été;Un goûter « à la ferme »;pedagogy\r\n";
    let windows_1252: Vec<u8> = text
        .chars()
        .map(|c| match c {
            'ê' => 0xEA,
            'é' => 0xE9,
            'û' => 0xFB,
            'à' => 0xE0,
            '«' => 0xAB,
            '»' => 0xBB,
            c if c.is_ascii() => c as u8,
            other => panic!("no Windows-1252 byte written for {other}"),
        })
        .collect();
    assert!(std::str::from_utf8(&windows_1252).is_err(), "not UTF-8");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("excel.csv");
    std::fs::write(&file, &windows_1252).expect("write");
    let imported = terrain_app::import::import_projects(app.app(), &file, &lead.email)
        .await
        .expect("imported");
    assert_eq!(imported, 1);

    // UTF-8 with its byte-order mark, commas, and a column missing: refused naming line 1.
    let bom = [
        &[0xEF, 0xBB, 0xBF][..],
        b"programme,territory,title,theme\n",
    ]
    .concat();
    let bad = dir.path().join("bom.csv");
    std::fs::write(&bad, bom).expect("write");
    let refused = terrain_app::import::import_projects(app.app(), &bad, &lead.email)
        .await
        .expect_err("summary is required");
    let message = refused.to_string();
    assert!(
        message.contains("ligne 1") && message.contains("summary"),
        "{message}"
    );

    let mine: Value = app
        .get_as("/api/v1/projects", &lead.token)
        .await
        .json()
        .await
        .expect("json");
    let project = &mine["items"][0];
    assert_eq!(project["title"], "Fête de l'été");
    assert_eq!(project["summary"], "Un goûter « à la ferme »");
    assert_eq!(project["status"], "draft");
    assert_eq!(project["stage"], "initiate");
    assert_eq!(project["requested_amount_cents"], 0);
}
