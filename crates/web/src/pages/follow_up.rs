//! « Mise en œuvre et résultats » (SPEC §17) on the lead's and the reviewer's pages of a
//! validated project, and read-only on its public page: milestones and progress, indicators
//! with a small chart of their measurements, the final report, and payments. One form per
//! thing to record, each posted to `{base}/resultats/{what}`; a refusal shows the page again
//! with the message next to the field.

use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_app::{
    AppError,
    follow_up::{
        self, FollowUpView, IndicatorInput, MeasurementInput, MilestoneInput, MilestonePatch,
        PaymentInput, ReportInput,
    },
};
use terrain_domain::{
    Actor, Cents, Grant, Indicator, Measurement, Status,
    access::{self, Intent},
    fr,
};
use uuid::Uuid;

use crate::{
    WebState,
    error::PageError,
    form::{Field, FormErrors, option, token},
};

/// The form that was refused, its errors and what was typed in it.
#[derive(Debug, Default)]
pub(super) struct Problem {
    form: String,
    errors: FormErrors,
    typed: HashMap<String, String>,
}

impl Problem {
    fn errors_of(&self, form: &str) -> FormErrors {
        if self.form == form {
            self.errors.clone()
        } else {
            FormErrors::none()
        }
    }

    fn typed(&self, form: &str, field: &str) -> String {
        if self.form == form {
            self.typed.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// Whether nothing was refused.
    pub(super) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The summary of the refused form's errors, at the top of the section.
    fn summary(&self) -> Markup {
        self.errors.summary(&label)
    }
}

fn label(field: &str) -> String {
    match field {
        "m_title" => "Intitulé du jalon",
        "m_due_on" => "Échéance",
        "m_done_on" => "Réalisé le",
        "i_name" => "Indicateur",
        "i_unit" => "Unité",
        "i_baseline" => "Valeur de départ",
        "i_target" => "Cible",
        "x_indicator" => "Indicateur mesuré",
        "x_value" => "Valeur mesurée",
        "x_measured_on" => "Date de la mesure",
        "x_note" => "Note sur la mesure",
        "r_summary" => "Synthèse",
        "r_results" => "Résultats",
        "r_recommendations" => "Recommandations",
        "p_support" => "Soutien versé",
        "p_amount" => "Montant versé (€)",
        "p_paid_on" => "Date du versement",
        _ => "Formulaire",
    }
    .to_owned()
}

/// Every field of every form of the section (each form sends its own).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowUpForm {
    csrf: String,
    m_title: String,
    m_due_on: String,
    m_done_on: String,
    milestone: String,
    done: String,
    i_name: String,
    i_unit: String,
    i_baseline: String,
    i_target: String,
    x_indicator: String,
    x_value: String,
    x_measured_on: String,
    x_note: String,
    r_summary: String,
    r_results: String,
    r_recommendations: String,
    p_support: String,
    p_amount: String,
    p_paid_on: String,
}

impl FollowUpForm {
    /// The form's token.
    pub(super) fn csrf(&self) -> &str {
        &self.csrf
    }

    fn typed(&self) -> HashMap<String, String> {
        [
            ("m_title", &self.m_title),
            ("m_due_on", &self.m_due_on),
            ("m_done_on", &self.m_done_on),
            ("i_name", &self.i_name),
            ("i_unit", &self.i_unit),
            ("i_baseline", &self.i_baseline),
            ("i_target", &self.i_target),
            ("x_indicator", &self.x_indicator),
            ("x_value", &self.x_value),
            ("x_measured_on", &self.x_measured_on),
            ("x_note", &self.x_note),
            ("r_summary", &self.r_summary),
            ("r_results", &self.r_results),
            ("r_recommendations", &self.r_recommendations),
            ("p_support", &self.p_support),
            ("p_amount", &self.p_amount),
            ("p_paid_on", &self.p_paid_on),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
}

/// What a post came to.
pub(super) enum Posted {
    /// Recorded: the notice to show.
    Done(&'static str),
    /// Refused: the page again, with this.
    Refused(Problem),
}

fn date(errors: &mut FormErrors, field: &str, text: &str, required: bool) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        if required {
            errors.push(field, "à renseigner (une date)");
        }
        return None;
    }
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"));
    match parsed {
        Ok(day) => Some(day),
        Err(_) => {
            errors.push(field, "une date comme 2026-03-15 ou 15/03/2026");
            None
        }
    }
}

/// A number as people type it: `12,5`, `1 200`, `-3.25`.
fn number(errors: &mut FormErrors, field: &str, text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(
                field,
                "un nombre, avec une virgule ou un point pour les décimales",
            );
            None
        }
    }
}

