//! Projects, transitions and history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use terrain_app::projects::{ProjectDetail, ProjectPatch};
use terrain_domain::{
    HistoryEntry, Project, ProjectInput, Stage, Status,
    project::{Category, Stakeholder},
    status::Action,
};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{accounts::RoleName, events::EventRef, funding::SupportSummary};
use crate::openapi::{
    fields,
    reference::{ProgrammeCode, TerritoryId, ThemeCode},
};

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $domain:ty { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$domain>::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// Validation status.
    StatusName => Status {
        /// Being written.
        Draft,
        /// Sent for review.
        Submitted,
        /// Under review.
        UnderReview,
        /// Sent back for changes.
        ChangesRequested,
        /// Validated: public.
        Validated,
        /// Rejected.
        Rejected,
        /// Withdrawn (final).
        Withdrawn,
    }
);

mirror_enum!(
    /// SILK lifecycle stage.
    StageName => Stage {
        /// Initiate a theme.
        Initiate,
        /// Create the model.
        Create,
        /// Test and refine it.
        Test,
        /// Transfer it to elected officials.
        Transfer,
    }
);

mirror_enum!(
    /// Kind of project in the SILK method.
    CategoryName => Category {
        /// Strategic.
        Strategic,
        /// Redesign of a service.
        ServiceRedesign,
        /// Community (default).
        Community,
    }
);

mirror_enum!(
    /// Who takes part.
    StakeholderName => Stakeholder {
        /// Teachers.
        Teachers,
        /// School staff.
        SchoolStaff,
        /// Pupils.
        Pupils,
        /// Parents.
        Parents,
        /// Health professionals.
        HealthProfessionals,
        /// Patients.
        Patients,
        /// Residents.
        Residents,
        /// Elected officials.
        ElectedOfficials,
        /// Local authority.
        LocalAuthority,
        /// Associations.
        Associations,
        /// Businesses.
        Businesses,
        /// Researchers.
        Researchers,
    }
);

mirror_enum!(
    /// A workflow action.
    ActionName => Action {
        /// Send for review (lead).
        Submit,
        /// Withdraw for good (lead).
        Withdraw,
        /// Start the review (admin).
        StartReview,
        /// Send back for changes, with a comment (admin).
        RequestChanges,
        /// Validate (admin).
        Validate,
        /// Reject, with a comment (admin).
        Reject,
        /// Reopen a decision, with a comment (admin).
        Reopen,
    }
);

/// `POST /projects`. Fields the service owns (`id`, `status`, `version`, …) are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    /// Programme code.
    #[schema(value_type = ProgrammeCode)]
    pub programme: String,
    /// Territory id (any level, usually a département).
    #[schema(value_type = TerritoryId)]
    pub territory: String,
    /// 3 to 200 characters.
    #[schema(schema_with = fields::title)]
    pub title: String,
    /// Up to 1,000 characters.
    #[schema(schema_with = fields::summary)]
    pub summary: String,
    /// Up to 20,000 characters.
    #[schema(schema_with = fields::description)]
    pub description: Option<String>,
    /// One of the programme's themes.
    #[schema(value_type = ThemeCode)]
    pub theme: String,
    /// Default `community`.
    pub category: Option<CategoryName>,
    /// School UAI: 7 digits and a check letter, inside the territory.
    #[schema(schema_with = fields::uai)]
    pub establishment_uai: Option<String>,
    /// Euro cents, ≥ 0 (default 0).
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub requested_amount_cents: Option<i64>,
    /// Who takes part (default none).
    pub stakeholders: Option<Vec<StakeholderName>>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day, not before the first.
    pub ends_on: Option<NaiveDate>,
}

/// `PATCH /projects/{id}`: fields present replace the current ones; `null` clears an optional
/// field. Needs `If-Match`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    /// Territory id.
    #[schema(value_type = Option<TerritoryId>)]
    pub territory: Option<String>,
    /// Title.
    #[schema(schema_with = fields::title_or_null)]
    pub title: Option<String>,
    /// Summary.
    #[schema(schema_with = fields::summary_or_null)]
    pub summary: Option<String>,
    /// Description (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::description)]
    pub description: Option<Option<String>>,
    /// Theme, one of the project's programme's.
    #[schema(value_type = Option<ThemeCode>)]
    pub theme: Option<String>,
    /// Category.
    pub category: Option<CategoryName>,
    /// UAI (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::uai)]
    pub establishment_uai: Option<Option<String>>,
    /// Amount asked for.
    #[schema(minimum = 0, maximum = 100_000_000_000_000_i64)]
    pub requested_amount_cents: Option<i64>,
    /// Who takes part.
    pub stakeholders: Option<Vec<StakeholderName>>,
    /// First day (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Option<Option<NaiveDate>>,
    /// Last day (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
}

