//! Attachments: stored byte for byte, recognised from their content, bounded per file and per
//! project, seen only by the lead and the administrators in charge, frozen once the project
//! leaves the lead's hands, and carried by the project's archive.

use std::io::Read;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{BUDGET_PDF, PLAN_PNG, attach_budget, id, upload};
use crate::helpers::{TestApp, assert_problem};

/// The project's files as `session` lists them.
async fn files(app: &TestApp, session: &crate::helpers::Session, project: &str) -> Value {
    app.get_as(
        &format!("/api/v1/projects/{project}/attachments"),
        &session.token,
    )
    .await
    .json()
    .await
    .expect("json")
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_pdf_comes_back_byte_for_byte_as_an_attachment_that_is_never_sniffed() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;

    let file = attach_budget(&app, &lead, id(&project)).await;
    assert_eq!(file["name"], "budget prévisionnel.pdf");
    assert_eq!(file["size"], BUDGET_PDF.len());
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["sha256"], hex(BUDGET_PDF));
    assert_eq!(file["uploaded_by"], lead.id.as_str());

    let download = app
        .get_as(
            &format!(
                "/api/v1/projects/{}/attachments/{}",
                id(&project),
                id(&file)
            ),
            &lead.token,
        )
        .await;
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''budget%20pr%C3%A9visionnel%2Epdf"),
        "{disposition}"
    );
    let body = download.bytes().await.expect("body");
    assert_eq!(body.as_ref(), BUDGET_PDF, "the same bytes");

    let list = files(&app, &lead, id(&project)).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert_eq!(list["items"][0]["sha256"], hex(BUDGET_PDF));
}

#[tokio::test]
async fn a_file_is_judged_by_its_content_not_by_its_declared_type() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec();

    let response = upload(
        &app,
        &lead,
        id(&project),
        "devis.pdf",
        "application/pdf",
        html,
    )
    .await;
    let problem = assert_problem(response, 415).await;
    assert!(
        problem["detail"].as_str().expect("detail").contains("PDF"),
        "{problem}"
    );
    // A real image declared as anything is recognised as what it is.
    let response = upload(
        &app,
        &lead,
        id(&project),
        "plan",
        "application/octet-stream",
        PLAN_PNG.to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let file: Value = response.json().await.expect("file");
    assert_eq!(file["content_type"], "image/png");

    let empty = upload(
        &app,
        &lead,
        id(&project),
        "vide.pdf",
        "application/pdf",
        vec![],
    )
    .await;
    assert_problem(empty, 422).await;
    let list = files(&app, &lead, id(&project)).await;
    assert_eq!(
        list["items"].as_array().expect("items").len(),
        1,
        "only the image"
    );
}

#[tokio::test]
async fn a_declared_21_mb_upload_is_refused_before_its_body_is_read() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    // The headers promise 21 MB; only a few bytes follow, and the answer comes anyway.
    let head = format!(
        "POST /api/v1/projects/{}/attachments HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=x\r\n\
         Content-Length: 21000000\r\n\r\n--x\r\n",
        id(&project),
        lead.token
    );
    socket.write_all(head.as_bytes()).await.expect("write");
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read(&mut answer))
        .await
        .expect("an answer without the rest of the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn a_file_past_20_mb_is_cut_off_while_streamed_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    // A PDF head then filler: 21 MB sent in chunks, without a declared length.
    let chunk = vec![b' '; 1_000_000];
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = std::iter::once(Ok(BUDGET_PDF.to_vec()))
        .chain((0..21).map(|_| Ok(chunk.clone())))
        .collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::stream(body)
            .file_name("gros.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/projects/{}/attachments", id(&project))))
        .bearer_auth(&lead.token)
        .multipart(form)
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    } // The server may also close the connection while the client is still sending.
    let list = files(&app, &lead, id(&project)).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn the_project_quota_holds_even_under_concurrent_uploads() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let big = |mb: usize| {
        let mut bytes = BUDGET_PDF.to_vec();
        bytes.resize(mb * 1_000_000, b' ');
        bytes
    };
    for n in 0..4 {
        let response = upload(
            &app,
            &lead,
            id(&project),
            &format!("{n}.pdf"),
            "application/pdf",
            big(20),
        )
        .await;
        assert_eq!(response.status(), 201, "file {n}");
    }
    // 80 MB held, 20 MB left: of three 8 MB files sent together, two fit.
    let names: Vec<String> = (0..3).map(|n| format!("extra-{n}.pdf")).collect();
    let sends = names
        .iter()
        .map(|name| upload(&app, &lead, id(&project), name, "application/pdf", big(8)));
    let statuses: Vec<u16> = futures::future::join_all(sends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![201, 201, 409], "{statuses:?}");
    let full = upload(
        &app,
        &lead,
        id(&project),
        "encore.pdf",
        "application/pdf",
        big(5),
    )
    .await;
    let problem = assert_problem(full, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("100 Mo"),
        "{problem}"
    );
    let list = files(&app, &lead, id(&project)).await;
    let total: u64 = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["size"].as_u64().expect("size"))
        .sum();
    assert_eq!(total, 96_000_000);
    // Removing a file gives its room back.
    let first = list["items"][0]["id"].as_str().expect("id").to_owned();
    let removed = app
        .delete(
            &format!("/api/v1/projects/{}/attachments/{first}", id(&project)),
            &lead,
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    let again = upload(
        &app,
        &lead,
        id(&project),
        "encore.pdf",
        "application/pdf",
        big(5),
    )
    .await;
    assert_eq!(again.status(), 201);
}