fn uuid(errors: &mut FormErrors, field: &str, text: &str) -> Option<Uuid> {
    match text.trim().parse() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(field, "à choisir dans la liste");
            None
        }
    }
}

/// The form's fields as the use case names them.
fn rename(form: &str, field: &str) -> String {
    let prefix = match form {
        "jalon" => "m_",
        "indicateur" => "i_",
        "mesure" => "x_",
        "rapport" => "r_",
        "versement" => "p_",
        _ => "",
    };
    match (form, field) {
        ("jalon", "title" | "due_on" | "done_on")
        | ("indicateur", "name" | "unit" | "baseline" | "target")
        | ("mesure", "value" | "measured_on" | "note")
        | ("rapport", "summary" | "results" | "recommendations")
        | ("versement", "paid_on") => format!("{prefix}{field}"),
        ("mesure", _) => "x_indicator".to_owned(),
        ("versement", "support_id") => "p_support".to_owned(),
        ("versement", "amount_cents") => "p_amount".to_owned(),
        _ => String::new(),
    }
}

/// Records what `form` holds for `what` (`jalon`, `jalon-fait`, `indicateur`, `mesure`,
/// `rapport`, `versement`) on project `id`.
///
/// # Errors
/// A 404 page for an unknown `what`, a hidden project or an unknown milestone or indicator.
pub(super) async fn post(
    state: &WebState,
    actor: &Actor,
    id: Uuid,
    what: &str,
    form: FollowUpForm,
) -> Result<Posted, PageError> {
    let app = &state.app;
    let mut errors = FormErrors::none();
    let form_name = match what {
        "jalon-fait" => "jalon",
        other => other,
    };
    // Every error at once: the texts are checked here too when a date or a number fails.
    let text =
        |errors: &mut FormErrors, field: &str, rule: terrain_domain::text::TextRule, v: &str| {
            if let Err(e) = rule.check(v.trim()) {
                errors.push(field, &e.to_string());
            }
        };
    match what {
        "jalon" => text(
            &mut errors,
            "m_title",
            terrain_domain::follow_up::MILESTONE_TITLE,
            &form.m_title,
        ),
        "indicateur" => {
            text(
                &mut errors,
                "i_name",
                terrain_domain::follow_up::INDICATOR_NAME,
                &form.i_name,
            );
            text(
                &mut errors,
                "i_unit",
                terrain_domain::follow_up::INDICATOR_UNIT,
                &form.i_unit,
            );
        }
        _ => {}
    }
    let outcome: Result<&'static str, AppError> = match what {
        "jalon" => {
            let due = date(&mut errors, "m_due_on", &form.m_due_on, true);
            let done = date(&mut errors, "m_done_on", &form.m_done_on, false);
            match due {
                Some(due_on) if errors.is_empty() => follow_up::add_milestone(
                    app,
                    actor,
                    id,
                    MilestoneInput {
                        title: form.m_title.trim().to_owned(),
                        due_on,
                        done_on: done,
                    },
                )
                .await
                .map(|_| "Le jalon a été ajouté."),
                _ => Ok(""),
            }
        }
        "jalon-fait" => {
            let milestone = form.milestone.parse().map_err(|_| PageError::NotFound)?;
            let done_on = (form.done == "1").then(|| fr::day_in_paris(app.now()));
            follow_up::update_milestone(
                app,
                actor,
                id,
                milestone,
                MilestonePatch {
                    done_on: Some(done_on),
                    ..MilestonePatch::default()
                },
            )
            .await
            .map(|_| {
                if done_on.is_some() {
                    "Le jalon est marqué comme réalisé."
                } else {
                    "Le jalon est de nouveau à réaliser."
                }
            })
        }
        "indicateur" => {
            let baseline = number(&mut errors, "i_baseline", &form.i_baseline);
            let target = number(&mut errors, "i_target", &form.i_target);
            match (baseline, target) {
                (Some(baseline), Some(target)) => follow_up::add_indicator(
                    app,
                    actor,
                    id,
                    IndicatorInput {
                        name: form.i_name.trim().to_owned(),
                        unit: form.i_unit.trim().to_owned(),
                        baseline,
                        target,
                    },
                )
                .await
                .map(|_| "L'indicateur a été ajouté."),
                _ => Ok(""),
            }
        }
        "mesure" => {
            let indicator = uuid(&mut errors, "x_indicator", &form.x_indicator);
            let value = number(&mut errors, "x_value", &form.x_value);
            let on = date(&mut errors, "x_measured_on", &form.x_measured_on, true);
            match (indicator, value, on) {
                (Some(indicator), Some(value), Some(measured_on)) => follow_up::add_measurement(
                    app,
                    actor,
                    id,
                    indicator,
                    MeasurementInput {
                        value,
                        measured_on,
                        note: Some(form.x_note.trim().to_owned()),
                    },
                )
                .await
                .map(|_| "La mesure a été enregistrée."),
                _ => Ok(""),
            }
        }
        "rapport" => follow_up::put_report(
            app,
            actor,
            id,
            ReportInput {
                summary: form.r_summary.trim().to_owned(),
                results: form.r_results.trim().to_owned(),
                recommendations: form.r_recommendations.trim().to_owned(),
            },
        )
        .await
        .map(|_| "Le rapport final a été enregistré."),
        "versement" => {
            let support = uuid(&mut errors, "p_support", &form.p_support);
            let amount = match Cents::parse_euros(&form.p_amount) {
                Ok(a) if a.get() > 0 => Some(a),
                _ => {
                    errors.push("p_amount", "un montant en euros, au moins 0,01");
                    None
                }
            };
            let on = date(&mut errors, "p_paid_on", &form.p_paid_on, true);
            match (support, amount, on) {
                (Some(support_id), Some(amount), Some(paid_on)) => follow_up::pay(
                    app,
                    actor,
                    id,
                    PaymentInput {
                        support_id,
                        amount_cents: amount.get(),
                        paid_on,
                    },
                )
                .await
                .map(|_| "Le versement a été enregistré."),
                _ => Ok(""),
            }
        }
        _ => return Err(PageError::NotFound),
    };
    match outcome {
        Ok(notice) if errors.is_empty() => Ok(Posted::Done(notice)),
        Ok(_) => Ok(Posted::Refused(Problem {
            form: form_name.to_owned(),
            errors,
            typed: form.typed(),
        })),
        Err(AppError::Invalid(fields)) => Ok(Posted::Refused(Problem {
            form: form_name.to_owned(),
            errors: FormErrors::from_fields(&fields, |f| rename(form_name, f)),
            typed: form.typed(),
        })),
        Err(AppError::Conflict(reason) | AppError::Forbidden(reason)) => {
            errors.general(&reason);
            Ok(Posted::Refused(Problem {
                form: form_name.to_owned(),
                errors,
                typed: form.typed(),
            }))
        }
        Err(AppError::Stale) => {
            errors.general("Ce jalon a été modifié entre-temps : rechargez la page.");
            Ok(Posted::Refused(Problem {
                form: form_name.to_owned(),
                errors,
                typed: form.typed(),
            }))
        }
        Err(other) => Err(other.into()),
    }
}

