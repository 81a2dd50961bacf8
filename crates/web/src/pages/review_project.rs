//! `/instruction/projets/{id}`: a project as the administrators in charge work on it (SPEC
//! §10): everything the lead sees, the lead's contact, private notes, followers, the previous
//! and next projects of the filtered queue, a form per decision allowed now with its comment
//! and templates, and the support form with the funds in scope and what remains of each.

use std::str::FromStr as _;

use axum::{
    extract::{Multipart, Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use terrain_app::{
    AppError, Expected,
    funding::{self, SupportInput},
    projects, review,
};
use terrain_domain::{
    Action, Cents, SupportKind,
    access::{self, Intent},
    fr,
    status::Circumstances,
};
use uuid::Uuid;

use super::{PathId, conversation, follow_up, instruction::QueueParams, notify_and_go, project};
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{Admin, SignedIn},
};

/// The form a problem belongs to, and its errors.
#[derive(Debug, Default)]
struct Problem {
    form: String,
    errors: FormErrors,
    /// The message as typed, when the conversation's form was refused.
    draft: String,
    /// The refusal of a follow-up form.
    follow_up: follow_up::Problem,
}

fn label(field: &str) -> String {
    let field = field.rsplit('.').next().unwrap_or(field);
    match field {
        "comment" => "Commentaire",
        "template_id" => "Modèle",
        "kind" => "Type de soutien",
        "fund" => "Fonds",
        "amount" | "amount_cents" => "Montant (€)",
        "note" => "Note",
        "body" => "Note privée",
        _ => "Formulaire",
    }
    .to_owned()
}

fn back_query(raw: Option<&str>) -> String {
    raw.unwrap_or_default().to_owned()
}

async fn render(
    state: &WebState,
    signed: SignedIn,
    id: Uuid,
    back: &str,
    problem: &Problem,
) -> Result<Page, PageError> {
    let actor = signed.actor();
    let (detail, history, list) = projects::page(&state.app, Some(&actor), id).await?;
    let project = &detail.project;
    if access::authorize(&actor, project, Intent::Review).is_err() {
        return Err(PageError::NotFound);
    }
    let notes = review::notes(&state.app, &actor, id).await?;
    let followers = review::followers(&state.app, &actor, id).await?;
    let params: QueueParams = serde_urlencoded::from_str(back).unwrap_or_default();
    let (previous, next) = match params.request(&signed, 1) {
        Ok(request) => review::neighbours(&state.app, &actor, &request, project)
            .await
            .unwrap_or((None, None)),
        Err(_) => (None, None),
    };
    let templates = review::templates(
        &state.app,
        &actor,
        Some(project.fields.programme.as_str()),
        None,
    )
    .await?;
    let funds = if project.status == terrain_domain::Status::Validated {
        funding::funds_for(&state.app, &actor, project).await?
    } else {
        Vec::new()
    };
    let talk = conversation::load(state, &actor, project).await?;
    let results = terrain_app::follow_up::of(&state.app, project.clone()).await?;
    let catalogue = state.app.catalogue();
    let suffix = if back.is_empty() {
        String::new()
    } else {
        format!("?{back}")
    };
    let base = format!("/instruction/projets/{id}");
    let follows = followers.iter().any(|f| f.id == actor.id);
    let errors_of = |form: &str| {
        if problem.form == form {
            problem.errors.clone()
        } else {
            FormErrors::none()
        }
    };
    let csrf = signed.viewer.csrf().to_owned();
    let actions = Action::available(
        project.status,
        terrain_domain::status::Party::AdminInScope,
        Circumstances {
            has_comment: true,
            has_financial_support: project.granted_cents > 0,
        },
    );
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" { ol {
            li { a href=(format!("/instruction{suffix}")) { "Instruction" } }
            li aria-current="page" { (project.fields.title.as_str()) }
        } }
        nav.pages aria-label="Projets voisins dans la liste" {
            @if let Some(p) = previous { a href=(format!("/instruction/projets/{p}{suffix}")) { "Précédent" } }
            " "
            @if let Some(n) = next { a href=(format!("/instruction/projets/{n}{suffix}")) { "Suivant" } }
        }
        h1 { (project.fields.title.as_str()) }
        @if !problem.errors.is_empty() { (problem.errors.summary(&label)) }
        p {
            "Statut : " span class=(format!("status {}", project.status.as_str())) { (fr::status(project.status)) }
            " · Étape : " (fr::stage(project.stage))
        }
        @if project.status == terrain_domain::Status::Validated {
            p { a href=(format!("/projets/{id}")) { "Voir la page publique du projet" } }
        }
        @if let Some(contact) = &detail.lead_contact {
            p { "Porteur : " strong { (contact.display_name) } " — " a href=(format!("mailto:{}", contact.email)) { (contact.email.as_str()) } }
        }
        h2 { "Décisions" }
        @if actions.is_empty() {
            p { "Aucune décision n'est possible au statut actuel." }
        }
        @for action in &actions {
            @let key = action.as_str();
            @let errors = errors_of(key);
            form.stack.decision method="post" action=(format!("{base}/decision{suffix}")) aria-label=(fr::action_button(*action)) novalidate {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="version" value=(project.version);
                input type="hidden" name="action" value=(key);
                @let comment_name = format!("{key}.comment");
                @let template_name = format!("{key}.template_id");
                @let comment = Field::new(&comment_name, "Commentaire", &errors);
                @let comment = if action.requires_comment() { comment.required() } else { comment };
                (comment.textarea("", 3))
                @if *action == Action::RequestChanges {
                    fieldset {
                        legend { "Motifs" }
                        div.checks {
                            @for reason in terrain_domain::CorrectionReason::ALL {
                                label {
                                    input type="checkbox" name=(format!("{key}.reasons")) value=(reason.as_str());
                                    (reason.label_fr())
                                }
                            }
                        }
                    }
                }
                @let relevant: Vec<_> = templates.iter().filter(|t| t.action == *action).collect();
                @if !relevant.is_empty() {
                    @let field = Field::new(&template_name, "Modèle de décision", &errors)
                        .hint("Son texte sert de commentaire si le champ est vide.");
                    (field.select(html! {
                        (option("", "Aucun", true))
                        @for t in &relevant { (option(&t.id.to_string(), &t.title, false)) }
                    }))
                }
                button type="submit" { (fr::action_button(*action)) }
            }
        }
        @if project.status == terrain_domain::Status::Validated {
            @let errors = errors_of("support");
            h2 { "Soutien" }
            form.stack method="post" action=(format!("{base}/soutien{suffix}")) novalidate {
                (token(&csrf))
                (Field::new("kind", "Type de soutien", &errors).required().select(html! {
                    @for kind in SupportKind::ALL { (option(kind.as_str(), kind.label_fr(), *kind == SupportKind::Financial)) }
                }))
                (Field::new("fund", "Fonds", &errors)
                    .hint("Pour un soutien financier : les fonds de votre périmètre qui couvrent ce projet.")
                    .select(html! {
                        (option("", "Aucun", funds.is_empty()))
                        @for fund in &funds {
                            (option(fund.code.as_str(), &format!("{} — {} (reste {})", fund.code, fund.name, fr::euros(fund.remaining_cents())), false))
                        }
                    }))
                (Field::new("amount", "Montant (€)", &errors).hint("En euros : 1 500,50 ou 1500.50.").input("text", "", None))
                (Field::new("note", "Note", &errors).textarea("", 2))
                button type="submit" { "Enregistrer le soutien" }
            }
        }
        (follow_up::section(&results, Some(&actor), &base, &csrf, &problem.follow_up))
        h2 { "Suivi" }
        @if followers.is_empty() {
            p { "Personne ne suit ce projet." }
        } @else {
            ul { @for f in &followers { li { (f.display_name) " — " (f.email.as_str()) } } }
        }
        form method="post" action=(format!("{base}/suivi{suffix}")) {
            (token(&csrf))
            input type="hidden" name="follow" value=(if follows { "0" } else { "1" });
            button.secondary type="submit" { @if follows { "Ne plus suivre" } @else { "Suivre ce projet" } }
        }
        h2 { "Notes privées" }
        p.hint { "Visibles des seuls administrateurs en charge : jamais du porteur, des observateurs ni des exports." }
        @if notes.is_empty() { p { "Aucune note." } }
        ul {
            @for note in &notes {
                li {
                    time datetime=(note.created_at.to_rfc3339()) { (fr::datetime(note.created_at)) }
                    " — " strong { (note.author_name) } " : "
                    @for (i, line) in note.body.lines().enumerate() { @if i > 0 { br; } (line) }
                }
            }
        }
        @let errors = errors_of("note");
        form.stack method="post" action=(format!("{base}/notes{suffix}")) novalidate {
            (token(&csrf))
            (Field::new("body", "Note privée", &errors).required().textarea("", 3))
            button.secondary type="submit" { "Ajouter la note" }
        }
        (conversation::section(
            &talk,
            &base,
            &csrf,
            &errors_of("conversation"),
            if problem.form == "conversation" { &problem.draft } else { "" },
        ))
        (project::facts(&catalogue, project))
        (project::stages(project))
        (project::supports(&list))
        (project::events(&detail))
        (project::timeline(&history))
    };
    let title = format!("Instruction — {}", project.fields.title.as_str());
    let status = if problem.errors.is_empty() && problem.follow_up.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new(title, signed.viewer, body).with_status(status))
}