#[tokio::test]
async fn only_the_lead_and_the_admins_in_charge_see_the_files() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let other = app.lead("voisine").await;
    let observer = app.account("analyste", "observer", &[]).await;
    let elsewhere = app
        .account("sante", "admin", &["--programme", "health"])
        .await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let file = attach_budget(&app, &lead, id(&project)).await;
    let project = app
        .walk(
            &project,
            &[
                (&lead, "submit"),
                (&reviewer, "start_review"),
                (&reviewer, "validate"),
            ],
        )
        .await;
    // The project is public now; its files are not.
    assert_eq!(
        app.get_as(&format!("/api/v1/projects/{}", id(&project)), &other.token)
            .await
            .status(),
        200
    );
    let paths = [
        format!("/api/v1/projects/{}/attachments", id(&project)),
        format!(
            "/api/v1/projects/{}/attachments/{}",
            id(&project),
            id(&file)
        ),
        format!("/api/v1/projects/{}/archive.zip", id(&project)),
        format!("/api/v1/projects/{}/messages", id(&project)),
    ];
    for session in [&other, &observer, &elsewhere] {
        for path in &paths {
            let response = app.get_as(path, &session.token).await;
            assert_problem(response, 404).await;
        }
        let response = upload(
            &app,
            session,
            id(&project),
            "x.pdf",
            "application/pdf",
            BUDGET_PDF.to_vec(),
        )
        .await;
        assert_problem(response, 404).await;
    }
    assert_eq!(app.get_as(&paths[1], &reviewer.token).await.status(), 200);
    assert_eq!(
        app.get(&paths[1]).await.status(),
        401,
        "anonymous: sign in first"
    );
}

#[tokio::test]
async fn once_submitted_the_lead_can_neither_add_nor_remove_a_file_but_the_reviewer_can_add() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let file = attach_budget(&app, &lead, id(&project)).await;
    let project = app
        .walk(
            &project,
            &[
                (&lead, "submit"),
                (&reviewer, "start_review"),
                (&reviewer, "validate"),
            ],
        )
        .await;
    let response = upload(
        &app,
        &lead,
        id(&project),
        "x.pdf",
        "application/pdf",
        BUDGET_PDF.to_vec(),
    )
    .await;
    assert_problem(response, 403).await;
    let path = format!(
        "/api/v1/projects/{}/attachments/{}",
        id(&project),
        id(&file)
    );
    assert_problem(app.delete(&path, &lead, None).await, 403).await;
    assert_problem(app.delete(&path, &reviewer, None).await, 403).await;
    assert_eq!(app.get_as(&path, &lead.token).await.status(), 200, "kept");
    // The commission adds its own documents at any time.
    let report = upload(
        &app,
        &reviewer,
        id(&project),
        "avis.png",
        "image/png",
        PLAN_PNG.to_vec(),
    )
    .await;
    assert_eq!(report.status(), 201);
}