/// A small line chart of an indicator's measurements, its baseline and target drawn across,
/// with a text alternative; the table below it holds the same values.
fn chart(indicator: &Indicator, measurements: &[Measurement]) -> Markup {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    let values = measurements
        .iter()
        .map(|m| m.value)
        .chain([indicator.baseline, indicator.target]);
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    let span = if high > low { high - low } else { 1.0 };
    let y = |v: f64| 10.0 + (high - v) / span * (H - 20.0);
    let n = measurements.len();
    let x = |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            #[expect(clippy::cast_precision_loss, reason = "a few points on a chart")]
            let at = 20.0 + i as f64 * (W - 40.0) / (n - 1) as f64;
            at
        }
    };
    let points: Vec<String> = measurements
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{:.1},{:.1}", x(i), y(m.value)))
        .collect();
    let description = format!(
        "Départ {} {unit}, cible {} {unit} ; mesures : {}",
        value(indicator.baseline),
        value(indicator.target),
        if measurements.is_empty() {
            "aucune".to_owned()
        } else {
            measurements
                .iter()
                .map(|m| format!("{} le {}", value(m.value), fr::date(m.measured_on)))
                .collect::<Vec<_>>()
                .join(", ")
        },
        unit = indicator.unit,
    );
    let id = format!("chart-{}", indicator.id);
    html! {
        svg.indicator-chart viewBox=(format!("0 0 {W} {H}")) role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) {
            title id=(format!("{id}-title")) { (indicator.name) }
            desc id=(format!("{id}-desc")) { (description) }
            line x1="0" x2=(W) y1=(format!("{:.1}", y(indicator.baseline))) y2=(format!("{:.1}", y(indicator.baseline)))
                stroke="#666666" stroke-dasharray="4 3" {}
            line x1="0" x2=(W) y1=(format!("{:.1}", y(indicator.target))) y2=(format!("{:.1}", y(indicator.target)))
                stroke="#18753c" stroke-width="2" {}
            @if n > 1 {
                polyline points=(points.join(" ")) fill="none" stroke="#000091" stroke-width="2" {}
            }
            @for p in &points {
                @let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
                circle cx=(px) cy=(py) r="3.5" fill="#000091" {}
            }
        }
    }
}

