//! `/instruction`: the review queue of an administrator's scope (SPEC §10): tabs with their
//! counts, filters, 50 projects a page with the previous and next pages, a checkbox per row and
//! an action bar offering only the decisions every project of the page allows; batches.

use std::str::FromStr as _;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    AppError, batches,
    idempotency::{Once, Outcome as Once_, StoredResponse},
    pagination,
    projects::{self, ProjectCursor},
    review::{self, QueueRequest},
};
use terrain_domain::{
    Action, ProgrammeCode, Project, Scope, Stage, fr,
    project::Category,
    review::{Batch, BatchAction, Outcome, Tab},
    status::{Circumstances, Party},
};
use uuid::Uuid;

use super::PathId;
use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
    layout::Page,
    session::{Admin, SignedIn},
};

/// Projects a page.
const PAGE: u64 = 50;

/// The queue's tab, filters and position, as in the query string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    tab: String,
    programme: String,
    territory: String,
    theme: String,
    stage: String,
    category: String,
    follower: String,
    submitted_from: String,
    submitted_to: String,
    q: String,
    sort: String,
    after: String,
    before: String,
}

fn tab_label(tab: Tab) -> &'static str {
    match tab {
        Tab::ToReview => "À examiner",
        Tab::Followed => "Suivis par moi",
        Tab::Waiting => "En attente du porteur",
        Tab::Decided => "Décidés",
        Tab::All => "Tous",
    }
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl QueueParams {
    /// The filters as a query string (position left out), for links that keep them.
    pub fn query(&self, with_tab: Option<Tab>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        let tab: &str = match with_tab {
            Some(tab) => tab.as_str(),
            None => &self.tab,
        };
        for (key, value) in [
            ("tab", tab),
            ("programme", &self.programme),
            ("territory", &self.territory),
            ("theme", &self.theme),
            ("stage", &self.stage),
            ("category", &self.category),
            ("follower", &self.follower),
            ("submitted_from", &self.submitted_from),
            ("submitted_to", &self.submitted_to),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !value.trim().is_empty() {
                q.append_pair(key, value.trim());
            }
        }
        q.finish()
    }

    /// The request of the use case, or the errors of what the query string alone can tell.
    pub fn request(&self, signed: &SignedIn, limit: u64) -> Result<QueueRequest, FormErrors> {
        let mut errors = FormErrors::none();
        let tab = some(&self.tab).and_then(|t| Tab::from_str(&t).ok());
        let stage = match some(&self.stage) {
            Some(s) => Stage::from_str(&s).map_or_else(
                |_| {
                    errors.push("stage", "étape inconnue");
                    None
                },
                Some,
            ),
            None => None,
        };
        let category = match some(&self.category) {
            Some(c) => Category::from_str(&c).map_or_else(
                |_| {
                    errors.push("category", "catégorie inconnue");
                    None
                },
                Some,
            ),
            None => None,
        };
        let mut day = |field: &str, text: &str| match some(text) {
            Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_or_else(
                |_| {
                    errors.push(field, "une date, par exemple 2026-09-01");
                    None
                },
                Some,
            ),
            None => None,
        };
        let submitted_from = day("submitted_from", &self.submitted_from);
        let submitted_to = day("submitted_to", &self.submitted_to);
        let follower = match some(&self.follower).as_deref() {
            Some("me") => Some(signed.session.user.id.to_string()),
            other => other.map(str::to_owned),
        };
        let descending = self.sort == "-submitted_at";
        let list = list(descending);
        let after = match some(&self.after) {
            Some(c) => pagination::decode_project(&list, &c).map_or_else(
                |_| {
                    errors.push(
                        "",
                        "Le lien de cette page n'est plus valable : revenez à la première page.",
                    );
                    None
                },
                Some,
            ),
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(QueueRequest {
            tab,
            programme: some(&self.programme),
            territory: some(&self.territory),
            theme: some(&self.theme),
            stage,
            category,
            follower,
            submitted_from,
            submitted_to,
            q: some(&self.q),
            descending,
            after,
            limit,
        })
    }
}

fn list(descending: bool) -> String {
    format!("queue{}", if descending { "-desc" } else { "" })
}

fn cursor_of(descending: bool, project: &Project) -> String {
    pagination::encode_project(&list(descending), project.submitted_at, project.id)
}

fn label(field: &str) -> String {
    match field {
        "programme" => "Programme",
        "territory" => "Territoire",
        "theme" => "Thème",
        "stage" => "Étape",
        "category" => "Catégorie",
        "follower" => "Instructeur",
        "submitted_from" => "Déposé à partir du",
        "submitted_to" => "Déposé jusqu'au",
        "q" => "Titre contient",
        "project_ids" => "Projets",
        "comment" => "Commentaire",
        "template_id" => "Modèle",
        "action" => "Décision",
        _ => "Filtres",
    }
    .to_owned()
}

/// The filters, offering only the programmes and territories of the reviewer's scope.
fn filters_form(
    state: &WebState,
    scope: &Scope,
    params: &QueueParams,
    errors: &FormErrors,
) -> Markup {
    let catalogue = state.app.catalogue();
    let in_scope = |code: &ProgrammeCode| scope.programme.as_ref().is_none_or(|p| p == code);
    let programmes = html! {
        (option("", "Tous", params.programme.is_empty()))
        @for p in catalogue.programmes().iter().filter(|p| in_scope(&p.code)) {
            (option(p.code.as_str(), &p.name, p.code.as_str() == params.programme))
        }
    };
    let themes = html! {
        (option("", "Tous", params.theme.is_empty()))
        @for p in catalogue.programmes().iter().filter(|p| in_scope(&p.code)) {
            optgroup label=(p.name) {
                @for t in &p.themes {
                    (option(&t.code, &t.label, t.code == params.theme))
                }
            }
        }
    };
    let stages = html! {
        (option("", "Toutes", params.stage.is_empty()))
        @for s in Stage::ALL { (option(s.as_str(), fr::stage(*s), s.as_str() == params.stage)) }
    };
    let categories = html! {
        (option("", "Toutes", params.category.is_empty()))
        @for c in Category::ALL { (option(c.as_str(), c.label_fr(), c.as_str() == params.category)) }
    };
    let followers = html! {
        (option("", "Tous", params.follower.is_empty()))
        (option("none", "Sans instructeur", params.follower == "none"))
        (option("me", "Moi", params.follower == "me"))
    };
    let sorts = html! {
        (option("submitted_at", "Dépôt le plus ancien d'abord", params.sort != "-submitted_at"))
        (option("-submitted_at", "Dépôt le plus récent d'abord", params.sort == "-submitted_at"))
    };
    html! {
        form.filters method="get" action="/instruction" aria-label="Filtres" {
            input type="hidden" name="tab" value=(params.tab);
            (Field::new("territory", "Territoire", errors).filter()
                .select(super::project_form::territory_options_within(
                    &catalogue,
                    &params.territory,
                    scope.territory.as_ref(),
                    "Tous",
                )))
            (Field::new("programme", "Programme", errors).filter().select(programmes))
            (Field::new("theme", "Thème", errors).filter().select(themes))
            (Field::new("stage", "Étape", errors).filter().select(stages))
            (Field::new("category", "Catégorie", errors).filter().select(categories))
            (Field::new("follower", "Instructeur", errors).filter().select(followers))
            (Field::new("submitted_from", "Déposé à partir du", errors).filter()
                .input("date", &params.submitted_from, None))
            (Field::new("submitted_to", "Déposé jusqu'au", errors).filter()
                .input("date", &params.submitted_to, None))
            (Field::new("q", "Titre contient", errors).filter().input("text", &params.q, None))
            (Field::new("sort", "Tri", errors).filter().select(sorts))
            div.field { button type="submit" { "Filtrer" } }
        }
    }
}

/// The decisions every project of `projects` allows now.
fn common_actions(projects: &[Project]) -> Vec<BatchAction> {
    let mut actions: Vec<BatchAction> = BatchAction::ALL.to_vec();
    for project in projects {
        let allowed = Action::available(
            project.status,
            Party::AdminInScope,
            Circumstances {
                has_comment: true,
                has_financial_support: project.granted_cents > 0,
            },
        );
        actions.retain(|a| a.action().is_none_or(|action| allowed.contains(&action)));
    }
    actions
}

fn batch_label(action: BatchAction) -> &'static str {
    match action {
        BatchAction::StartReview => "Commencer l'examen",
        BatchAction::Validate => "Valider",
        BatchAction::Reject => "Refuser",
        BatchAction::RequestChanges => "Demander des modifications",
        BatchAction::Follow => "Suivre ces projets",
    }
}