impl From<CreateProjectRequest> for ProjectInput {
    fn from(r: CreateProjectRequest) -> Self {
        ProjectInput {
            programme: r.programme,
            territory: r.territory,
            title: r.title,
            summary: r.summary,
            description: r.description,
            theme: r.theme,
            category: r.category.map(Into::into),
            establishment_uai: r.establishment_uai,
            requested_amount_cents: r.requested_amount_cents,
            stakeholders: r
                .stakeholders
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        }
    }
}

impl From<UpdateProjectRequest> for ProjectPatch {
    fn from(r: UpdateProjectRequest) -> Self {
        ProjectPatch {
            territory: r.territory,
            title: r.title,
            summary: r.summary,
            description: r.description,
            theme: r.theme,
            category: r.category.map(Into::into),
            establishment_uai: r.establishment_uai,
            requested_amount_cents: r.requested_amount_cents,
            stakeholders: r
                .stakeholders
                .map(|s| s.into_iter().map(Into::into).collect()),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        }
    }
}

/// Distinguishes a field sent as `null` (`Some(None)`) from an absent one (`None`).
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The lead's contact, shown to the lead and to the administrators in charge only.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadContact {
    /// Name.
    pub display_name: String,
    /// Email address.
    pub email: String,
}

/// A project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    /// Identifier (UUIDv7).
    pub id: Uuid,
    /// Programme code.
    pub programme: String,
    /// Territory id.
    pub territory: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Description.
    pub description: Option<String>,
    /// Theme.
    pub theme: String,
    /// Category.
    pub category: CategoryName,
    /// School UAI.
    pub establishment_uai: Option<String>,
    /// Amount asked for, in cents.
    pub requested_amount_cents: i64,
    /// Who takes part.
    pub stakeholders: Vec<StakeholderName>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// The lead's account id.
    pub lead: Uuid,
    /// The lead's contact, for the lead and the administrators in charge; `null` otherwise.
    pub lead_contact: Option<LeadContact>,
    /// Validation status.
    pub status: StatusName,
    /// SILK stage.
    pub stage: StageName,
    /// Version, also the `ETag`.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Last decision.
    pub decided_at: Option<DateTime<Utc>>,
    /// Money granted, in cents.
    pub granted_cents: i64,
    /// Money paid of what was granted, in cents.
    pub paid_cents: i64,
    /// Share of the milestones done, from 0 to 1 (0 without milestones).
    #[schema(minimum = 0, maximum = 1)]
    pub progress: f64,
    /// What the follow-up holds (§17).
    pub follow_up: FollowUpSummary,
    /// The supports received (in the detail of one project; `null` in lists).
    pub supports: Option<SupportSummary>,
    /// The concertation events it emerged from (in the detail of one project; `null` in lists).
    pub events: Option<Vec<EventRef>>,
}

/// The counts of a project's follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpSummary {
    /// Milestones.
    pub milestones_total: i64,
    /// Milestones done.
    pub milestones_done: i64,
    /// Indicators.
    pub indicators_total: i64,
    /// Indicators whose latest measurement reaches the target.
    pub indicators_met: i64,
    /// Whether the final report is written (`transfer` requires it).
    pub reported: bool,
}

impl From<ProjectDetail> for ProjectView {
    fn from(detail: ProjectDetail) -> Self {
        let contact = detail.lead_contact.map(|c| LeadContact {
            display_name: c.display_name,
            email: c.email.to_string(),
        });
        let supports = SupportSummary::of(&detail.project);
        let mut view = ProjectView::new(detail.project, contact);
        view.supports = Some(supports);
        view.events = Some(detail.events.into_iter().map(Into::into).collect());
        view
    }
}

impl ProjectView {
    /// The view of `project` in a list (no contact, no detail).
    pub fn listed(project: Project) -> Self {
        ProjectView::new(project, None)
    }