/// `POST /instruction/projets/{id}/resultats/{what}`: a milestone, an indicator, a
/// measurement, the report or a payment of a validated project in scope.
pub async fn record_follow_up(
    State(state): State<WebState>,
    Admin(signed): Admin,
    Path((id, what)): Path<(Uuid, String)>,
    RawQuery(query): RawQuery,
    Form(form): Form<follow_up::FollowUpForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(form.csrf())?;
    let back = back_query(query.as_deref());
    match follow_up::post(&state, &signed.actor(), id, &what, form).await? {
        follow_up::Posted::Done(notice) => {
            let to = format!("{}#resultats", go(id, &back));
            notify_and_go(&state, &signed, notice.to_owned(), &to).await
        }
        follow_up::Posted::Refused(follow_up) => {
            let problem = Problem {
                follow_up,
                ..Problem::default()
            };
            let page = render(&state, signed, id, &back, &problem).await?;
            Ok(page.into_response())
        }
    }
}

/// `GET /instruction/projets/{id}`.
pub async fn show_project(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
) -> Result<Page, PageError> {
    render(
        &state,
        signed,
        id,
        &back_query(query.as_deref()),
        &Problem::default(),
    )
    .await
}

fn go(id: Uuid, back: &str) -> String {
    if back.is_empty() {
        format!("/instruction/projets/{id}")
    } else {
        format!("/instruction/projets/{id}?{back}")
    }
}