#[tokio::test]
async fn the_archive_holds_the_project_its_history_and_its_files() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    attach_budget(&app, &lead, id(&project)).await;
    attach_budget(&app, &lead, id(&project)).await;
    let project = app
        .walk(&project, &[(&lead, "submit"), (&reviewer, "start_review")])
        .await;

    let response = app
        .get_as(
            &format!("/api/v1/projects/{}/archive.zip", id(&project)),
            &reviewer.token,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.expect("zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "historique.csv",
            "pieces-jointes/budget prévisionnel (2).pdf",
            "pieces-jointes/budget prévisionnel.pdf",
            "projet.json"
        ]
    );
    let mut json = String::new();
    zip.by_name("projet.json")
        .expect("json")
        .read_to_string(&mut json)
        .expect("read");
    let json: Value = serde_json::from_str(&json).expect("project json");
    assert_eq!(json["id"], project["id"]);
    assert_eq!(json["status"], "under_review");
    let mut history = String::new();
    zip.by_name("historique.csv")
        .expect("csv")
        .read_to_string(&mut history)
        .expect("read");
    assert!(
        history.contains(r#""submit","draft","submitted""#),
        "{history}"
    );
    assert!(
        history.contains(r#""start_review","submitted","under_review""#),
        "{history}"
    );
    let mut pdf = Vec::new();
    zip.by_name("pieces-jointes/budget prévisionnel.pdf")
        .expect("pdf")
        .read_to_end(&mut pdf)
        .expect("read");
    assert_eq!(pdf, BUDGET_PDF);
}

#[tokio::test]
async fn files_and_messages_are_never_in_the_exports_nor_the_feed() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app.account("nationale", "admin", &[]).await;
    let project = app.create_project(&lead, json!({})).await;
    attach_budget(&app, &lead, id(&project)).await;
    let project = app.walk(&project, &[(&lead, "submit")]).await;
    let sent = app
        .post(
            &format!("/api/v1/projects/{}/messages", id(&project)),
            &json!({"body": "Message confidentiel du porteur"}),
            Some(&lead.token),
        )
        .await;
    assert_eq!(sent.status(), 201);

    let csv = app
        .get_as("/api/v1/exports/projects.csv", &admin.token)
        .await
        .text()
        .await
        .expect("csv");
    assert!(csv.contains(id(&project)), "the project is exported");
    for secret in ["confidentiel", "budget prévisionnel", "attachment"] {
        assert!(!csv.contains(secret), "{secret} in {csv}");
    }
    let feed = app
        .get_as("/api/v1/changes", &admin.token)
        .await
        .text()
        .await
        .expect("feed");
    for secret in ["confidentiel", "budget", "message"] {
        assert!(!feed.contains(secret), "{secret} in {feed}");
    }
}

#[tokio::test]
async fn a_file_whose_row_was_never_committed_is_swept_and_the_others_stay() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let kept = attach_budget(&app, &lead, id(&project)).await;
    // A crash between the object and its row leaves an object nobody can reach: the
    // sweeper takes it once old enough (the worker waits an hour; here, at once); the
    // committed file stays.
    let hour = chrono::Duration::hours(1);
    assert_eq!(
        terrain_app::attachments::sweep(app.app(), hour)
            .await
            .expect("sweep"),
        0,
        "nothing is an hour old"
    );
    let orphan = terrain_domain::Attachment::object_key(
        uuid::Uuid::parse_str(id(&project)).expect("uuid"),
        uuid::Uuid::now_v7(),
    );
    let mut upload = app.app().files().create(&orphan).await.expect("create");
    upload.write(BUDGET_PDF).await.expect("write");
    upload.finish().await.expect("finish");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let swept = terrain_app::attachments::sweep(app.app(), chrono::Duration::zero())
        .await
        .expect("sweep");
    assert_eq!(swept, 1, "the orphan {orphan}");
    assert!(app.app().files().read(&orphan).await.is_err(), "gone");
    let download = app
        .get_as(
            &format!(
                "/api/v1/projects/{}/attachments/{}",
                id(&project),
                id(&kept)
            ),
            &lead.token,
        )
        .await;
    assert_eq!(download.bytes().await.expect("body").as_ref(), BUDGET_PDF);
}

#[tokio::test]
async fn an_upload_takes_one_part_named_file_and_nothing_else() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let path = format!("/api/v1/projects/{}/attachments", id(&project));
    let pdf = || {
        reqwest::multipart::Part::bytes(BUDGET_PDF.to_vec())
            .file_name("budget.pdf")
            .mime_str("application/pdf")
            .expect("mime")
    };
    let forms = [
        reqwest::multipart::Form::new()
            .part("file", pdf())
            .text("extra", "42"),
        reqwest::multipart::Form::new()
            .text("extra", "42")
            .part("file", pdf()),
        reqwest::multipart::Form::new().part("document", pdf()),
    ];
    for form in forms {
        let response = app
            .client
            .post(app.url(&path))
            .bearer_auth(&lead.token)
            .multipart(form)
            .send()
            .await
            .expect("request");
        assert_problem(response, 422).await;
    }
    let list: Value = app
        .get_as(&path, &lead.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"], json!([]), "nothing kept");
}