/// A value as the French write it (`1 234,5`).
fn value(v: f64) -> String {
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

/// Milestones, indicators, report and payments, read-only (the public page) or with the forms
/// `actor` may use (`base` is the page's path).
pub(super) fn section(
    view: &FollowUpView,
    actor: Option<&Actor>,
    base: &str,
    csrf: &str,
    problem: &Problem,
) -> Markup {
    let project = &view.project;
    if project.status != Status::Validated && view.milestones.is_empty() {
        return html! {};
    }
    let writes = actor.is_some_and(|a| {
        project.status == Status::Validated
            && access::authorize(a, project, Intent::FollowUp).is_ok()
    });
    let pays = actor.is_some_and(|a| {
        project.status == Status::Validated && access::authorize(a, project, Intent::Pay).is_ok()
    });
    let follow = &project.follow_up;
    let financial: Vec<(Uuid, String, i64, i64)> = view
        .supports
        .iter()
        .filter_map(|s| match &s.grant {
            Grant::Financial { fund, amount } => {
                Some((s.id, fund.to_string(), amount.get(), s.paid_cents))
            }
            Grant::Other(_) => None,
        })
        .collect();
    let action = |what: &str| format!("{base}/resultats/{what}");
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a percentage from 0 to 100"
    )]
    let percent = (follow.progress() * 100.0).round() as i64;
    html! {
        section #resultats aria-labelledby="h-resultats" {
            h2 #h-resultats { "Mise en œuvre et résultats" }
            @if !problem.errors.is_empty() { (problem.summary()) }
            h3 { "Jalons" }
            p {
                "Avancement : " strong data-progress=(percent) { (percent) " %" }
                " (" (follow.milestones_done) " jalon" @if follow.milestones_done > 1 { "s" } " réalisé"
                @if follow.milestones_done > 1 { "s" } " sur " (follow.milestones_total) ")"
            }
            progress max="100" value=(percent) aria-label="Avancement des jalons" { (percent) " %" }
            @if view.milestones.is_empty() {
                p { "Aucun jalon pour l'instant." }
            } @else {
                ul.milestones {
                    @for m in &view.milestones {
                        li data-done=(m.done_on.is_some()) {
                            strong { (m.title) } " — échéance le " (fr::date(m.due_on))
                            @if let Some(done) = m.done_on { " · réalisé le " (fr::date(done)) }
                            @if writes {
                                form.inline method="post" action=(action("jalon-fait")) {
                                    (token(csrf))
                                    input type="hidden" name="milestone" value=(m.id);
                                    input type="hidden" name="done" value=(if m.done_on.is_some() { "0" } else { "1" });
                                    button.secondary type="submit" {
                                        @if m.done_on.is_some() { "Marquer comme à réaliser" } @else { "Marquer comme réalisé" }
                                        span.visually-hidden { " : " (m.title) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if writes {
                @let errors = problem.errors_of("jalon");
                form.stack method="post" action=(action("jalon")) aria-label="Ajouter un jalon" novalidate {
                    (token(csrf))
                    (Field::new("m_title", "Intitulé du jalon", &errors).required().input("text", &problem.typed("jalon", "m_title"), None))
                    (Field::new("m_due_on", "Échéance", &errors).required().input("date", &problem.typed("jalon", "m_due_on"), None))
                    (Field::new("m_done_on", "Réalisé le", &errors).input("date", &problem.typed("jalon", "m_done_on"), None))
                    button type="submit" { "Ajouter le jalon" }
                }
            }
            h3 { "Indicateurs" }
            @if view.indicators.is_empty() {
                p { "Aucun indicateur pour l'instant." }
            }
            @for (indicator, measurements) in &view.indicators {
                article.indicator data-met=(indicator.met()) {
                    h4 { (indicator.name) }
                    p {
                        "Départ : " (value(indicator.baseline)) " " (indicator.unit)
                        " · cible : " (value(indicator.target)) " " (indicator.unit)
                        @if let Some(latest) = indicator.latest { " · dernière mesure : " (value(latest)) " " (indicator.unit) }
                        " — "
                        @if indicator.met() { strong.met { "Cible atteinte" } } @else { strong { "Cible non atteinte" } }
                    }
                    (chart(indicator, measurements))
                    @if !measurements.is_empty() {
                        div.table-wrap role="region" tabindex="0" aria-label=(format!("Mesures : {}", indicator.name)) {
                            table {
                                caption { "Mesures : " (indicator.name) }
                                thead { tr { th scope="col" { "Date" } th.num scope="col" { "Valeur (" (indicator.unit) ")" } th scope="col" { "Note" } } }
                                tbody {
                                    @for m in measurements {
                                        tr { td { (fr::date(m.measured_on)) } td.num { (value(m.value)) } td { (m.note.as_deref().unwrap_or("")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if writes {
                @if !view.indicators.is_empty() {
                    @let errors = problem.errors_of("mesure");
                    @let chosen = problem.typed("mesure", "x_indicator");
                    form.stack method="post" action=(action("mesure")) aria-label="Enregistrer une mesure" novalidate {
                        (token(csrf))
                        (Field::new("x_indicator", "Indicateur mesuré", &errors).required().select(html! {
                            @for (i, _) in &view.indicators { (option(&i.id.to_string(), &i.name, chosen == i.id.to_string())) }
                        }))
                        (Field::new("x_value", "Valeur mesurée", &errors).required().hint("Un nombre : 12,5 ou 12.5.").input("text", &problem.typed("mesure", "x_value"), None))
                        (Field::new("x_measured_on", "Date de la mesure", &errors).required().input("date", &problem.typed("mesure", "x_measured_on"), None))
                        (Field::new("x_note", "Note sur la mesure", &errors).input("text", &problem.typed("mesure", "x_note"), None))
                        button type="submit" { "Enregistrer la mesure" }
                    }
                }
                @let errors = problem.errors_of("indicateur");
                form.stack method="post" action=(action("indicateur")) aria-label="Ajouter un indicateur" novalidate {
                    (token(csrf))
                    (Field::new("i_name", "Indicateur", &errors).required().hint("Par exemple : coût par famille accompagnée.").input("text", &problem.typed("indicateur", "i_name"), None))
                    (Field::new("i_unit", "Unité", &errors).required().hint("€, %, familles…").input("text", &problem.typed("indicateur", "i_unit"), None))
                    (Field::new("i_baseline", "Valeur de départ", &errors).required().input("text", &problem.typed("indicateur", "i_baseline"), None))
                    (Field::new("i_target", "Cible", &errors).required().hint("Plus haute ou plus basse que la valeur de départ : c'est le sens visé.").input("text", &problem.typed("indicateur", "i_target"), None))
                    button.secondary type="submit" { "Ajouter l'indicateur" }
                }
            }
            h3 { "Versements" }
            @if financial.is_empty() {
                p { "Aucun soutien financier." }
            } @else {
                p { "Versé : " strong data-paid=(follow.paid_cents) { (fr::euros(follow.paid_cents)) } " sur " (fr::euros(project.granted_cents)) " accordés." }
                @if !view.payments.is_empty() {
                    ul {
                        @for p in &view.payments {
                            li { (fr::euros(p.amount.get())) " versés le " (fr::date(p.paid_on)) }
                        }
                    }
                }
                @if pays {
                    @let errors = problem.errors_of("versement");
                    form.stack method="post" action=(action("versement")) aria-label="Enregistrer un versement" novalidate {
                        (token(csrf))
                        (Field::new("p_support", "Soutien versé", &errors).required().select(html! {
                            @for (sid, fund, amount, paid) in &financial {
                                (option(&sid.to_string(), &format!("{fund} — {} accordés, reste à verser {}", fr::euros(*amount), fr::euros(amount - paid)), false))
                            }
                        }))
                        (Field::new("p_amount", "Montant versé (€)", &errors).required().hint("En euros : 1 500,50 ou 1500.50.").input("text", &problem.typed("versement", "p_amount"), None))
                        (Field::new("p_paid_on", "Date du versement", &errors).required().input("date", &problem.typed("versement", "p_paid_on"), None))
                        button type="submit" { "Enregistrer le versement" }
                    }
                }
            }
            h3 { "Rapport final" }
            @if let Some(report) = &view.report {
                div.report {
                    h4 { "Synthèse" } (paragraphs(&report.summary))
                    h4 { "Résultats" } (paragraphs(&report.results))
                    h4 { "Recommandations" } (paragraphs(&report.recommendations))
                    p.hint { "Rédigé le " (fr::datetime(report.updated_at)) "." }
                }
            } @else {
                p { "Pas encore de rapport final : il est demandé pour passer à l'étape « Transférer »." }
            }
            @if writes {
                @let errors = problem.errors_of("rapport");
                @let current = |field: &str, stored: Option<&str>| {
                    let typed = problem.typed("rapport", field);
                    if typed.is_empty() { stored.unwrap_or_default().to_owned() } else { typed }
                };
                form.stack method="post" action=(action("rapport")) aria-label="Rapport final" novalidate {
                    (token(csrf))
                    (Field::new("r_summary", "Synthèse", &errors).required().textarea(&current("r_summary", view.report.as_ref().map(|r| r.summary.as_str())), 3))
                    (Field::new("r_results", "Résultats", &errors).required().hint("Les chiffres obtenus, comparés à la situation de départ.").textarea(&current("r_results", view.report.as_ref().map(|r| r.results.as_str())), 4))
                    (Field::new("r_recommendations", "Recommandations", &errors).required().hint("Ce que les élus et les services peuvent reprendre.").textarea(&current("r_recommendations", view.report.as_ref().map(|r| r.recommendations.as_str())), 4))
                    button.secondary type="submit" { "Enregistrer le rapport" }
                }
            }
        }
    }
}

fn paragraphs(text: &str) -> Markup {
    html! {
        @for paragraph in text.split("\n\n") {
            p { @for (i, line) in paragraph.lines().enumerate() { @if i > 0 { br; } (line) } }
        }
    }
}