/// A decision form as posted: its action names its fields.
type Pairs = Vec<(String, String)>;

fn value<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /instruction/projets/{id}/decision`.
pub async fn decide(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    signed.viewer.check(value(&pairs, "csrf"))?;
    let back = back_query(query.as_deref());
    let actor = signed.actor();
    let key = value(&pairs, "action").to_owned();
    let Ok(action) = Action::from_str(&key) else {
        return Err(PageError::NotFound);
    };
    let version = value(&pairs, "version").parse::<i64>().unwrap_or(-1);
    let mut comment =
        Some(value(&pairs, &format!("{key}.comment")).trim().to_owned()).filter(|c| !c.is_empty());
    let template: Option<Uuid> = value(&pairs, &format!("{key}.template_id")).parse().ok();
    if comment.is_none()
        && let Some(template) = template
    {
        comment = Some(review::template(&state.app, &actor, template).await?.body);
    }
    let reasons_key = format!("{key}.reasons");
    let reasons: Vec<terrain_domain::CorrectionReason> = pairs
        .iter()
        .filter(|(k, _)| *k == reasons_key)
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let expected = Expected::OneOf(vec![version]);
    let mut errors = FormErrors::none();
    match projects::transition(
        &state.app,
        &actor,
        id,
        Some(&expected),
        action,
        comment,
        &reasons,
    )
    .await
    {
        Ok(detail) => {
            let notice = format!(
                "{} : le projet est maintenant « {} ».",
                fr::action_done(action),
                fr::status(detail.project.status).to_lowercase()
            );
            return notify_and_go(&state, &signed, notice, &go(id, &back)).await;
        }
        Err(AppError::Invalid(fields)) => {
            errors = FormErrors::from_fields(&fields, |f| format!("{key}.{f}"));
        }
        Err(AppError::Stale) => errors.general(
            "Ce projet a été modifié entre-temps : vérifiez-le avant de décider. Rien n'a été changé.",
        ),
        Err(AppError::Conflict(reason)) => errors.general(&reason),
        Err(other) => return Err(other.into()),
    }
    let problem = Problem {
        form: key,
        errors,
        ..Problem::default()
    };
    Ok(render(&state, signed, id, &back, &problem)
        .await?
        .into_response())
}

/// The support form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SupportForm {
    csrf: String,
    kind: String,
    fund: String,
    amount: String,
    note: String,
}

/// `POST /instruction/projets/{id}/soutien`.
pub async fn grant(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
    Form(form): Form<SupportForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let back = back_query(query.as_deref());
    let mut errors = FormErrors::none();
    let kind = SupportKind::from_str(&form.kind).ok();
    if kind.is_none() {
        errors.push("kind", "choisissez un type de soutien");
    }
    let amount = match form.amount.trim() {
        "" => None,
        text => match Cents::parse_euros(text) {
            Ok(cents) => Some(cents.get()),
            Err(_) => {
                errors.push("amount", "un montant en euros, avec au plus deux décimales");
                None
            }
        },
    };
    if let (true, Some(kind)) = (errors.is_empty(), kind) {
        let input = SupportInput {
            kind,
            fund: Some(form.fund.trim().to_owned()).filter(|f| !f.is_empty()),
            amount_cents: amount,
            note: Some(form.note.trim().to_owned()).filter(|n| !n.is_empty()),
        };
        match funding::grant(&state.app, &signed.actor(), id, input).await {
            Ok(support) => {
                let notice = match &support.grant {
                    terrain_domain::Grant::Financial { amount, fund } => format!(
                        "Soutien financier de {} enregistré sur le fonds {fund}.",
                        fr::euros(amount.get())
                    ),
                    terrain_domain::Grant::Other(kind) => {
                        format!("Soutien « {} » enregistré.", kind.label_fr())
                    }
                };
                return notify_and_go(&state, &signed, notice, &go(id, &back)).await;
            }
            Err(AppError::Invalid(fields)) => {
                errors = FormErrors::from_fields(&fields, |f| {
                    if f == "amount_cents" {
                        "amount".into()
                    } else {
                        f.to_owned()
                    }
                });
            }
            Err(AppError::Conflict(reason) | AppError::Forbidden(reason)) => {
                errors.general(&reason)
            }
            Err(other) => return Err(other.into()),
        }
    }
    let problem = Problem {
        form: "support".into(),
        errors,
        ..Problem::default()
    };
    Ok(render(&state, signed, id, &back, &problem)
        .await?
        .into_response())
}

/// The follow button as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowForm {
    csrf: String,
    follow: String,
}

/// `POST /instruction/projets/{id}/suivi`: « Suivre ce projet » / « Ne plus suivre ».
pub async fn follow(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
    Form(form): Form<FollowForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let back = back_query(query.as_deref());
    let actor = signed.actor();
    let follows = form.follow == "1";
    review::follow(&state.app, &actor, id, actor.id, follows).await?;
    let notice = if follows {
        "Vous suivez ce projet : vous serez prévenu de ses nouveaux dépôts."
    } else {
        "Vous ne suivez plus ce projet."
    };
    notify_and_go(&state, &signed, notice.into(), &go(id, &back)).await
}

/// The note form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    csrf: String,
    body: String,
}

/// `POST /instruction/projets/{id}/notes`.
pub async fn add_note(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    RawQuery(query): RawQuery,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let back = back_query(query.as_deref());
    match review::add_note(&state.app, &signed.actor(), id, form.body.trim()).await {
        Ok(_) => notify_and_go(&state, &signed, "Note ajoutée.".into(), &go(id, &back)).await,
        Err(AppError::Invalid(fields)) => {
            let problem = Problem {
                form: "note".into(),
                errors: FormErrors::from_fields(&fields, str::to_owned),
                ..Problem::default()
            };
            Ok(render(&state, signed, id, &back, &problem)
                .await?
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /instruction/projets/{id}/messages`: a message to the lead, perhaps with a file.
pub async fn post_message(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let posted = conversation::receive(&state, &signed, id, multipart, true).await?;
    after_post(
        state,
        signed,
        id,
        posted,
        "Votre message a été envoyé au porteur.",
        "#messages",
    )
    .await
}

/// `POST /instruction/projets/{id}/pieces`: a file attached to the project by the reviewer.
pub async fn upload_file(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let posted = conversation::receive(&state, &signed, id, multipart, false).await?;
    after_post(
        state,
        signed,
        id,
        posted,
        "La pièce jointe a été ajoutée.",
        "#pieces",
    )
    .await
}

async fn after_post(
    state: WebState,
    signed: SignedIn,
    id: Uuid,
    posted: conversation::Posted,
    notice: &str,
    anchor: &str,
) -> Result<Response, PageError> {
    if posted.errors.is_empty() {
        let to = format!("/instruction/projets/{id}{anchor}");
        return notify_and_go(&state, &signed, notice.to_owned(), &to).await;
    }
    let problem = Problem {
        form: "conversation".into(),
        errors: posted.errors,
        draft: posted.draft,
        ..Problem::default()
    };
    Ok(render(&state, signed, id, "", &problem)
        .await?
        .into_response())
}

/// `GET /instruction/projets/{id}/pieces/{file}`.
pub async fn download_file(
    State(state): State<WebState>,
    Admin(signed): Admin,
    Path((id, file)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    conversation::download(&state, &signed, id, file).await
}