struct Listing<'a> {
    params: &'a QueueParams,
    queue: review::Queue,
    descending: bool,
    backwards: bool,
    templates: Vec<terrain_domain::review::DecisionTemplate>,
    /// Messages not read yet, by project, across the whole scope.
    unread: std::collections::HashMap<Uuid, u64>,
}

fn table(state: &WebState, listing: &Listing<'_>) -> Markup {
    let catalogue = state.app.catalogue();
    let back = listing.params.query(Some(listing.params.request_tab()));
    let unread_total: u64 = listing.unread.values().sum();
    html! {
        @if unread_total > 0 {
            p.unread {
                (super::unread_text(unread_total)) " dans " (fr::number(listing.unread.len() as i64))
                @if listing.unread.len() == 1 { " projet" } @else { " projets" }
                " de votre périmètre."
            }
        }
        div.table-wrap role="region" tabindex="0" aria-label="Les projets de la liste" {
            table {
                caption { (tab_label(listing.params.request_tab())) " — " (fr::number(listing.queue.counts.of(listing.params.request_tab()) as i64)) " projets" }
                thead { tr {
                    th scope="col" { span.visually-hidden { "Sélection" } }
                    th scope="col" { "Titre" }
                    th scope="col" { "Territoire" }
                    th scope="col" { "Statut" }
                    th scope="col" { "Étape" }
                    th scope="col" { "Déposé le" }
                } }
                tbody {
                    @for project in &listing.queue.page.items {
                        @let id = format!("select-{}", project.id);
                        tr {
                            td {
                                input type="checkbox" id=(id) name="project_ids" value=(project.id);
                                label.visually-hidden for=(id) { "Sélectionner « " (project.fields.title.as_str()) " »" }
                            }
                            td {
                                a href=(format!("/instruction/projets/{}?{back}", project.id)) { (project.fields.title.as_str()) }
                                @if let Some(n) = listing.unread.get(&project.id) {
                                    " " span.badge { (super::unread_text(*n)) }
                                }
                            }
                            td { (catalogue.territory(project.fields.territory.as_str()).map_or(project.fields.territory.as_str(), |t| t.name.as_str())) }
                            td { span class=(format!("status {}", project.status.as_str())) { (fr::status(project.status)) } }
                            td { (fr::stage(project.stage)) }
                            td { (project.submitted_at.map(|at| fr::date(fr::day_in_paris(at))).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

impl QueueParams {
    fn request_tab(&self) -> Tab {
        Tab::from_str(&self.tab).unwrap_or(Tab::ToReview)
    }
}

fn action_bar(signed: &SignedIn, listing: &Listing<'_>) -> Markup {
    let actions = common_actions(&listing.queue.page.items);
    let total = listing.queue.counts.of(listing.params.request_tab());
    let errors = FormErrors::none();
    let choices = html! {
        @for action in &actions { (option(action.as_str(), batch_label(*action), false)) }
    };
    let templates = html! {
        (option("", "Aucun", true))
        @for t in &listing.templates {
            (option(&t.id.to_string(), &format!("{} — {}", fr::action_button(t.action), t.title), false))
        }
    };
    html! {
        fieldset.action-bar {
            legend { "Décider pour plusieurs projets" }
            p id="selection-count" aria-live="polite" { "Cochez les projets de la liste, ou tous ceux du filtre." }
            (token(signed.viewer.csrf()))
            input type="hidden" name="cle" value=(Uuid::new_v4());
            input type="hidden" name="filter" value=(listing.params.query(None));
            @if total > 0 && total <= terrain_domain::review::MAX_BATCH as u64 {
                div.field {
                    label {
                        input type="checkbox" name="all" value="1";
                        " Sélectionner les " (fr::number(total as i64)) " projets du filtre"
                    }
                }
            }
            (Field::new("action", "Décision", &errors).required().select(choices))
            (Field::new("comment", "Commentaire", &errors)
                .hint("Requis pour refuser ou demander des modifications, sauf si un modèle est choisi.")
                .textarea("", 3))
            (Field::new("template_id", "Modèle", &errors).select(templates))
            button type="submit" { "Appliquer aux projets sélectionnés" }
        }
    }
}

/// `GET /instruction`.
pub async fn show_queue(
    State(state): State<WebState>,
    Admin(signed): Admin,
    Query(params): Query<QueueParams>,
) -> Result<Response, PageError> {
    let actor = signed.actor();
    let mut request = match params.request(&signed, PAGE) {
        Ok(request) => request,
        Err(errors) => {
            return Ok(queue_page(
                &state,
                signed,
                &params,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let backwards = some(&params.before).is_some();
    if let Some(before) = some(&params.before) {
        // The previous page: the same order reversed, from the first project of this one.
        let cursor: ProjectCursor = pagination::decode_project(&list(request.descending), &before)
            .map_err(|_| PageError::NotFound)?;
        request.after = Some(cursor);
        request.descending = !request.descending;
    }
    let descending = if backwards {
        !request.descending
    } else {
        request.descending
    };
    let mut queue = match review::queue(&state.app, &actor, &request).await {
        Ok(queue) => queue,
        Err(AppError::Invalid(fields)) => {
            let errors = FormErrors::from_fields(&fields, str::to_owned);
            return Ok(queue_page(
                &state,
                signed,
                &params,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        Err(other) => return Err(other.into()),
    };
    if backwards {
        queue.page.items.reverse();
    }
    let templates = review::templates(&state.app, &actor, None, None).await?;
    let unread = terrain_app::messages::unread(&state.app, &actor).await?;
    let listing = Listing {
        params: &params,
        queue,
        descending,
        backwards,
        templates,
        unread,
    };
    Ok(queue_page(
        &state,
        signed,
        &params,
        Some(listing),
        &FormErrors::none(),
        StatusCode::OK,
    ))
}

fn pages_nav(listing: &Listing<'_>) -> Markup {
    let items = &listing.queue.page.items;
    let base = listing.params.query(None);
    let (has_previous, has_next) = if listing.backwards {
        (listing.queue.page.more, true)
    } else {
        (
            some(&listing.params.after).is_some(),
            listing.queue.page.more,
        )
    };
    html! {
        @if !items.is_empty() && (has_previous || has_next) {
            nav.pages aria-label="Pages de la liste" {
                @if has_previous && let Some(first) = items.first() {
                    a href=(format!("/instruction?{base}&before={}", cursor_of(listing.descending, first))) { "Page précédente" }
                }
                " "
                @if has_next && let Some(last) = items.last() {
                    a href=(format!("/instruction?{base}&after={}", cursor_of(listing.descending, last))) { "Page suivante" }
                }
            }
        }
    }
}

fn queue_page(
    state: &WebState,
    signed: SignedIn,
    params: &QueueParams,
    listing: Option<Listing<'_>>,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    let current = params.request_tab();
    let body = html! {
        h1 { "Instruction" }
        (errors.summary(&label))
        @if let Some(listing) = &listing {
            nav.tabs aria-label="Onglets de la file" {
                ul {
                    @for tab in Tab::ALL {
                        li {
                            a href=(format!("/instruction?{}", params.query(Some(*tab))))
                                aria-current=[(*tab == current).then_some("page")] {
                                (tab_label(*tab)) " (" (fr::number(listing.queue.counts.of(*tab) as i64)) ")"
                            }
                        }
                    }
                }
            }
        }
        (filters_form(state, &signed.session.user.scope, params, errors))
        @if let Some(listing) = &listing {
            @if listing.queue.page.items.is_empty() {
                p { "Aucun projet dans cet onglet avec ces filtres." }
            } @else {
                form method="post" action="/instruction/lot" novalidate {
                    (table(state, listing))
                    (action_bar(&signed, listing))
                }
                (pages_nav(listing))
            }
        }
    };
    Page::new("Instruction", signed.viewer, body)
        .with_status(status)
        .into_response()
}

/// The batch form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchForm {
    csrf: String,
    cle: String,
    filter: String,
    all: String,
    action: String,
    comment: String,
    template_id: String,
    project_ids: Vec<String>,
}

/// `POST /instruction/lot`: a batch of decisions on the projects ticked (or all those of the
/// filter), then its page.
pub async fn create_batch(
    State(state): State<WebState>,
    Admin(signed): Admin,
    Form(form): Form<BatchForm>,
) -> Result<Response, PageError> {
    signed.viewer.check(&form.csrf)?;
    let actor = signed.actor();
    let back = format!("/instruction?{}", form.filter);
    let refuse = |message: &str| -> Response {
        let body = html! {
            h1 { "Lot non lancé" }
            div.warning role="alert" { p { (message) } }
            p { a href=(back) { "Revenir à la liste" } }
        };
        Page::new("Lot non lancé", signed.viewer.clone(), body)
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response()
    };
    let Ok(action) = BatchAction::from_str(&form.action) else {
        return Ok(refuse("Choisissez une décision."));
    };
    let mut ids: Vec<Uuid> = form
        .project_ids
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    if form.all == "1" {
        let params: QueueParams = serde_urlencoded::from_str(&form.filter).unwrap_or_default();
        let Ok(request) = params.request(&signed, terrain_domain::review::MAX_BATCH as u64) else {
            return Ok(refuse(
                "Les filtres de la liste ne sont plus valables : recommencez depuis la liste.",
            ));
        };
        let queue = review::queue(&state.app, &actor, &request).await?;
        ids = queue.page.items.iter().map(|p| p.id).collect();
    }
    if ids.is_empty() {
        return Ok(refuse(
            "Cochez au moins un projet, ou « Sélectionner les projets du filtre ».",
        ));
    }
    let hash = format!("{action}:{ids:?}:{}:{}", form.comment, form.template_id);
    let render = |batch: &Batch| StoredResponse {
        request_hash: String::new(),
        status_code: 303,
        body: "null".into(),
        headers: vec![("location".into(), format!("/instruction/lots/{}", batch.id))],
    };
    let once = (!form.cle.is_empty()).then(|| Once {
        key: &form.cle,
        hash: &hash,
        render: &render,
    });
    let input = batches::BatchInput {
        action,
        project_ids: ids,
        comment: some(&form.comment),
        template_id: form.template_id.parse().ok(),
    };
    match batches::create(&state.app, &actor, input, once.as_ref()).await {
        Ok(Once_::Done(batch)) => {
            Ok(Redirect::to(&format!("/instruction/lots/{}", batch.id)).into_response())
        }
        Ok(Once_::Replayed(stored)) => {
            let to = stored
                .headers
                .iter()
                .find(|(n, _)| n == "location")
                .map_or("/instruction".to_owned(), |(_, v)| v.clone());
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Invalid(fields)) => Ok(refuse(&fields.to_string())),
        Err(other) => Err(other.into()),
    }
}

fn outcome_words(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        None => "En attente",
        Some(Outcome::Done) => "Fait",
        Some(Outcome::Skipped) => "Non traité",
        Some(Outcome::Failed) => "Échec",
    }
}

/// `GET /instruction/lots/{id}`: where a batch stands, project by project.
pub async fn show_batch(
    State(state): State<WebState>,
    Admin(signed): Admin,
    PathId(id): PathId,
) -> Result<Page, PageError> {
    let actor = signed.actor();
    let batch = batches::get(&state.app, &actor, id).await?;
    let ids: Vec<Uuid> = batch.items.iter().map(|i| i.project_id).collect();
    let found = projects::visible_many(&state.app, Some(&actor), &ids).await?;
    let count = |o: Outcome| batch.items.iter().filter(|i| i.outcome == Some(o)).count() as i64;
    let waiting = batch.items.iter().filter(|i| i.outcome.is_none()).count();
    let body = html! {
        nav.breadcrumb aria-label="Fil d'Ariane" { ol {
            li { a href="/instruction" { "Instruction" } }
            li aria-current="page" { "Lot de décisions" }
        } }
        h1 { "Lot : " (batch_label(batch.action)) }
        p role="status" {
            @if waiting > 0 {
                "En cours : " (fr::number((batch.items.len() - waiting) as i64)) " projets traités sur " (fr::number(batch.items.len() as i64)) ". "
                a href=(format!("/instruction/lots/{id}")) { "Actualiser" }
            } @else {
                "Terminé : " (fr::number(count(Outcome::Done))) " faits, " (fr::number(count(Outcome::Skipped))) " non traités, " (fr::number(count(Outcome::Failed))) " en échec."
            }
        }
        div.table-wrap role="region" tabindex="0" aria-label="Résultat par projet" { table {
            caption { "Résultat par projet" }
            thead { tr { th scope="col" { "Projet" } th scope="col" { "Résultat" } th scope="col" { "Raison" } } }
            tbody {
                @for item in &batch.items {
                    tr {
                        td {
                            @if let Some(p) = found.iter().find(|p| p.id == item.project_id) {
                                a href=(format!("/instruction/projets/{}", p.id)) { (p.fields.title.as_str()) }
                            } @else { "Projet inaccessible" }
                        }
                        td { (outcome_words(item.outcome)) }
                        td { (item.reason.clone().unwrap_or_default()) }
                    }
                }
            }
        } }
        p { a href="/instruction" { "Revenir à la file" } }
    };
    Ok(Page::new("Lot de décisions", signed.viewer, body))
}
