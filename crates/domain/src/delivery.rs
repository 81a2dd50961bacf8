//! What must be delivered to someone (a mail, a webhook call), when to try again after a
//! failure, and who hears about a submission. Pure rules; the outbox that carries them lives
//! in the persistence layer.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::{Project, Role, User, access};

crate::code_enum! {
    /// How an account wants to hear about what happens.
    pub enum MailPreference: "préférence de courriel" {
        /// A mail at once.
        Instant = "instant",
        /// One digest a working day, at 9:00 Paris time.
        Daily = "daily",
        /// No mail about projects (a password reset is still sent).
        Off = "none",
    }
}

crate::code_enum! {
    /// The way a delivery goes out.
    pub enum Channel: "canal" {
        /// A mail over SMTP.
        Mail = "mail",
        /// A signed HTTP call to a subscriber.
        Webhook = "webhook",
    }
}

crate::code_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus: "état de l'envoi" {
        /// Not delivered yet; tried again at `next_attempt_at`.
        Pending = "pending",
        /// Delivered.
        Delivered = "delivered",
        /// Given up after every attempt (a national administrator may retry it).
        Failed = "failed",
    }
}

/// The waits between attempts: the first retry within 30 s, then longer and longer; ten
/// attempts spread over about 16 hours (SPEC §11: at least 8 attempts over at least 12 h).
const WAITS_SECS: [i64; 9] = [20, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800];

/// The most attempts of a delivery.
pub const MAX_ATTEMPTS: u32 = WAITS_SECS.len() as u32 + 1;
const _: () = assert!(MAX_ATTEMPTS >= 8, "SPEC §11: at least 8 attempts");

/// How long to wait after `attempts` failed attempts before the next, or `None` to give up.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    WAITS_SECS.get(index).map(|secs| Duration::seconds(*secs))
}

/// One delivery, as national administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Identifier (also the root of the mail's `Message-ID`).
    pub id: Uuid,
    /// The way it goes out.
    pub channel: Channel,
    /// What it tells (`submission_receipt`, `changes_requested`, …).
    pub kind: String,
    /// To whom (an address, a subscription).
    pub recipient: String,
    /// The project it is about.
    pub project_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When it is tried next (pending).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it went out.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Who hears about a new submission of `project` at once (SPEC §11): the administrators who
/// follow it; when nobody does, every administrator in scope who asked for instant mails.
/// Disabled accounts and those who asked for no mail hear nothing; those who chose the daily
/// digest find it there.
pub fn hear_of_submission<'a>(
    project: &Project,
    followers: &'a [User],
    admins: &'a [User],
) -> Vec<&'a User> {
    let in_charge = |user: &&User| {
        user.role == Role::Admin
            && !user.disabled
            && access::administers(
                &crate::Actor::from(*user),
                &project.fields.programme,
                &project.territory_path,
            )
    };
    let instant = |user: &&User| user.mail == MailPreference::Instant;
    let following: Vec<&User> = followers.iter().filter(in_charge).collect();
    if following.is_empty() {
        admins.iter().filter(in_charge).filter(instant).collect()
    } else {
        following.into_iter().filter(instant).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Email, ProgrammeCode, Scope, Status, TerritoryId, TerritoryPath};

    fn admin(name: &str, mail: MailPreference, scope: Option<&str>) -> User {
        let path = |id: &str| TerritoryPath {
            id: TerritoryId::parse(id).expect("id"),
            region: None,
            academy: None,
        };
        User {
            id: Uuid::now_v7(),
            email: Email::parse(&format!("{name}@example.fr")).expect("email"),
            display_name: name.into(),
            role: Role::Admin,
            scope: Scope {
                programme: Some(ProgrammeCode::parse("education").expect("code")),
                territory: scope.map(path),
            },
            disabled: false,
            mail,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn names(users: &[&User]) -> Vec<String> {
        users.iter().map(|u| u.display_name.clone()).collect()
    }

    #[test]
    fn followers_hear_of_a_submission_and_when_nobody_follows_the_instant_admins_in_scope_do() {
        let project = crate::access::tests::project(Uuid::nil(), Status::Submitted);
        let admins = vec![
            admin("instant", MailPreference::Instant, None),
            admin("quotidien", MailPreference::Daily, None),
            admin("muet", MailPreference::Off, None),
            admin("ailleurs", MailPreference::Instant, Some("academy:01")),
            User {
                disabled: true,
                ..admin("parti", MailPreference::Instant, None)
            },
        ];
        assert_eq!(
            names(&hear_of_submission(&project, &[], &admins)),
            ["instant"]
        );
        let followers = vec![admin("suiveuse", MailPreference::Instant, None)];
        assert_eq!(
            names(&hear_of_submission(&project, &followers, &admins)),
            ["suiveuse"],
            "a followed project is not announced to everyone"
        );
        let quiet = vec![admin("suiveuse", MailPreference::Daily, None)];
        assert!(hear_of_submission(&project, &quiet, &admins).is_empty());
    }

    #[test]
    fn ten_attempts_are_spread_over_more_than_twelve_hours_with_a_first_retry_within_thirty_seconds()
     {
        assert!(retry_after(1).is_some_and(|d| d <= Duration::seconds(30)));
        let total: i64 = (1..MAX_ATTEMPTS)
            .filter_map(retry_after)
            .map(|d| d.num_seconds())
            .sum();
        let attempts = (1..)
            .take_while(|n| *n == 1 || retry_after(n - 1).is_some())
            .count();
        assert!(attempts >= 8, "{attempts} attempts");
        assert!(total >= 12 * 3600, "{total}");
        assert_eq!(retry_after(MAX_ATTEMPTS), None, "the last failure gives up");
        assert_eq!(retry_after(0), None);
        let waits: Vec<_> = (1..MAX_ATTEMPTS).filter_map(retry_after).collect();
        assert!(waits.windows(2).all(|w| w[0] < w[1]), "each wait is longer");
    }
}
