//! A lead's fields checked against the reference data: the programme and territory exist, the
//! theme belongs to the programme, the school lies inside the territory. Every error is
//! reported at once.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use terrain_domain::{
    Cents, Project, ProjectFields, TerritoryPath,
    project::{Category, Description, Period, ProjectTitle, Summary, Uai},
};

use crate::{
    dto::projects::{CategoryName, CreateProjectRequest, StakeholderName, UpdateProjectRequest},
    error::{ApiError, FieldError},
    reference_data::Reference,
    state::AppState,
};

/// The fields as sent, before any check.
#[derive(Debug, Clone)]
pub(crate) struct RawFields {
    pub programme: String,
    pub territory: String,
    pub title: String,
    pub summary: String,
    pub description: Option<String>,
    pub theme: String,
    pub category: Option<CategoryName>,
    pub establishment_uai: Option<String>,
    pub requested_amount_cents: Option<i64>,
    pub stakeholders: Vec<StakeholderName>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl From<CreateProjectRequest> for RawFields {
    fn from(r: CreateProjectRequest) -> Self {
        RawFields {
            programme: r.programme,
            territory: r.territory,
            title: r.title,
            summary: r.summary,
            description: r.description,
            theme: r.theme,
            category: r.category,
            establishment_uai: r.establishment_uai,
            requested_amount_cents: r.requested_amount_cents,
            stakeholders: r.stakeholders.unwrap_or_default(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        }
    }
}

impl RawFields {
    /// The current fields of `project` with the changes of `patch` applied.
    pub fn patched(project: &Project, patch: UpdateProjectRequest) -> Self {
        let f = &project.fields;
        RawFields {
            programme: f.programme.to_string(),
            territory: patch.territory.unwrap_or_else(|| f.territory.to_string()),
            title: patch.title.unwrap_or_else(|| f.title.as_str().to_owned()),
            summary: patch
                .summary
                .unwrap_or_else(|| f.summary.as_str().to_owned()),
            description: patch
                .description
                .unwrap_or_else(|| f.description.as_ref().map(|d| d.as_str().to_owned())),
            theme: patch.theme.unwrap_or_else(|| f.theme.clone()),
            category: Some(patch.category.unwrap_or(f.category.into())),
            establishment_uai: patch
                .establishment_uai
                .unwrap_or_else(|| f.establishment_uai.as_ref().map(|u| u.as_str().to_owned())),
            requested_amount_cents: Some(
                patch
                    .requested_amount_cents
                    .unwrap_or(f.requested_amount.get()),
            ),
            stakeholders: patch
                .stakeholders
                .unwrap_or_else(|| f.stakeholders.iter().map(|s| (*s).into()).collect()),
            starts_on: patch.starts_on.unwrap_or(f.period.starts_on),
            ends_on: patch.ends_on.unwrap_or(f.period.ends_on),
        }
    }
}

fn check<T, E: std::fmt::Display>(
    errors: &mut Vec<FieldError>,
    field: &str,
    outcome: Result<T, E>,
) -> Option<T> {
    outcome
        .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
        .ok()
}

/// Parses every field and checks it against the reference data.
///
/// # Errors
/// 422 listing every field at fault.
pub(super) async fn resolve(
    state: &AppState,
    raw: RawFields,
) -> Result<(ProjectFields, TerritoryPath), ApiError> {
    check_fields(&state.reference, raw).map_err(ApiError::Validation)
}

/// Parses every field and checks it against `reference`, reporting every field at fault.
///
/// # Errors
/// The fields at fault.
pub(crate) fn check_fields(
    reference: &Reference,
    raw: RawFields,
) -> Result<(ProjectFields, TerritoryPath), Vec<FieldError>> {
    let mut errors = Vec::new();
    let programme = reference.programme(&raw.programme);
    if programme.is_none() {
        errors.push(FieldError::new("programme", "programme inconnu"));
    }
    let territory = reference.territory(&raw.territory);
    if territory.is_none() {
        errors.push(FieldError::new("territory", "territoire inconnu"));
    }
    let title = check(&mut errors, "title", ProjectTitle::parse(&raw.title));
    let summary = check(&mut errors, "summary", Summary::parse(&raw.summary));
    let description = match raw.description.as_deref() {
        Some(d) => check(&mut errors, "description", Description::parse(d)).map(Some),
        None => Some(None),
    };
    if let Some(programme) = programme
        && !programme.has_theme(&raw.theme)
    {
        errors.push(FieldError::new(
            "theme",
            format!("thème inconnu pour le programme {}", programme.code),
        ));
    }
    let uai = match raw.establishment_uai.as_deref() {
        Some(u) => check(&mut errors, "establishment_uai", Uai::parse(u)).map(Some),
        None => Some(None),
    };
    if let (Some(Some(uai)), Some(territory)) = (&uai, territory) {
        match reference.territory(uai.department().as_str()) {
            Some(d) if territory.path.contains(&d.path) => {}
            Some(_) => errors.push(FieldError::new(
                "establishment_uai",
                "l'établissement n'est pas dans le territoire du projet",
            )),
            None => errors.push(FieldError::new(
                "establishment_uai",
                "les premiers chiffres de l'UAI ne désignent aucun département",
            )),
        }
    }
    let amount = check(
        &mut errors,
        "requested_amount_cents",
        Cents::new(raw.requested_amount_cents.unwrap_or(0)),
    );
    let period = check(
        &mut errors,
        "ends_on",
        Period::new(raw.starts_on, raw.ends_on),
    );
    match (
        programme,
        territory,
        title,
        summary,
        description,
        uai,
        amount,
        period,
    ) {
        (
            Some(programme),
            Some(territory),
            Some(title),
            Some(summary),
            Some(description),
            Some(establishment_uai),
            Some(requested_amount),
            Some(period),
        ) if errors.is_empty() => Ok((
            ProjectFields {
                programme: programme.code.clone(),
                territory: territory.path.id.clone(),
                title,
                summary,
                description,
                theme: raw.theme,
                category: raw.category.map_or(Category::Community, Into::into),
                establishment_uai,
                requested_amount,
                stakeholders: raw
                    .stakeholders
                    .into_iter()
                    .map(Into::into)
                    .collect::<BTreeSet<_>>(),
                period,
            },
            territory.path.clone(),
        )),
        _ => Err(errors),
    }
}
