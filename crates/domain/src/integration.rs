//! What programs use: API tokens (a person's rights, narrowed, without their password), the
//! change feed, and webhooks (the feed pushed to a subscriber). Pure rules only; hashing,
//! storage and delivery live in the use cases.

use std::net::IpAddr;

use chrono::{DateTime, Months, NaiveDate, Utc};
use uuid::Uuid;

use crate::{ProgrammeCode, Scope, TerritoryId, User, text::TextRule};

/// What an API token's secret starts with, so that it is recognisable in a leaked file.
pub const TOKEN_PREFIX: &str = "trn_";

/// A token's name: 1 to 100 characters on one line, no blank at either end.
pub const TOKEN_NAME: TextRule = TextRule::line(1, 100);

crate::code_enum! {
    /// What a token may do with its owner's rights.
    pub enum TokenAccess: "accès" {
        /// Reads only: any write is refused (403).
        Read = "read",
        /// Reads and writes.
        Write = "write",
    }
}

/// An API token as stored (never its secret, only a hash of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Identifier.
    pub id: Uuid,
    /// Its owner.
    pub user_id: Uuid,
    /// A name its owner chose (« Tableau de bord de l'académie »).
    pub name: String,
    /// Reads only, or reads and writes.
    pub access: TokenAccess,
    /// The programme and territory it is narrowed to (national: none).
    pub reach: Scope,
    /// The last day it works.
    pub expires_on: NaiveDate,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last time it was used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When its owner or a national administrator revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether it still works on `today` (not revoked, not expired).
    pub fn is_live(&self, today: NaiveDate) -> bool {
        self.revoked_at.is_none() && today <= self.expires_on
    }

    /// The owner as this token lets a program act: the owner's rights narrowed to the
    /// token's reach; `None` when the two no longer meet (the owner's scope changed since).
    pub fn acting_as(&self, owner: &User) -> Option<User> {
        let scope = owner.scope.intersect(&self.reach)?;
        Some(User {
            scope,
            ..owner.clone()
        })
    }
}

/// Checks the last day of a new token: from tomorrow to one year ahead.
///
/// # Errors
/// A French message for the `expires_on` field.
pub fn check_expiry(expires_on: NaiveDate, today: NaiveDate) -> Result<(), &'static str> {
    let latest = today
        .checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX);
    if expires_on <= today {
        Err("la date d'expiration doit être postérieure à aujourd'hui")
    } else if expires_on > latest {
        Err("un jeton dure au plus un an")
    } else {
        Ok(())
    }
}

crate::code_enum! {
    /// What a change of the feed is about.
    pub enum ChangeType: "type de changement" {
        /// A project was created (a draft).
        ProjectCreated = "project.created",
        /// A project's fields changed, or its follow-up (milestones, indicators, payments,
        /// report).
        ProjectUpdated = "project.updated",
        /// A project's status changed (submitted, validated, …).
        ProjectStatusChanged = "project.status_changed",
        /// A project moved to another SILK stage.
        ProjectStageChanged = "project.stage_changed",
        /// A project received a support.
        ProjectSupported = "project.supported",
        /// An event was recorded.
        EventCreated = "event.created",
        /// An event changed.
        EventUpdated = "event.updated",
        /// An event was deleted.
        EventDeleted = "event.deleted",
        /// A fund was created.
        FundCreated = "fund.created",
    }
}

