//! Who must hear about a change, and what they read (SPEC §11). Each function writes the
//! outbox rows in the transaction of the change: a change rolled back sends nothing.

use chrono::{DateTime, Utc};
use minijinja::context;
use terrain_domain::{
    Action, Change, Channel, Grant, HistoryEntry, MailPreference, Message, Project, Status,
    Support, User, delivery, fr,
};
use terrain_persistence::ConnectionTrait;
use terrain_persistence::repo::{
    followers,
    outbox::{self, NewDelivery},
    users,
};
use uuid::Uuid;

use crate::{
    App, AppError,
    mail::{self, Draft},
};

/// The outbox row of a mail.
pub(crate) fn delivery(
    draft: &Draft,
    project: Option<Uuid>,
    dedupe_key: Option<String>,
) -> Result<NewDelivery, AppError> {
    let mail = mail::render(draft)?;
    Ok(NewDelivery {
        channel: Channel::Mail,
        kind: draft.kind.to_owned(),
        recipient: mail.to.clone(),
        project_id: project,
        payload: serde_json::to_string(&mail).map_err(AppError::internal)?,
        dedupe_key,
    })
}

/// The address of a page, for mails.
pub(crate) fn link(app: &App, path: &str) -> String {
    format!("{}{path}", app.settings().server.public_url())
}

/// What the templates say of a project.
struct About {
    title: String,
    programme: String,
    territory: String,
}

fn about(app: &App, project: &Project) -> About {
    let catalogue = app.catalogue();
    let f = &project.fields;
    About {
        title: f.title.as_str().to_owned(),
        programme: catalogue
            .programme(f.programme.as_str())
            .map_or_else(|| f.programme.to_string(), |p| p.name.clone()),
        territory: catalogue
            .territory(f.territory.as_str())
            .map_or_else(|| f.territory.to_string(), |t| t.name.clone()),
    }
}

fn lead_draft(
    app: &App,
    lead: &User,
    project: &Project,
    kind: &'static str,
    subject: &str,
    values: minijinja::Value,
) -> Draft {
    Draft {
        kind,
        subject: format!("{subject} : « {} »", project.fields.title.as_str()),
        to: lead.email.clone(),
        name: Some(lead.display_name.clone()),
        values,
        link: Some((
            link(app, &format!("/espace/projets/{}", project.id)),
            "Voir le projet".into(),
        )),
    }
}

/// The lead of a project, when they hear about it (enabled, mails not turned off).
async fn listening_lead(
    conn: &impl ConnectionTrait,
    project: &Project,
) -> Result<Option<User>, AppError> {
    Ok(users::find(conn, project.lead_id)
        .await?
        .filter(|u| !u.disabled && u.mail != MailPreference::Off))
}

/// The mails of a workflow action (its history `entry`) on a project, `before` and `after`.
///
/// # Errors
/// When the database fails.
pub(crate) async fn transition(
    app: &App,
    conn: &impl ConnectionTrait,
    before: &Project,
    after: &Project,
    entry: &HistoryEntry,
) -> Result<(), AppError> {
    let Change::Transition { action, .. } = entry.change else {
        return Ok(());
    };
    let now = entry.at;
    let comment = entry.comment.as_deref();
    let about = about(app, after);
    let reasons: Vec<&str> = entry.reasons.iter().map(|r| r.label_fr()).collect();
    let date = fr::datetime(now);
    let resubmission = before.status == Status::ChangesRequested;
    let values = context! {
        title => about.title, programme => about.programme, territory => about.territory,
        date => date, project_id => after.id.to_string(), comment => comment.unwrap_or_default(),
        resubmission => resubmission, reasons => reasons,
    };
    let mut rows = Vec::new();
    let lead_mail = match action {
        Action::Submit => Some(("submission_receipt", "Accusé de réception")),
        Action::RequestChanges => Some(("changes_requested", "Modifications demandées")),
        Action::Validate => Some(("validated", "Projet validé")),
        Action::Reject => Some(("rejected", "Projet refusé")),
        Action::Reopen => Some(("reopened", "Décision rouverte")),
        Action::Withdraw | Action::StartReview => None,
    };
    let lead = users::find(conn, after.lead_id).await?;
    if let (Some((kind, subject)), Some(lead)) = (
        lead_mail,
        lead.as_ref()
            .filter(|u| !u.disabled && u.mail != MailPreference::Off),
    ) {
        let draft = lead_draft(app, lead, after, kind, subject, values.clone());
        rows.push(delivery(&draft, Some(after.id), None)?);
    }
    if action == Action::Submit {
        let following = followers::of_project(conn, after.id).await?;
        let admins = users::enabled_admins(conn).await?;
        let lead_name = lead.map_or_else(String::new, |l| l.display_name);
        let amount = fr::euros(after.fields.requested_amount.get());
        let subject = if resubmission {
            "Projet déposé à nouveau"
        } else {
            "Nouveau projet déposé"
        };
        for admin in delivery::hear_of_submission(after, &following, &admins) {
            let draft = Draft {
                kind: "new_submission",
                subject: format!("{subject} : « {} »", after.fields.title.as_str()),
                to: admin.email.clone(),
                name: Some(admin.display_name.clone()),
                values: context! { lead => lead_name.clone(), amount => amount.clone(), ..values.clone() },
                link: Some((
                    link(app, &format!("/instruction/projets/{}", after.id)),
                    "Examiner le projet".into(),
                )),
            };
            rows.push(delivery(&draft, Some(after.id), None)?);
        }
    }
    outbox::insert(conn, rows, now).await?;
    Ok(())
}

