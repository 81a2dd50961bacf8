//! Mails: written from templates compiled into the binary (minijinja), in French, as plain
//! text and HTML, and sent over SMTP (lettre). A mail is rendered when its outbox entry is
//! written, so what goes out is what the change said at the time; its `Message-ID` is derived
//! from the entry, so that a mail delivered twice (at least once, after a crash) is
//! recognisable as the same.

use std::{sync::LazyLock, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use minijinja::{Environment, UndefinedBehavior, Value, context};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use terrain_domain::Email;
use uuid::Uuid;

use crate::{AppError, config::MailSettings};

/// What a mail's outbox entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The recipient's name, for the greeting and the `To` header.
    pub name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Plain text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.txt", include_str!("../templates/layout.txt")),
    ("layout.html", include_str!("../templates/layout.html")),
    (
        "submission_receipt.txt",
        include_str!("../templates/submission_receipt.txt"),
    ),
    (
        "changes_requested.txt",
        include_str!("../templates/changes_requested.txt"),
    ),
    ("validated.txt", include_str!("../templates/validated.txt")),
    ("rejected.txt", include_str!("../templates/rejected.txt")),
    ("reopened.txt", include_str!("../templates/reopened.txt")),
    (
        "support_granted.txt",
        include_str!("../templates/support_granted.txt"),
    ),
    (
        "new_submission.txt",
        include_str!("../templates/new_submission.txt"),
    ),
    (
        "daily_digest.txt",
        include_str!("../templates/daily_digest.txt"),
    ),
    (
        "password_reset.txt",
        include_str!("../templates/password_reset.txt"),
    ),
    ("test.txt", include_str!("../templates/test.txt")),
    (
        "new_message.txt",
        include_str!("../templates/new_message.txt"),
    ),
    (
        "webhook_disabled.txt",
        include_str!("../templates/webhook_disabled.txt"),
    ),
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        // The templates are part of the binary and checked by the tests: one that does not
        // parse is a bug of the build, not of a request.
        if let Err(error) = env.add_template(name, source) {
            tracing::error!(template = name, %error, "mail template does not parse");
        }
    }
    env
});

/// A mail to write: its kind (the template), subject, recipient, the values of its template,
/// and the page it points to.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The template (`submission_receipt`, …).
    pub kind: &'static str,
    /// Subject.
    pub subject: String,
    /// Recipient's address.
    pub to: Email,
    /// Recipient's name.
    pub name: Option<String>,
    /// The values the template reads.
    pub values: Value,
    /// The page concerned, with the label of its link.
    pub link: Option<(String, String)>,
}

/// Renders a draft.
///
/// # Errors
/// When a template fails (a bug: every kind is rendered by the tests).
pub fn render(draft: &Draft) -> Result<Mail, AppError> {
    let env = &*ENVIRONMENT;
    let body = env
        .get_template(&format!("{}.txt", draft.kind))
        .and_then(|t| t.render(&draft.values))
        .map_err(AppError::internal)?;
    let body = body.trim().to_owned();
    let (link, link_label) = draft.link.clone().unzip();
    let paragraphs: Vec<Vec<String>> = body
        .split("\n\n")
        .map(|p| p.lines().map(str::to_owned).collect())
        .collect();
    let layout = context! {
        name => draft.name.clone(),
        subject => draft.subject.clone(),
        body => body.clone(),
        paragraphs => paragraphs,
        link => link,
        link_label => link_label,
    };
    let text = env
        .get_template("layout.txt")
        .and_then(|t| t.render(&layout))
        .map_err(AppError::internal)?;
    let html = env
        .get_template("layout.html")
        .and_then(|t| t.render(&layout))
        .map_err(AppError::internal)?;
    Ok(Mail {
        to: draft.to.as_str().to_owned(),
        name: draft.name.clone(),
        subject: draft.subject.clone(),
        text,
        html,
    })
}

/// The mail of `terrain mail test`.
///
/// # Errors
/// 422 when `to` is not an address.
pub fn test_mail(settings: &crate::config::Settings, to: &str) -> Result<Mail, AppError> {
    let to = Email::parse(to).map_err(|e| AppError::invalid("to", e.to_string()))?;
    let server = settings
        .mail
        .smtp_url
        .as_ref()
        .map(|url| {
            // Say which server, never with its credentials.
            let url = url.expose_secret();
            let rest = url.split_once("://").map_or(url, |(_, r)| r);
            rest.rsplit_once('@')
                .map_or(rest, |(_, host)| host)
                .to_owned()
        })
        .unwrap_or_default();
    render(&Draft {
        kind: "test",
        subject: "Message de test de Terrain".into(),
        to,
        name: None,
        values: context! { server => server },
        link: Some((settings.server.public_url(), "Ouvrir Terrain".into())),
    })
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again (the server is down, busy, or answered 4xx).
    #[error("{0}")]
    Transient(String),
    /// Never going to work (5xx, a malformed address).
    #[error("{0}")]
    Permanent(String),
}

