//! « Mise en œuvre et résultats » on the lead's and the reviewer's pages, the public page of a
//! validated project, and the programmes' page of national administrators.

use serde_json::{Value, json};

use super::Browser;
use crate::helpers::TestApp;

fn id(project: &Value) -> String {
    project["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_lead_records_milestones_a_measurement_and_the_report_then_transfers() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let project = app.validated_project(&lead, &admin, json!({})).await;
    let pid = id(&project);
    let base = format!("/espace/projets/{pid}");
    let mut browser = Browser::sign_in(&app, "porteuse@example.fr").await;
    let page = browser.get(&base).await;
    assert!(page.text().contains("Mise en œuvre et résultats"));

    // A milestone without a title: the error sits next to the field, nothing is added.
    let add = format!("{base}/resultats/jalon");
    let refused = browser
        .send(
            page.form(&add)
                .set("m_title", "")
                .set("m_due_on", "2026-03-01"),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.error_for("m_title").is_some(), "{}", refused.text());
    assert!(refused.is_marked_invalid("m_title"));
    assert_eq!(refused.summary().len(), 1);
    let added = browser
        .submit(
            refused
                .form(&add)
                .set("m_title", "Commande des bacs")
                .set("m_due_on", "2026-03-01"),
        )
        .await;
    assert_eq!(added.notice().as_deref(), Some("Le jalon a été ajouté."));
    assert!(
        added.text().contains("Avancement : 0 %"),
        "{}",
        added.text()
    );
    let done = browser
        .submit(added.form(&format!("{base}/resultats/jalon-fait")))
        .await;
    assert!(
        done.text().contains("Avancement : 100 %"),
        "{}",
        done.text()
    );

    // An indicator, then a measurement typed with a decimal comma.
    let indicator = browser
        .submit(
            done.form(&format!("{base}/resultats/indicateur"))
                .set("i_name", "Coût par famille accompagnée")
                .set("i_unit", "€")
                .set("i_baseline", "400")
                .set("i_target", "300"),
        )
        .await;
    assert_eq!(
        indicator.notice().as_deref(),
        Some("L'indicateur a été ajouté.")
    );
    let measured = browser
        .submit(
            indicator
                .form(&format!("{base}/resultats/mesure"))
                .set("x_value", "287,5")
                .set("x_measured_on", "2026-06-01"),
        )
        .await;
    assert!(
        measured.text().contains("Cible atteinte"),
        "{}",
        measured.text()
    );
    assert!(measured.text().contains("287,5"));

    // Transfer needs the report: refused first, then accepted once it is written.
    let tested = app
        .client
        .post(app.url(&format!("/api/v1/projects/{pid}/stage")))
        .bearer_auth(&lead.token)
        .header("if-match", "*")
        .json(&json!({"stage": "create"}))
        .send()
        .await
        .expect("request");
    assert_eq!(tested.status(), 200);
    for stage in ["test"] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/projects/{pid}/stage")))
            .bearer_auth(&lead.token)
            .header("if-match", "*")
            .json(&json!({"stage": stage}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
    }
    let page = browser.get(&base).await;
    let refused = browser
        .submit(page.form(&format!("{base}/etape")).set("stage", "transfer"))
        .await;
    assert!(
        refused.text().contains("rapport final"),
        "{}",
        refused.text()
    );
    let reported = browser
        .submit(
            refused
                .form(&format!("{base}/resultats/rapport"))
                .set("r_summary", "Trois classes ont cultivé le jardin.")
                .set("r_results", "Coût par famille : −28 %.")
                .set("r_recommendations", "Étendre aux écoles du secteur."),
        )
        .await;
    assert_eq!(
        reported.notice().as_deref(),
        Some("Le rapport final a été enregistré.")
    );
    let transferred = browser
        .submit(
            reported
                .form(&format!("{base}/etape"))
                .set("stage", "transfer"),
        )
        .await;
    let read = app.get_json(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(read["stage"], "transfer", "{}", transferred.text());
}

#[tokio::test]
async fn a_reviewer_records_a_payment_and_one_above_the_grant_is_refused_next_to_its_field() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse").await;
    let admin = app
        .account("instructeur", "admin", &["--territory", "academy:10"])
        .await;
    let project = app.validated_project(&lead, &admin, json!({})).await;
    let pid = id(&project);
    let fund = json!({"code": "FIP-LYON", "name": "Fonds d'innovation", "programme": "education",
                      "territory": "academy:10", "year": 2026, "envelope_cents": 1_000_000});
    assert_eq!(
        app.post("/api/v1/funds", &fund, Some(&admin.token))
            .await
            .status(),
        201
    );
    let support = json!({"kind": "financial", "fund": "FIP-LYON", "amount_cents": 150_000});
    let granted = app
        .post(
            &format!("/api/v1/projects/{pid}/supports"),
            &support,
            Some(&admin.token),
        )
        .await;
    assert_eq!(granted.status(), 201);

    let mut desk = Browser::sign_in(&app, "instructeur@example.fr").await;
    let base = format!("/instruction/projets/{pid}");
    let page = desk.get(&base).await;
    let pay = format!("{base}/resultats/versement");
    let refused = desk
        .send(
            page.form(&pay)
                .set("p_amount", "1 600")
                .set("p_paid_on", "2026-04-01"),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("dépasserait le montant accordé"),
        "{}",
        refused.text()
    );
    let paid = desk
        .submit(
            refused
                .form(&pay)
                .set("p_amount", "1 000,50")
                .set("p_paid_on", "2026-04-01"),
        )
        .await;
    assert_eq!(
        paid.notice().as_deref(),
        Some("Le versement a été enregistré.")
    );
    let funds = desk.get("/fonds").await;
    assert!(
        funds.body.contains("data-paid=\"100050\""),
        "{}",
        funds.text()
    );
    let project = app.get_json(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(project["paid_cents"], 100_050);
    // The dashboard's « Résultats » count it too.
    let dashboard = Browser::new(&app).get("/").await;
    assert!(dashboard.text().contains("Résultats"));
    assert!(
        dashboard
            .body
            .contains("data-figure=\"education.results.paid_cents\" data-value=\"100050\""),
        "{}",
        dashboard.text()
    );
}

#[tokio::test]
async fn the_public_page_shows_a_validated_project_without_personal_data_and_hides_others() {
    let app = TestApp::spawn().await;
    let lead = app.lead("porteuse-discrete").await;
    let admin = app
        .account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    let project = app.validated_project(&lead, &admin, json!({})).await;
    let pid = id(&project);
    let milestone = json!({"title": "Commande des bacs", "due_on": "2026-03-01"});
    app.post(
        &format!("/api/v1/projects/{pid}/milestones"),
        &milestone,
        Some(&lead.token),
    )
    .await;
    let draft = app
        .create_project(&lead, json!({"title": "Un brouillon discret"}))
        .await;

    let mut anyone = Browser::new(&app);
    let page = anyone.get(&format!("/projets/{pid}")).await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("Un jardin pédagogique partagé"), "{text}");
    assert!(text.contains("Commande des bacs"));
    assert!(text.contains("Rhône"));
    assert!(
        !page.body.contains("porteuse-discrete"),
        "no lead on a public page"
    );
    assert!(!page.body.contains('@'), "no address on a public page");
    assert!(
        page.forms_posting(&format!("/projets/{pid}/resultats/jalon"))
            .is_empty()
    );
    let hidden = anyone.get(&format!("/projets/{}", id(&draft))).await;
    assert_eq!(hidden.status, 404);
    let unknown = anyone
        .get(&format!("/projets/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_national_admin_creates_a_programme_from_its_page_and_leads_can_choose_it() {
    let app = TestApp::spawn().await;
    app.account("dgesco", "admin", &[]).await;
    app.account("ac-lyon", "admin", &["--territory", "academy:10"])
        .await;
    app.lead("cycliste").await;
    let mut regional = Browser::sign_in(&app, "ac-lyon@example.fr").await;
    assert_eq!(regional.get("/administration/programmes").await.status, 403);

    let mut national = Browser::sign_in(&app, "dgesco@example.fr").await;
    let page = national.get("/administration/programmes").await;
    assert!(page.text().contains("Notre école, faisons-la ensemble"));
    let create = "/administration/programmes";
    let refused = national
        .send(
            page.form(create)
                .set("code", "Mobilités")
                .set("name", "Mobilités du quotidien")
                .set("domain", "transport")
                .set("validation_level", "department")
                .set("themes", "velo : Vélo du quotidien"),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.error_for("code").is_some(), "{}", refused.text());
    let created = national
        .submit(
            refused
                .form(create)
                .set("code", "mobilites")
                .set("themes", "velo : Vélo du quotidien\nbus : Bus à la demande"),
        )
        .await;
    assert_eq!(
        created.notice().as_deref(),
        Some("Programme « Mobilités du quotidien » créé.")
    );
    let added = national
        .submit(
            created
                .form("/administration/programmes/mobilites/themes")
                .set("theme_code", "marche")
                .set("theme_label", "Marche à pied"),
        )
        .await;
    assert_eq!(added.notice().as_deref(), Some("Thème ajouté."));

    let mut lead = Browser::sign_in(&app, "cycliste@example.fr").await;
    let form = lead.get("/espace/projets/nouveau").await;
    assert!(form.options("programme").contains(&"mobilites".to_owned()));
    assert!(form.options("theme").contains(&"marche".to_owned()));
}