/// The mail of a support granted to `project`.
///
/// # Errors
/// When the database fails.
pub(crate) async fn support(
    app: &App,
    conn: &impl ConnectionTrait,
    project: &Project,
    support: &Support,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(lead) = listening_lead(conn, project).await? else {
        return Ok(());
    };
    let what = match &support.grant {
        Grant::Financial { fund, amount } => format!(
            "un financement de {} sur le fonds {fund}",
            fr::euros(amount.get())
        ),
        Grant::Other(kind) => format!("un soutien de type « {} »", kind.label_fr().to_lowercase()),
    };
    let values = context! {
        title => project.fields.title.as_str(), support => what,
        note => support.note.clone().unwrap_or_default(),
    };
    let draft = lead_draft(
        app,
        &lead,
        project,
        "support_granted",
        "Soutien accordé",
        values,
    );
    outbox::insert(conn, vec![delivery(&draft, Some(project.id), None)?], now).await?;
    Ok(())
}

/// The mails of a new message: to the lead when an administrator writes; when the lead
/// writes, to the administrators who follow the project or, when nobody does, to those in
/// charge who asked for instant mails (as for a submission).
///
/// # Errors
/// When the database fails.
pub(crate) async fn message(
    app: &App,
    conn: &impl ConnectionTrait,
    project: &Project,
    message: &Message,
    files: &[String],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let values = context! {
        title => project.fields.title.as_str(), author => message.author_name.clone(),
        body => message.body.clone(), files => files.to_vec(),
    };
    let subject = format!("Nouveau message : « {} »", project.fields.title.as_str());
    let mut rows = Vec::new();
    if message.author_id == project.lead_id {
        let following = followers::of_project(conn, project.id).await?;
        let admins = users::enabled_admins(conn).await?;
        for admin in delivery::hear_of_submission(project, &following, &admins) {
            let draft = Draft {
                kind: "new_message",
                subject: subject.clone(),
                to: admin.email.clone(),
                name: Some(admin.display_name.clone()),
                values: values.clone(),
                link: Some((
                    link(
                        app,
                        &format!("/instruction/projets/{}#messages", project.id),
                    ),
                    "Lire et répondre".into(),
                )),
            };
            rows.push(delivery(&draft, Some(project.id), None)?);
        }
    } else if let Some(lead) = listening_lead(conn, project).await? {
        let draft = Draft {
            kind: "new_message",
            subject,
            to: lead.email.clone(),
            name: Some(lead.display_name.clone()),
            values,
            link: Some((
                link(app, &format!("/espace/projets/{}#messages", project.id)),
                "Lire et répondre".into(),
            )),
        };
        rows.push(delivery(&draft, Some(project.id), None)?);
    }
    outbox::insert(conn, rows, now).await?;
    Ok(())
}