/// An SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    timeout: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer of the settings, or `None` when `mail.smtp_url` is unset.
    ///
    /// # Errors
    /// When the URL or the sender cannot be read.
    pub fn from_settings(settings: &MailSettings) -> Result<Option<Mailer>, AppError> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| AppError::internal(anyhow::anyhow!("mail.smtp_url: {e}")))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| AppError::internal(anyhow::anyhow!("mail.from: {e}")))?;
        let domain = from.email.domain().to_owned();
        Ok(Some(Mailer {
            transport,
            from,
            domain,
            timeout,
        }))
    }

    /// The `Message-ID` of the mail of outbox entry `id`.
    pub fn message_id(&self, id: Uuid) -> String {
        format!("<{id}@{}>", self.domain)
    }

    /// Sends a mail as outbox entry `id`.
    ///
    /// # Errors
    /// [`SendError`], sorted into worth retrying or not.
    pub async fn send(&self, id: Uuid, mail: &Mail) -> Result<(), SendError> {
        let address = mail
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("adresse {}: {e}", mail.to)))?;
        let to = Mailbox::new(mail.name.clone(), address);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(self.message_id(id)))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
            Err(_) => Err(SendError::Transient(format!(
                "no answer from the SMTP server within {} s",
                self.timeout.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: &'static str, values: Value) -> Draft {
        Draft {
            kind,
            subject: "Sujet".into(),
            to: Email::parse("porteuse@example.fr").expect("email"),
            name: Some("Mme Durand".into()),
            values,
            link: Some((
                "https://terrain.example/espace".into(),
                "Voir le projet".into(),
            )),
        }
    }

    #[test]
    fn every_template_renders_with_its_values_in_text_and_html() {
        let project = context! {
            title => "Jardin <partagé>", date => "1er décembre 2026", project_id => "01",
            programme => "Notre école", territory => "Rhône", comment => "Précisez le budget.",
            resubmission => false, support => "financement de 1 500,00 €", note => "",
            lead => "Mme Durand", amount => "1 500,00 €",
            reasons => vec!["Dossier incomplet", "Informations périmées"],
            author => "M. Martin", body => "Le devis est joint.", files => vec!["devis.pdf"],
        };
        for kind in [
            "submission_receipt",
            "changes_requested",
            "validated",
            "rejected",
            "reopened",
            "support_granted",
            "new_submission",
            "new_message",
        ] {
            let mail = render(&draft(kind, project.clone())).expect(kind);
            assert!(
                mail.text.starts_with("Bonjour Mme Durand,"),
                "{kind}: {}",
                mail.text
            );
            assert!(
                mail.text
                    .contains("Voir le projet : https://terrain.example/espace"),
                "{kind}"
            );
            assert!(
                mail.html.contains("Jardin &lt;partagé&gt;"),
                "{kind}: HTML is escaped"
            );
            assert!(
                mail.text.contains("Jardin <partagé>"),
                "{kind}: text is not"
            );
        }
        let reasons = render(&draft("changes_requested", project.clone())).expect("reasons");
        assert!(
            reasons
                .text
                .contains("Motifs : Dossier incomplet, Informations périmées."),
            "{}",
            reasons.text
        );
        let digest = context! { projects => vec![context! {
            title => "Jardin", territory => "Rhône", date => "1er décembre", resubmission => true,
            link => "https://terrain.example/instruction/projets/1",
        }] };
        let mail = render(&draft("daily_digest", digest)).expect("digest");
        assert!(
            mail.text.contains("Un projet a été déposé"),
            "{}",
            mail.text
        );
        render(&draft("password_reset", context! {})).expect("reset");
        render(&draft(
            "test",
            context! { server => "smtp://127.0.0.1:2525" },
        ))
        .expect("test");
    }

    #[test]
    fn a_template_value_left_out_is_an_error_not_an_empty_word() {
        assert!(render(&draft("rejected", context! { title => "Jardin" })).is_err());
    }
}