    /// The view of `project`, with the lead's contact when the caller may see it.
    fn new(project: Project, lead_contact: Option<LeadContact>) -> Self {
        let fields = project.fields;
        ProjectView {
            id: project.id,
            programme: fields.programme.to_string(),
            territory: fields.territory.to_string(),
            title: fields.title.as_str().to_owned(),
            summary: fields.summary.as_str().to_owned(),
            description: fields.description.map(|d| d.as_str().to_owned()),
            theme: fields.theme,
            category: fields.category.into(),
            establishment_uai: fields.establishment_uai.map(|u| u.as_str().to_owned()),
            requested_amount_cents: fields.requested_amount.get(),
            stakeholders: fields.stakeholders.into_iter().map(Into::into).collect(),
            starts_on: fields.period.starts_on,
            ends_on: fields.period.ends_on,
            lead: project.lead_id,
            lead_contact,
            status: project.status.into(),
            stage: project.stage.into(),
            version: project.version,
            created_at: project.created_at,
            updated_at: project.updated_at,
            submitted_at: project.submitted_at,
            decided_at: project.decided_at,
            granted_cents: project.granted_cents,
            paid_cents: project.follow_up.paid_cents,
            progress: project.follow_up.progress(),
            follow_up: FollowUpSummary {
                milestones_total: project.follow_up.milestones_total,
                milestones_done: project.follow_up.milestones_done,
                indicators_total: project.follow_up.indicators_total,
                indicators_met: project.follow_up.indicators_met,
                reported: project.follow_up.reported,
            },
            supports: None,
            events: None,
        }
    }
}

/// `POST /projects/{id}/transitions`. Needs `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The action.
    pub action: ActionName,
    /// Required for `request_changes`, `reject` and `reopen`; up to 2,000 characters.
    #[schema(schema_with = fields::comment)]
    pub comment: Option<String>,
    /// Why changes are requested (`request_changes` only; refused with any other action).
    #[serde(default)]
    #[schema(max_items = 3)]
    pub reasons: Vec<CorrectionReasonName>,
}

/// `POST /projects/{id}/stage`. Needs `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    /// The stage to move to.
    pub stage: StageName,
    /// A note, up to 2,000 characters.
    #[schema(schema_with = fields::comment)]
    pub note: Option<String>,
}

/// Who did something.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    /// Account id.
    pub id: Uuid,
    /// Role at the time.
    pub role: RoleName,
}

/// Kind of history entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKindName {
    /// Status transition.
    Transition,
    /// Stage change.
    Stage,
    /// Support decision.
    Support,
    /// An administrator starts (`follow`) or stops (`unfollow`) following the project; `to`
    /// is the account.
    Assignment,
    /// Money paid of a financial support; `to` is `support_id amount_cents`.
    Payment,
    /// The final report was written or rewritten.
    Report,
}

/// One entry of a project's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryView {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorView,
    /// Kind.
    pub kind: HistoryKindName,
    /// Action.
    pub action: String,
    /// Before.
    pub from: Option<String>,
    /// After.
    pub to: Option<String>,
    /// Comment or note.
    pub comment: Option<String>,
    /// The batch the change was part of.
    pub batch_id: Option<Uuid>,
    /// Why changes were requested (`request_changes` entries; empty otherwise).
    pub reasons: Vec<CorrectionReasonName>,
    /// When the lead answered this request by submitting again (`request_changes` entries).
    pub answered_at: Option<DateTime<Utc>>,
}

impl HistoryView {
    /// The view of a whole history, each request for changes with its answer.
    pub fn of(entries: Vec<HistoryEntry>) -> Self {
        let answers = terrain_domain::conversation::answers(&entries);
        HistoryView {
            items: entries
                .into_iter()
                .zip(answers)
                .map(|(entry, answered_at)| HistoryEntryView {
                    answered_at,
                    ..entry.into()
                })
                .collect(),
        }
    }
}

mirror_enum!(
    /// Why changes are requested.
    CorrectionReasonName => terrain_domain::CorrectionReason {
        /// Something is missing.
        Incomplete,
        /// Something is wrong.
        Incorrect,
        /// Something is out of date.
        Outdated,
    }
);

impl From<HistoryEntry> for HistoryEntryView {
    fn from(entry: HistoryEntry) -> Self {
        use terrain_domain::Change;
        let change = &entry.change;
        HistoryEntryView {
            at: entry.at,
            actor: ActorView {
                id: entry.actor_id,
                role: entry.actor_role.into(),
            },
            kind: match change {
                Change::Transition { .. } => HistoryKindName::Transition,
                Change::Stage { .. } => HistoryKindName::Stage,
                Change::Support(_) => HistoryKindName::Support,
                Change::Assignment { .. } => HistoryKindName::Assignment,
                Change::Payment { .. } => HistoryKindName::Payment,
                Change::Report => HistoryKindName::Report,
            },
            action: change.action().to_owned(),
            from: change.from_code(),
            to: change.to_code(),
            comment: entry.comment,
            batch_id: entry.batch,
            reasons: entry.reasons.into_iter().map(Into::into).collect(),
            answered_at: None,
        }
    }
}

/// A project's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// The entries.
    pub items: Vec<HistoryEntryView>,
}
