//! Who may do what: the one place where the access rules are written. Every use case asks
//! [`authorize`] (or one of the functions beside it) before acting; lists apply the same
//! visibility rule in SQL (`persistence::repo::projects::visible_to`).
//!
//! A project someone may not see is *hidden* (answered like a project that does not exist); a
//! project they may see but not act on is *forbidden* — except for administrators outside their
//! scope, to whom a project is hidden for every action, so that a scope reveals nothing of the
//! projects beyond it.

use crate::{
    Actor, Event, Fund, ProgrammeCode, Project, Role, Scope, Status, TerritoryPath, status::Party,
};

/// What someone wants to do with a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Read it, its history, its supports.
    Read,
    /// Change the lead's fields.
    Edit,
    /// Take a workflow action (the status machine then says which).
    Transition,
    /// Move it along the SILK stages.
    ChangeStage,
    /// Record a support decision on it.
    Grant,
    /// Work on its review: private notes, followers.
    Review,
    /// Read and write its conversation and read its files: the lead and the administrators
    /// in charge only (observers and everyone else are answered as if it did not exist).
    Converse,
    /// Attach a file: the lead while the project is editable, administrators in charge at
    /// any time.
    Attach,
    /// Remove a file: the lead while the project is editable.
    Detach,
    /// Record its follow-up (milestones, indicators, measurements, the report): its lead and
    /// the administrators in charge.
    FollowUp,
    /// Record a payment of its supports: the administrators in charge.
    Pay,
}

/// Why an intent is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The project is not visible: answer as if it did not exist.
    #[error("introuvable")]
    Hidden,
    /// Visible, but this actor may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
}

/// How `actor` stands towards `project`: its lead, an administrator whose scope contains it,
/// or anyone else. (A lead's scope is national, except through an API token narrowed to a
/// programme or territory: then its projects elsewhere are out of the token's reach.)
pub fn party(actor: &Actor, project: &Project) -> Party {
    if actor.id == project.lead_id
        && actor
            .scope
            .contains(&project.fields.programme, &project.territory_path)
    {
        Party::Owner
    } else if administers(actor, &project.fields.programme, &project.territory_path) {
        Party::AdminInScope
    } else {
        Party::Other
    }
}

/// Whether `actor` is an administrator whose scope holds things of `programme` at `territory`.
pub fn administers(actor: &Actor, programme: &ProgrammeCode, territory: &TerritoryPath) -> bool {
    actor.role == Role::Admin && actor.scope.contains(programme, territory)
}

/// Whether `viewer` (anonymous when `None`) may see `project`. A validated project is public;
/// a draft is its lead's alone; anything else is visible to its lead, to administrators whose
/// scope contains it and to observers.
pub fn sees(viewer: Option<&Actor>, project: &Project) -> bool {
    if project.status == Status::Validated {
        return true;
    }
    let Some(viewer) = viewer else {
        return false;
    };
    if party(viewer, project) == Party::Owner {
        return true;
    }
    if project.status == Status::Draft {
        return false;
    }
    match viewer.role {
        // An observer's scope is national, unless an API token narrows it.
        Role::Observer => viewer
            .scope
            .contains(&project.fields.programme, &project.territory_path),
        Role::Admin => administers(viewer, &project.fields.programme, &project.territory_path),
        Role::Lead => false,
    }
}

/// Whether `viewer` may see the lead's personal data (name and email): the lead, and the
/// administrators in charge.
pub fn sees_lead_contact(viewer: Option<&Actor>, project: &Project) -> bool {
    viewer.is_some_and(|v| matches!(party(v, project), Party::Owner | Party::AdminInScope))
}

