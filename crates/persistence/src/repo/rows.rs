//! Row mappers: every entity turned into its domain type in one place, so that repositories
//! depend on this module and not on each other.

use std::collections::BTreeSet;

use sea_orm::DbErr;
use terrain_domain::{
    Attendance, Cents, Event, EventKind, Fund, FundCode, ProgrammeCode, Project, ProjectFields,
    SupportKind, TerritoryId, TerritoryPath,
    event::EventTitle,
    project::{Category, Description, Period, ProjectTitle, Stakeholder, Summary, Uai},
};
use uuid::Uuid;

use crate::{
    StoreError,
    entities::{event, fund, project},
};

/// A stored value that the domain refuses: the database holds something the service never
/// writes.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(DbErr::Custom(format!("corrupt stored value: {what}")))
}

/// A territory path rebuilt from a row's denormalised columns.
pub(crate) fn path_of(
    territory: &str,
    region: Option<&str>,
    academy: Option<&str>,
) -> Result<TerritoryPath, StoreError> {
    let parse = |s: &str| terrain_domain::TerritoryId::parse(s).map_err(|_| corrupt(s));
    Ok(TerritoryPath {
        id: parse(territory)?,
        region: region.map(parse).transpose()?,
        academy: academy.map(parse).transpose()?,
    })
}

pub(crate) fn to_project(model: project::Model) -> Result<Project, StoreError> {
    let parse_id = |s: &str| TerritoryId::parse(s).map_err(|_| corrupt(s));
    let stakeholders = model
        .stakeholders
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Stakeholder>().map_err(|_| corrupt(s)))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let territory = parse_id(&model.territory_id)?;
    let fields = ProjectFields {
        programme: ProgrammeCode::parse(&model.programme).map_err(|_| corrupt(&model.programme))?,
        territory: territory.clone(),
        title: ProjectTitle::parse(&model.title).map_err(|_| corrupt("title"))?,
        summary: Summary::parse(&model.summary).map_err(|_| corrupt("summary"))?,
        description: model
            .description
            .as_deref()
            .map(|d| Description::parse(d).map_err(|_| corrupt("description")))
            .transpose()?,
        theme: model.theme,
        category: model
            .category
            .parse::<Category>()
            .map_err(|_| corrupt(&model.category))?,
        establishment_uai: model
            .establishment_uai
            .as_deref()
            .map(|u| Uai::parse(u).map_err(|_| corrupt(u)))
            .transpose()?,
        requested_amount: Cents::new(model.requested_amount_cents)
            .map_err(|_| corrupt(model.requested_amount_cents))?,
        stakeholders,
        period: Period::new(model.starts_on, model.ends_on).map_err(|_| corrupt("period"))?,
    };
    Ok(Project {
        id: model.id,
        fields,
        territory_path: TerritoryPath {
            id: territory,
            region: model.region_id.as_deref().map(parse_id).transpose()?,
            academy: model.academy_id.as_deref().map(parse_id).transpose()?,
        },
        lead_id: model.lead_id,
        status: model.status.parse().map_err(|_| corrupt(&model.status))?,
        stage: model.stage.parse().map_err(|_| corrupt(&model.stage))?,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
        submitted_at: model.submitted_at,
        decided_at: model.decided_at,
        granted_cents: model.granted_cents,
        support_kinds: model
            .support_kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| k.parse::<SupportKind>().map_err(|_| corrupt(k)))
            .collect::<Result<_, _>>()?,
        support_count: model.support_count,
        event_count: model.event_count,
        follow_up: terrain_domain::FollowUp {
            paid_cents: model.paid_cents,
            milestones_total: model.milestones_total.into(),
            milestones_done: model.milestones_done.into(),
            indicators_total: model.indicators_total.into(),
            indicators_met: model.indicators_met.into(),
            reported: model.reported,
        },
    })
}

pub(crate) fn kinds_text(kinds: &BTreeSet<SupportKind>) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn encode_attendance(attendance: &Attendance) -> String {
    attendance
        .counts()
        .map(|(category, count)| format!("{}:{count}", category.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn decode_attendance(text: &str) -> Result<Attendance, StoreError> {
    let mut counts = Vec::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let (name, count) = pair.split_once(':').ok_or_else(|| corrupt(pair))?;
        counts.push((name, count.parse::<u64>().map_err(|_| corrupt(pair))?));
    }
    Attendance::parse(counts).map_err(|_| corrupt(text))
}

pub(crate) fn to_event(model: event::Model, project_ids: Vec<Uuid>) -> Result<Event, StoreError> {
    Ok(Event {
        id: model.id,
        programme: ProgrammeCode::parse(&model.programme).map_err(|_| corrupt(&model.programme))?,
        territory: path_of(
            &model.territory_id,
            model.region_id.as_deref(),
            model.academy_id.as_deref(),
        )?,
        title: EventTitle::parse(&model.title).map_err(|_| corrupt("title"))?,
        kind: model
            .kind
            .parse::<EventKind>()
            .map_err(|_| corrupt(&model.kind))?,
        starts_at: model.starts_at,
        ends_at: model.ends_at,
        location: model.location,
        attendance: decode_attendance(&model.attendance)?,
        project_ids,
        created_by: model.created_by,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

pub(crate) fn to_fund(model: fund::Model) -> Result<Fund, StoreError> {
    let territory = model
        .territory_id
        .as_deref()
        .map(|t| path_of(t, model.region_id.as_deref(), model.academy_id.as_deref()))
        .transpose()?;
    Ok(Fund {
        code: FundCode::parse(&model.code).map_err(|_| corrupt(&model.code))?,
        programme: ProgrammeCode::parse(&model.programme).map_err(|_| corrupt(&model.programme))?,
        territory,
        year: model.year,
        envelope: Cents::new(model.envelope_cents).map_err(|_| corrupt(model.envelope_cents))?,
        committed_cents: model.committed_cents,
        paid_cents: model.paid_cents,
        created_at: model.created_at,
        name: model.name,
    })
}