impl ChangeType {
    /// Whether the change is about a project (its visibility depends on the project now).
    pub fn is_project(self) -> bool {
        self.as_str().starts_with("project.")
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeItem {
    /// Its place in commit order: only grows.
    pub seq: i64,
    /// When it was committed.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: ChangeType,
    /// The project or event (its UUID), or the fund (its code).
    pub id: String,
    /// Its programme (a fund without one: `None`).
    pub programme: Option<ProgrammeCode>,
    /// Its territory (a fund without one: `None`).
    pub territory: Option<TerritoryId>,
}

/// After this many days of failed deliveries a webhook is disabled, and its owner told.
pub const WEBHOOK_DISABLED_AFTER_DAYS: i64 = 3;

/// A subscription to the change feed (SPEC §14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Identifier.
    pub id: Uuid,
    /// Who registered it: changes are sent as this account may see them.
    pub owner_id: Uuid,
    /// Where changes are `POST`ed.
    pub url: String,
    /// Which changes.
    pub types: Vec<ChangeType>,
    /// Only changes of this programme and territory (national: every one).
    pub reach: Scope,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Since when its deliveries fail (none: the last one succeeded).
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was disabled for failing too long.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl Webhook {
    /// Whether a failure at `now` ends the hook: it has failed for
    /// [`WEBHOOK_DISABLED_AFTER_DAYS`] days without a success.
    pub fn fails_for_good(&self, now: DateTime<Utc>) -> bool {
        self.failing_since
            .is_some_and(|since| now - since >= chrono::Duration::days(WEBHOOK_DISABLED_AFTER_DAYS))
    }
}

/// Whether a webhook target's address may be called: a public unicast address, not a private,
/// loopback, link-local, shared, documentation or otherwise reserved one (IPv4 inside IPv6
/// included), so that a hook cannot make the service reach its own network.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || first == 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_token_lasts_from_tomorrow_to_one_year_ahead() {
        let today = day("2026-12-01");
        assert!(check_expiry(day("2026-12-02"), today).is_ok());
        assert!(check_expiry(day("2027-12-01"), today).is_ok());
        assert!(check_expiry(day("2027-12-02"), today).is_err());
        assert!(check_expiry(today, today).is_err());
        assert!(check_expiry(day("2020-01-01"), today).is_err());
    }

    #[test]
    fn only_public_unicast_addresses_are_webhook_targets() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(
                !is_public_address(private.parse().expect("ip")),
                "{private}"
            );
        }
        for public in [
            "8.8.8.8",
            "193.51.24.1",
            "2a00:1450:4007::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public_address(public.parse().expect("ip")), "{public}");
        }
    }

    fn path(id: &str, region: Option<&str>, academy: Option<&str>) -> crate::TerritoryPath {
        let parse = |s: &str| TerritoryId::parse(s).expect("id");
        crate::TerritoryPath {
            id: parse(id),
            region: region.map(parse),
            academy: academy.map(parse),
        }
    }

    #[test]
    fn a_tokens_reach_is_what_it_shares_with_its_owners_scope() {
        let education = ProgrammeCode::parse("education").expect("code");
        let health = ProgrammeCode::parse("health").expect("code");
        let region = path("region:84", Some("region:84"), None);
        let lyon = path("academy:10", Some("region:84"), Some("academy:10"));
        let grenoble = path("academy:08", Some("region:84"), Some("academy:08"));
        let scope = |programme: Option<&ProgrammeCode>,
                     territory: Option<&crate::TerritoryPath>| Scope {
            programme: programme.cloned(),
            territory: territory.cloned(),
        };
        let national = Scope::default();
        assert_eq!(
            national.intersect(&scope(Some(&education), Some(&lyon))),
            Some(scope(Some(&education), Some(&lyon)))
        );
        assert_eq!(
            scope(Some(&education), Some(&region)).intersect(&scope(None, Some(&lyon))),
            Some(scope(Some(&education), Some(&lyon))),
            "the deeper territory, the owner's programme"
        );
        assert_eq!(
            scope(None, Some(&lyon)).intersect(&scope(None, Some(&region))),
            Some(scope(None, Some(&lyon))),
            "a token cannot widen its owner's territory"
        );
        assert_eq!(
            scope(Some(&education), None).intersect(&scope(Some(&health), None)),
            None
        );
        assert_eq!(
            scope(None, Some(&lyon)).intersect(&scope(None, Some(&grenoble))),
            None
        );
    }

    #[test]
    fn a_webhook_is_disabled_only_after_three_full_days_of_failures() {
        let now = Utc::now();
        let hook = |failing_since| Webhook {
            id: Uuid::nil(),
            owner_id: Uuid::nil(),
            url: "https://example.org/".into(),
            types: vec![ChangeType::ProjectCreated],
            reach: Scope::default(),
            created_at: now,
            failing_since,
            disabled_at: None,
        };
        assert!(!hook(None).fails_for_good(now));
        assert!(!hook(Some(now - chrono::Duration::hours(71))).fails_for_good(now));
        assert!(hook(Some(now - chrono::Duration::hours(72))).fails_for_good(now));
    }

    #[test]
    fn change_types_are_written_as_the_feed_names_them() {
        assert_eq!(ChangeType::ALL.len(), 9);
        assert_eq!(
            "project.status_changed".parse::<ChangeType>(),
            Ok(ChangeType::ProjectStatusChanged)
        );
        assert!(ChangeType::ProjectSupported.is_project());
        assert!(!ChangeType::FundCreated.is_project());
    }
}