/// Decides whether `actor` may carry `intent` out on `project`; when it may, says as whom.
///
/// # Errors
/// [`Denied::Hidden`] when the project is invisible to the actor, or when the actor is an
/// administrator outside its scope; [`Denied::Forbidden`] otherwise.
pub fn authorize(actor: &Actor, project: &Project, intent: Intent) -> Result<Party, Denied> {
    if !sees(Some(actor), project) {
        return Err(Denied::Hidden);
    }
    let party = party(actor, project);
    let admin_elsewhere = actor.role == Role::Admin && party == Party::Other;
    let editable = project.status.is_editable();
    match intent {
        Intent::Read => Ok(party),
        _ if admin_elsewhere => Err(Denied::Hidden),
        Intent::Converse | Intent::Attach | Intent::Detach if party == Party::Other => {
            Err(Denied::Hidden)
        }
        Intent::Converse => Ok(party),
        Intent::Attach => match party {
            Party::Owner if !editable => Err(Denied::Forbidden(
                "Le projet n'est plus modifiable : ses pièces jointes sont figées.",
            )),
            _ => Ok(party),
        },
        Intent::Detach => match party {
            Party::Owner if editable => Ok(party),
            Party::Owner => Err(Denied::Forbidden(
                "Le projet n'est plus modifiable : ses pièces jointes sont figées.",
            )),
            _ => Err(Denied::Forbidden(
                "Seul le porteur retire une pièce jointe, tant que le projet est modifiable.",
            )),
        },
        Intent::Edit => match party {
            Party::Owner => Ok(party),
            _ => Err(Denied::Forbidden("Seul le porteur modifie son projet.")),
        },
        // The status machine knows which party takes which action.
        Intent::Transition => Ok(party),
        Intent::ChangeStage => match party {
            Party::Owner | Party::AdminInScope => Ok(party),
            Party::Other => Err(Denied::Forbidden(
                "Seuls le porteur et les administrateurs en charge changent l'étape.",
            )),
        },
        Intent::FollowUp => match party {
            Party::Owner | Party::AdminInScope => Ok(party),
            Party::Other => Err(Denied::Forbidden(
                "Seuls le porteur et les administrateurs en charge renseignent le suivi du projet.",
            )),
        },
        Intent::Pay => match party {
            Party::AdminInScope => Ok(party),
            _ => Err(Denied::Forbidden(
                "Seuls les administrateurs en charge du projet enregistrent un versement.",
            )),
        },
        Intent::Grant => match party {
            Party::AdminInScope => Ok(party),
            _ => Err(Denied::Forbidden(
                "Seuls les administrateurs en charge du projet enregistrent un soutien.",
            )),
        },
        Intent::Review => match party {
            Party::AdminInScope => Ok(party),
            _ => Err(Denied::Forbidden(
                "Les notes et le suivi d'un projet sont réservés aux administrateurs en charge.",
            )),
        },
    }
}

/// Whether `actor` may record an event of `programme` at `territory`: any lead, and
/// administrators inside their scope.
pub fn may_record_event(
    actor: &Actor,
    programme: &ProgrammeCode,
    territory: &TerritoryPath,
) -> bool {
    match actor.role {
        Role::Lead => actor.scope.contains(programme, territory),
        Role::Admin => administers(actor, programme, territory),
        Role::Observer => false,
    }
}

/// Whether `actor` may change or delete `event`: its creator, or an administrator whose scope
/// contains it.
pub fn may_change_event(actor: &Actor, event: &Event) -> bool {
    (actor.id == event.created_by && actor.scope.contains(&event.programme, &event.territory))
        || administers(actor, &event.programme, &event.territory)
}

/// Whether `actor` may link an event it records or edits to `project`: a lead its own
/// projects, an administrator the projects in its scope it may see (not drafts).
pub fn may_link(actor: &Actor, project: &Project) -> bool {
    match actor.role {
        Role::Lead => party(actor, project) == Party::Owner,
        Role::Admin => {
            project.status != Status::Draft
                && administers(actor, &project.fields.programme, &project.territory_path)
        }
        Role::Observer => false,
    }
}

/// Whether `actor` may create a fund reaching `scope`: an administrator whose scope covers it.
pub fn may_create_fund(actor: &Actor, reach: &Scope) -> bool {
    actor.role == Role::Admin && actor.scope.covers(reach)
}

/// Whether `actor` may grant money from `fund`: an administrator whose scope covers the fund's
/// programme and territory.
pub fn may_spend(actor: &Actor, fund: &Fund) -> bool {
    actor.role == Role::Admin && actor.scope.covers(&fund.scope())
}

/// Whether `actor` may export lists (CSV, spreadsheets): administrators and observers.
pub fn may_export(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Observer)
}

