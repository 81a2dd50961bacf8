//! Rate limits counted in the database, in fixed windows read as a sliding one, so that every
//! instance serving it counts for one service: per client address on the sign-in routes, per account on failed
//! logins, per lead on project creations.

use std::net::{IpAddr, SocketAddr};

use chrono::Utc;
use ipnet::IpNet;
use sha2::{Digest as _, Sha256};
use terrain_persistence::{Database, repo::rate_limits};

use crate::{App, AppError};

/// A limit: at most `limit` hits per window of `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Names the counter (`login-address`, `login-account`, …).
    pub name: &'static str,
    /// Hits allowed in one window.
    pub limit: u32,
    /// The window's length, in seconds.
    pub window_secs: i64,
}

impl Rule {
    /// The current window: its start (seconds since the epoch), the seconds left in it, and
    /// the share of the previous window still inside the sliding window, in thousandths.
    fn window(&self) -> Window {
        self.window_at(Utc::now().timestamp_millis())
    }

    fn window_at(&self, now_ms: i64) -> Window {
        let length_ms = self.window_secs.saturating_mul(1000).max(1);
        let into_ms = now_ms.rem_euclid(length_ms);
        let start = (now_ms - into_ms) / 1000;
        Window {
            start,
            previous_start: start - self.window_secs,
            left_secs: (length_ms - into_ms + 999) / 1000,
            previous_weight: (length_ms - into_ms) * 1000 / length_ms,
        }
    }

    /// The stored key: the rule's name and a hash of the subject (an address, an email), so
    /// that the table holds no personal data in clear.
    fn key(&self, subject: &str) -> String {
        let digest = Sha256::digest(subject.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}:{hex}", self.name)
    }
}

/// Where now falls among the fixed windows a rule is counted in.
struct Window {
    start: i64,
    previous_start: i64,
    left_secs: i64,
    previous_weight: i64,
}

impl Window {
    /// The hits of the last `window_secs`, estimated from the two fixed windows it overlaps
    /// (the previous one weighted by the share still inside, rounded up): a client cannot get
    /// twice the limit by straddling the boundary of two windows.
    fn sliding(&self, previous: i64, current: i64) -> i64 {
        current.saturating_add(
            previous
                .saturating_mul(self.previous_weight)
                .saturating_add(999)
                / 1000,
        )
    }
}

/// Counts one hit of `subject` under `rule`.
///
/// # Errors
/// 429 with `Retry-After` (the end of the window) once the limit is passed.
pub async fn hit(db: &Database, rule: Rule, subject: &str) -> Result<(), AppError> {
    let window = rule.window();
    let key = rule.key(subject);
    let txn = db.begin_write().await?;
    let current = rate_limits::hit(&txn, &key, window.start).await?;
    let previous = rate_limits::count(&txn, &key, window.previous_start).await?;
    // Now and then, forget the windows of yesterday and before.
    if rand::random::<u16>().is_multiple_of(512) {
        rate_limits::purge(&txn, window.start - 86_400).await?;
    }
    txn.commit().await?;
    if window.sliding(previous, current) > i64::from(rule.limit) {
        Err(AppError::TooManyRequests {
            retry_after: window.left_secs,
        })
    } else {
        Ok(())
    }
}

/// Whether `subject` has already used up `rule` in the current window, without counting.
///
/// # Errors
/// 429 with `Retry-After` when it has.
pub async fn check(db: &Database, rule: Rule, subject: &str) -> Result<(), AppError> {
    let window = rule.window();
    let key = rule.key(subject);
    let current = rate_limits::count(db.reader(), &key, window.start).await?;
    let previous = rate_limits::count(db.reader(), &key, window.previous_start).await?;
    if window.sliding(previous, current) >= i64::from(rule.limit) {
        Err(AppError::TooManyRequests {
            retry_after: window.left_secs,
        })
    } else {
        Ok(())
    }
}

/// The sign-in routes' limits per client address: a burst in any 10 seconds, and the burst
/// plus the rate per minute.
///
/// # Errors
/// 429 when either is passed.
pub async fn hit_address(app: &App, route: &'static str, client: IpAddr) -> Result<(), AppError> {
    let auth = &app.settings().auth;
    let subject = format!("{route}|{client}");
    hit(
        app.store(),
        Rule {
            name: "address-burst",
            limit: auth.rate_limit_burst,
            window_secs: 10,
        },
        &subject,
    )
    .await?;
    hit(
        app.store(),
        Rule {
            name: "address-minute",
            limit: auth
                .rate_limit_burst
                .saturating_add(auth.rate_limit_per_minute),
            window_secs: 60,
        },
        &subject,
    )
    .await
}

/// The failed logins allowed per account (by its normalised email, known or not).
pub fn account_failures(app: &App) -> Rule {
    Rule {
        name: "login-account",
        limit: app.settings().auth.account_failures,
        window_secs: i64::from(app.settings().auth.account_lockout_minutes) * 60,
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address of
/// `X-Forwarded-For` (else `Forwarded: for=`) that is not itself a trusted proxy. The headers
/// are given as their values, in order.
pub fn client_address(
    peer: IpAddr,
    forwarded_for: &[&str],
    forwarded: &[&str],
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|entry| parse_address(entry.trim()))
        .collect();
    if chain.is_empty() {
        chain = forwarded
            .iter()
            .flat_map(|v| v.split([',', ';']))
            .filter_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_address(value.trim().trim_matches('"')))
                    .flatten()
            })
            .collect();
    }
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
}

/// An address as proxies write it: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711`.
fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_used_its_burst_just_before_a_boundary_is_still_limited_just_after() {
        let rule = Rule {
            name: "test",
            limit: 3,
            window_secs: 10,
        };
        // Three hits at 9.9 s into a window, then one at 10.1 s: the new window has one hit,
        // but most of the previous window is still within the last 10 seconds.
        let after = rule.window_at(1_000_010_100);
        assert_eq!(after.left_secs, 10);
        assert!(after.sliding(3, 1) > 3);
        // Once the previous window has slid out by a third, one more hit is allowed.
        let later = rule.window_at(1_000_013_400);
        assert_eq!(later.sliding(3, 1), 3);
        // A full window later the previous one no longer counts.
        assert_eq!(rule.window_at(1_000_019_999).sliding(3, 1), 1);
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let spoofed = ["198.51.100.9, 203.0.113.7"];
        // From a trusted proxy: the last address it did not add itself.
        assert_eq!(
            client_address(proxy, &spoofed, &[], &trusted).to_string(),
            "203.0.113.7"
        );
        // From anyone else: the header is ignored.
        let stranger: IpAddr = "192.0.2.1".parse().expect("ip");
        assert_eq!(client_address(stranger, &spoofed, &[], &trusted), stranger);
        // Chains of trusted proxies are skipped; `Forwarded` is read when XFF is absent.
        assert_eq!(
            client_address(proxy, &["203.0.113.7, 10.0.0.9"], &[], &trusted).to_string(),
            "203.0.113.7"
        );
        assert_eq!(
            client_address(
                proxy,
                &[],
                &["for=\"[2001:db8::1]:4711\";proto=https"],
                &trusted
            )
            .to_string(),
            "2001:db8::1"
        );
        assert_eq!(client_address(proxy, &[], &[], &trusted), proxy);
    }
}
