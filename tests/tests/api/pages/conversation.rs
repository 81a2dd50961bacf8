//! Messages, files and correction requests on the lead's and the reviewer's pages.

use serde_json::{Value, json};

use super::Browser;
use crate::{
    conversation::{BUDGET_PDF, PLAN_PNG},
    helpers::TestApp,
};

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_lead_answers_a_change_request_with_a_file_and_the_reviewer_reads_it() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let reviewer = app
        .account("instructrice", "admin", &["--programme", "education"])
        .await;
    let project = app.create_project(&lead, json!({})).await;
    let project = app
        .walk(&project, &[(&lead, "submit"), (&reviewer, "start_review")])
        .await;
    let pid = id(&project);

    // The reviewer asks for changes from the page, with two reasons.
    let mut desk = Browser::sign_in(&app, "instructrice@example.fr").await;
    let page = desk.get(&format!("/instruction/projets/{pid}")).await;
    let decision = format!("/instruction/projets/{pid}/decision");
    let form = page
        .forms_posting(&decision)
        .into_iter()
        .find(|f| f.value("action") == Some("request_changes"))
        .expect("the request form");
    let asked = desk
        .submit(
            form.set("request_changes.comment", "Joignez le devis du menuisier.")
                .check("request_changes.reasons", &["incomplete", "outdated"]),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text());

    let mut lead_browser = Browser::sign_in(&app, "porteuse@example.fr").await;
    let base = format!("/espace/projets/{pid}");
    let page = lead_browser.get(&base).await;
    let text = page.text();
    assert!(
        text.contains("La commission demande des modifications"),
        "{text}"
    );
    assert!(
        text.contains("Motifs : Dossier incomplet, Informations périmées."),
        "{text}"
    );
    assert!(text.contains("Joignez le devis du menuisier."), "{text}");

    // A file of the wrong kind is refused next to its field, and the message is kept.
    let message_form = page.form(&format!("{base}/messages#messages"));
    let refused = lead_browser
        .send_multipart(
            message_form.clone().set("body", "Voici le devis demandé."),
            Some((
                "file",
                "devis.pdf",
                b"<html>pas un PDF</html>",
                "application/pdf",
            )),
        )
        .await;
    assert_eq!(refused.status, 422);
    let error = refused
        .error_for("file-m")
        .expect("an error next to the file");
    assert!(error.contains("PDF"), "{error}");
    assert!(
        refused.body.contains("Voici le devis demandé."),
        "kept as typed"
    );
    let empty = lead_browser
        .send_multipart(message_form.clone().set("body", ""), None)
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.error_for("body").is_some(), "{}", empty.text());

    // The lead corrects the project: a file attached, a message, then the new submission.
    let attached = lead_browser
        .send_multipart(
            page.form(&format!("{base}/pieces#pieces")),
            Some(("file", "devis menuisier.pdf", BUDGET_PDF, "application/pdf")),
        )
        .await;
    let attached = lead_browser.follow(attached).await;
    assert_eq!(
        attached.notice().as_deref(),
        Some("La pièce jointe a été ajoutée.")
    );
    let sent = lead_browser
        .send_multipart(
            attached
                .form(&format!("{base}/messages#messages"))
                .set("body", "Voici le devis demandé.\nBien à vous."),
            Some(("file", "plan.png", PLAN_PNG, "image/png")),
        )
        .await;
    let sent = lead_browser.follow(sent).await;
    assert_eq!(
        sent.notice().as_deref(),
        Some("Votre message a été envoyé.")
    );
    let text = sent.text();
    assert!(text.contains("Voici le devis demandé."), "{text}");
    assert!(text.contains("devis menuisier.pdf"), "{text}");
    let resubmitted = lead_browser
        .submit(sent.form(&format!("{base}/depot")))
        .await;
    assert!(
        resubmitted
            .text()
            .contains("Demande traitée : projet déposé à nouveau le"),
        "{}",
        resubmitted.text()
    );

    // The reviewer sees an unread message in the queue, reads it and downloads the file.
    let queue = desk.get("/instruction?tab=all").await;
    assert!(
        queue.text().contains("1 message non lu dans 1 projet"),
        "{}",
        queue.text()
    );
    let page = desk.get(&format!("/instruction/projets/{pid}")).await;
    let text = page.text();
    assert!(text.contains("Voici le devis demandé."), "{text}");
    let link = page.link("plan.png").expect("the file of the message");
    let download = desk.get_raw(&link).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.headers["content-type"], "image/png");
    assert_eq!(download.headers["x-content-type-options"], "nosniff");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment;")
    );
    let queue = desk.get("/instruction?tab=all").await;
    assert!(!queue.text().contains("message non lu"), "read now");

    // The reviewer answers; the lead sees it counted on their space.
    let answered = desk
        .send_multipart(
            page.form(&format!("/instruction/projets/{pid}/messages#messages"))
                .set("body", "Merci, le dossier est complet."),
            None,
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let space = lead_browser.get("/espace").await;
    assert!(
        space.text().contains("1 message non lu"),
        "{}",
        space.text()
    );
}

#[tokio::test]
async fn once_submitted_the_lead_page_offers_no_upload_nor_removal() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let project = app.create_project(&lead, json!({})).await;
    let pid = id(&project);
    let mut browser = Browser::sign_in(&app, "porteuse@example.fr").await;
    let base = format!("/espace/projets/{pid}");
    let page = browser.get(&base).await;
    let attached = browser
        .send_multipart(
            page.form(&format!("{base}/pieces#pieces")),
            Some(("file", "budget.pdf", BUDGET_PDF, "application/pdf")),
        )
        .await;
    let page = browser.follow(attached).await;
    let file_id = page
        .link("budget.pdf")
        .expect("listed")
        .rsplit('/')
        .next()
        .expect("id")
        .to_owned();
    assert!(
        page.buttons().contains(&"Retirer".to_owned()),
        "a draft's file can go"
    );

    app.walk(&project, &[(&lead, "submit")]).await;
    let page = browser.get(&base).await;
    assert!(!page.buttons().contains(&"Retirer".to_owned()));
    assert!(
        !page
            .buttons()
            .contains(&"Ajouter la pièce jointe".to_owned())
    );
    assert!(page.text().contains("envoyez un fichier avec un message"));
    // A removal posted anyway is refused, and the file stays.
    let refused = browser
        .post(
            &format!("{base}/pieces/{file_id}/suppression"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(refused.status, 403, "a forged token first");
    let csrf = page
        .form(&format!("{base}/messages#messages"))
        .value("csrf")
        .expect("token")
        .to_owned();
    let refused = browser
        .post(
            &format!("{base}/pieces/{file_id}/suppression"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("ses pièces jointes sont figées"),
        "{}",
        refused.text()
    );
    let download = browser.get_raw(&format!("{base}/pieces/{file_id}")).await;
    assert_eq!(download.status, 200);
}