/// Whether `actor` manages accounts: national administrators only.
pub fn manages_accounts(actor: &Actor) -> bool {
    actor.is_national_admin()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::{
        Cents, ProjectFields, Stage, TerritoryId,
        project::{Category, Period, ProjectTitle, Summary},
    };

    fn id(s: &str) -> TerritoryId {
        TerritoryId::parse(s).expect("id")
    }

    fn rhone() -> TerritoryPath {
        TerritoryPath {
            id: id("department:69"),
            region: Some(id("region:84")),
            academy: Some(id("academy:10")),
        }
    }

    pub(crate) fn project(lead: Uuid, status: Status) -> Project {
        Project {
            id: Uuid::nil(),
            fields: ProjectFields {
                programme: ProgrammeCode::parse("education").expect("code"),
                territory: id("department:69"),
                title: ProjectTitle::parse("Jardin partagé").expect("title"),
                summary: Summary::parse("Un jardin.").expect("summary"),
                description: None,
                theme: "pedagogy".into(),
                category: Category::Community,
                establishment_uai: None,
                requested_amount: Cents::default(),
                stakeholders: BTreeSet::new(),
                period: Period::default(),
            },
            territory_path: rhone(),
            lead_id: lead,
            status,
            stage: Stage::Initiate,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            submitted_at: None,
            decided_at: None,
            granted_cents: 0,
            support_kinds: BTreeSet::new(),
            support_count: 0,
            event_count: 0,
            follow_up: Default::default(),
        }
    }

    /// The people of the rules, by name.
    #[derive(Debug, Clone, Copy)]
    enum Who {
        Owner,
        OtherLead,
        Observer,
        AdminInScope,
        AdminElsewhere,
        NationalAdmin,
    }

    const EVERYONE: [Who; 6] = [
        Who::Owner,
        Who::OtherLead,
        Who::Observer,
        Who::AdminInScope,
        Who::AdminElsewhere,
        Who::NationalAdmin,
    ];

    fn actor(who: Who, owner: Uuid) -> Actor {
        let lyon = TerritoryPath {
            id: id("academy:10"),
            region: Some(id("region:84")),
            academy: Some(id("academy:10")),
        };
        let paris = TerritoryPath {
            id: id("academy:01"),
            region: Some(id("region:11")),
            academy: Some(id("academy:01")),
        };
        let (id, role, territory) = match who {
            Who::Owner => (owner, Role::Lead, None),
            Who::OtherLead => (Uuid::from_u128(2), Role::Lead, None),
            Who::Observer => (Uuid::from_u128(3), Role::Observer, None),
            Who::AdminInScope => (Uuid::from_u128(4), Role::Admin, Some(lyon)),
            Who::AdminElsewhere => (Uuid::from_u128(5), Role::Admin, Some(paris)),
            Who::NationalAdmin => (Uuid::from_u128(6), Role::Admin, None),
        };
        Actor {
            id,
            role,
            scope: Scope {
                programme: None,
                territory,
            },
        }
    }

    /// `H` hidden, `F` forbidden, `O` allowed as the owner, `A` allowed as admin in scope,
    /// `X` allowed as someone else.
    fn outcome(result: Result<Party, Denied>) -> char {
        match result {
            Err(Denied::Hidden) => 'H',
            Err(Denied::Forbidden(_)) => 'F',
            Ok(Party::Owner) => 'O',
            Ok(Party::AdminInScope) => 'A',
            Ok(Party::Other) => 'X',
        }
    }

    /// One row per status, one column per person in the order of [`EVERYONE`].
    fn check(intent: Intent, table: [(Status, &str); 7]) {
        let owner = Uuid::from_u128(1);
        for (status, expected) in table {
            let project = project(owner, status);
            let got: String = EVERYONE
                .iter()
                .map(|who| outcome(authorize(&actor(*who, owner), &project, intent)))
                .collect();
            assert_eq!(got, expected, "{intent:?} on a {status} project");
        }
    }

    #[test]
    fn reading_follows_visibility() {
        use Status as S;
        //                          owner other observer in-scope elsewhere national
        check(
            Intent::Read,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHXAHA"),
                (S::UnderReview, "OHXAHA"),
                (S::ChangesRequested, "OHXAHA"),
                (S::Validated, "OXXAXA"),
                (S::Rejected, "OHXAHA"),
                (S::Withdrawn, "OHXAHA"),
            ],
        );
    }

    #[test]
    fn only_the_owner_edits_and_an_admin_elsewhere_sees_nothing() {
        use Status as S;
        check(
            Intent::Edit,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHFFHF"),
                (S::UnderReview, "OHFFHF"),
                (S::ChangesRequested, "OHFFHF"),
                (S::Validated, "OFFFHF"),
                (S::Rejected, "OHFFHF"),
                (S::Withdrawn, "OHFFHF"),
            ],
        );
    }

    #[test]
    fn a_conversation_is_between_the_lead_and_the_admins_in_charge_only() {
        use Status as S;
        //                          owner other observer in-scope elsewhere national
        check(
            Intent::Converse,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHHAHA"),
                (S::UnderReview, "OHHAHA"),
                (S::ChangesRequested, "OHHAHA"),
                (S::Validated, "OHHAHA"),
                (S::Rejected, "OHHAHA"),
                (S::Withdrawn, "OHHAHA"),
            ],
        );
    }

    #[test]
    fn the_lead_attaches_while_editable_and_admins_in_charge_at_any_time() {
        use Status as S;
        check(
            Intent::Attach,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "FHHAHA"),
                (S::UnderReview, "FHHAHA"),
                (S::ChangesRequested, "OHHAHA"),
                (S::Validated, "FHHAHA"),
                (S::Rejected, "FHHAHA"),
                (S::Withdrawn, "FHHAHA"),
            ],
        );
    }

    #[test]
    fn the_lead_and_the_admins_in_charge_follow_a_project_up() {
        use Status as S;
        //                          owner other observer in-scope elsewhere national
        check(
            Intent::FollowUp,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHFAHA"),
                (S::UnderReview, "OHFAHA"),
                (S::ChangesRequested, "OHFAHA"),
                (S::Validated, "OFFAHA"),
                (S::Rejected, "OHFAHA"),
                (S::Withdrawn, "OHFAHA"),
            ],
        );
    }

    #[test]
    fn only_the_admins_in_charge_record_a_payment() {
        use Status as S;
        //                          owner other observer in-scope elsewhere national
        check(
            Intent::Pay,
            [
                (S::Draft, "FHHHHH"),
                (S::Submitted, "FHFAHA"),
                (S::UnderReview, "FHFAHA"),
                (S::ChangesRequested, "FHFAHA"),
                (S::Validated, "FFFAHA"),
                (S::Rejected, "FHFAHA"),
                (S::Withdrawn, "FHFAHA"),
            ],
        );
    }

    #[test]
    fn only_the_lead_removes_a_file_and_only_while_editable() {
        use Status as S;
        check(
            Intent::Detach,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "FHHFHF"),
                (S::UnderReview, "FHHFHF"),
                (S::ChangesRequested, "OHHFHF"),
                (S::Validated, "FHHFHF"),
                (S::Rejected, "FHHFHF"),
                (S::Withdrawn, "FHHFHF"),
            ],
        );
    }

    #[test]
    fn transitions_go_to_the_status_machine_with_the_party() {
        use Status as S;
        check(
            Intent::Transition,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHXAHA"),
                (S::UnderReview, "OHXAHA"),
                (S::ChangesRequested, "OHXAHA"),
                (S::Validated, "OXXAHA"),
                (S::Rejected, "OHXAHA"),
                (S::Withdrawn, "OHXAHA"),
            ],
        );
    }

    #[test]
    fn the_owner_and_admins_in_charge_change_the_stage() {
        use Status as S;
        check(
            Intent::ChangeStage,
            [
                (S::Draft, "OHHHHH"),
                (S::Submitted, "OHFAHA"),
                (S::UnderReview, "OHFAHA"),
                (S::ChangesRequested, "OHFAHA"),
                (S::Validated, "OFFAHA"),
                (S::Rejected, "OHFAHA"),
                (S::Withdrawn, "OHFAHA"),
            ],
        );
    }

    #[test]
    fn only_admins_in_charge_grant() {
        use Status as S;
        check(
            Intent::Grant,
            [
                (S::Draft, "FHHHHH"),
                (S::Submitted, "FHFAHA"),
                (S::UnderReview, "FHFAHA"),
                (S::ChangesRequested, "FHFAHA"),
                (S::Validated, "FFFAHA"),
                (S::Rejected, "FHFAHA"),
                (S::Withdrawn, "FHFAHA"),
            ],
        );
    }

    #[test]
    fn only_admins_in_charge_read_the_notes_and_follow() {
        use Status as S;
        check(
            Intent::Review,
            [
                (S::Draft, "FHHHHH"),
                (S::Submitted, "FHFAHA"),
                (S::UnderReview, "FHFAHA"),
                (S::ChangesRequested, "FHFAHA"),
                (S::Validated, "FFFAHA"),
                (S::Rejected, "FHFAHA"),
                (S::Withdrawn, "FHFAHA"),
            ],
        );
    }

    #[test]
    fn the_lead_contact_is_for_the_lead_and_the_admins_in_charge() {
        let owner = Uuid::from_u128(1);
        let project = project(owner, Status::Validated);
        let shown: String = EVERYONE
            .iter()
            .map(|who| {
                if sees_lead_contact(Some(&actor(*who, owner)), &project) {
                    'Y'
                } else {
                    'N'
                }
            })
            .collect();
        assert_eq!(shown, "YNNYNY");
        assert!(!sees_lead_contact(None, &project));
        assert!(sees(None, &project));
        assert!(!sees(None, &self::project(owner, Status::Submitted)));
    }

    #[test]
    fn links_are_to_ones_own_projects_or_to_projects_in_scope() {
        let owner = Uuid::from_u128(1);
        let draft = project(owner, Status::Draft);
        let submitted = project(owner, Status::Submitted);
        let allowed = |who, p: &Project| may_link(&actor(who, owner), p);
        assert!(allowed(Who::Owner, &draft));
        assert!(!allowed(Who::OtherLead, &submitted));
        assert!(!allowed(Who::AdminInScope, &draft));
        assert!(allowed(Who::AdminInScope, &submitted));
        assert!(!allowed(Who::AdminElsewhere, &submitted));
        assert!(!allowed(Who::Observer, &submitted));
    }
}
