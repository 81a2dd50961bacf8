//! Layered configuration: built-in defaults, then `config/default.toml`, then
//! `config/$TERRAIN_ENV.toml`, then `TERRAIN__SECTION__KEY` environment variables. Checked once
//! at start, so a bad value stops the process with the key's name instead of failing later.

use std::{net::SocketAddr, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use terrain_persistence::{ConnectSettings, Engine};

/// Every setting of the service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    #[serde(default)]
    pub server: ServerSettings,
    /// Database connection.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// Tokens.
    #[serde(default)]
    pub auth: AuthSettings,
    /// Logs.
    #[serde(default)]
    pub log: LogSettings,
    /// Limits on what one account may do.
    #[serde(default)]
    pub limits: LimitSettings,
    /// Outgoing mail.
    #[serde(default)]
    pub mail: MailSettings,
    /// The worker that delivers the outbox.
    #[serde(default)]
    pub outbox: OutboxSettings,
    /// Webhook deliveries.
    #[serde(default)]
    pub webhooks: WebhookSettings,
    /// Where attached files are kept.
    #[serde(default)]
    pub storage: StorageSettings,
}

/// Where attached files are kept (SPEC §15).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `file://./data/files` (a local folder, created if missing; relative to the working
    /// directory) or `s3://bucket/prefix` (S3-compatible object storage, for several
    /// instances; region and credentials from `AWS_REGION`, `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`).
    pub url: String,
    /// The S3 endpoint, for a service other than Amazon's (`http://` allowed).
    pub s3_endpoint: Option<String>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            url: "file://./data/files".to_owned(),
            s3_endpoint: None,
        }
    }
}

/// Webhook deliveries (SPEC §14).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Allows `http://` targets and private, loopback or link-local addresses (tests, internal
    /// networks). Off: only `https://` to public addresses, checked at each delivery.
    pub allow_private_targets: bool,
    /// A target that has not answered after this many seconds counts as failed.
    pub timeout_secs: u64,
    /// At most this many deliveries in flight to one hook, so that a slow one holds up nobody.
    pub per_target: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private_targets: false,
            timeout_secs: 10,
            per_target: 2,
        }
    }
}

/// Outgoing mail (SPEC §11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS). Unset: mails are written to the outbox and stay
    /// pending (a warning says so at start).
    pub smtp_url: Option<SecretString>,
    /// The sender of every mail.
    pub from: String,
    /// Seconds a whole SMTP conversation may take before the attempt counts as failed.
    pub timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: "Terrain <ne-pas-repondre@terrain.invalid>".into(),
            timeout_secs: 30,
        }
    }
}

/// The outbox worker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSettings {
    /// How often the worker looks for due deliveries when nothing wakes it (other instances'
    /// writes, retries coming due).
    pub poll_interval_ms: u64,
    /// How many deliveries one claim takes.
    pub batch: u64,
    /// How many deliveries go out at once.
    pub concurrency: usize,
    /// Seconds a claimed delivery stays reserved for the instance that took it; after that, a
    /// crashed instance's deliveries are taken again.
    pub lease_secs: i64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            poll_interval_ms: 1_000,
            batch: 100,
            concurrency: 16,
            lease_secs: 120,
        }
    }
}

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// A request that takes longer is answered 503.
    pub request_timeout_secs: u64,
    /// Origins allowed by CORS; empty means no cross-origin access.
    pub cors_origins: Vec<String>,
    /// Seconds a new connection has to send its first request head before it is closed.
    pub header_read_timeout_secs: u64,
    /// Seconds a kept-alive connection may stay idle before it is closed.
    pub keep_alive_timeout_secs: u64,
    /// The most connections open at once (lowered at start to what the open file limit allows).
    pub max_connections: usize,
    /// Peers (CIDR blocks) whose `X-Forwarded-For` and `Forwarded` headers are believed for the
    /// client's address; without them the peer is the client.
    pub trusted_proxies: Vec<String>,
    /// The address people reach the service at (`https://terrain.example.gouv.fr`), for the
    /// links of mails; the session cookie is `Secure` when it is `https`. Unset: `http://` and
    /// the listening address.
    pub public_url: Option<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout_secs: 30,
            cors_origins: Vec::new(),
            header_read_timeout_secs: 10,
            keep_alive_timeout_secs: 60,
            max_connections: 10_000,
            trusted_proxies: Vec::new(),
            public_url: None,
        }
    }
}

impl ServerSettings {
    /// The public address, without a trailing `/`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Whether people reach the service over HTTPS (cookies are then `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }
    /// The trusted proxies, parsed (checked at start by [`Settings::validate`]).
    pub fn trusted_proxy_nets(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|net| parse_net(net).ok())
            .collect()
    }
}

/// A CIDR block, or a single address (a /32 or /128).
fn parse_net(text: &str) -> Result<ipnet::IpNet, ()> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| ())
}

/// Limits on what one account may do, against floods by a single self-registered lead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Drafts a lead may hold at once; one more is refused with 409.
    pub drafts_per_lead: u32,
    /// Projects a lead may create in an hour; one more is refused with 429.
    pub projects_per_hour: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            drafts_per_lead: 50,
            projects_per_hour: 30,
        }
    }
}

/// Database settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://data/terrain.db` (the default) or `postgres://…`.
    pub url: String,
    /// Size of the connection pool.
    pub max_connections: u32,
    /// How long a request waits for a connection before answering 503.
    pub acquire_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "sqlite://data/terrain.db".to_owned(),
            max_connections: 8,
            acquire_timeout_ms: 3000,
        }
    }
}

impl DatabaseSettings {
    /// What the storage layer needs to connect; on SQLite a write waits for the single writer
    /// as long as its request may last (`request_timeout`).
    pub fn connect_settings(&self, request_timeout: Duration) -> ConnectSettings {
        ConnectSettings {
            url: self.url.clone(),
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
            write_queue_timeout: request_timeout,
        }
    }
}

/// Token settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// HS256 signing secret, at least 32 bytes. Without one a random secret is drawn at start.
    pub jwt_secret: Option<SecretString>,
    /// `iss` claim of issued tokens.
    pub issuer: String,
    /// `aud` claim of issued tokens.
    pub audience: String,
    /// Login, registration and refresh attempts allowed per client address and minute.
    pub rate_limit_per_minute: u32,
    /// Attempts allowed in a burst (any 10 seconds) before the per-minute rate applies.
    pub rate_limit_burst: u32,
    /// Failed logins allowed per account in `account_lockout_minutes`, whatever the address.
    pub account_failures: u32,
    /// The window of `account_failures`, in minutes.
    pub account_lockout_minutes: u32,
    /// Sign-in through ProConnect, or any OpenID provider (`[auth.oidc]`); unset: local
    /// accounts only.
    pub oidc: Option<OidcSettings>,
}

/// An OpenID Connect provider (SPEC §20): its endpoints and keys are discovered from `issuer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The provider (`https://auth.agentconnect.gouv.fr/api/v2` for ProConnect).
    pub issuer: String,
    /// Terrain's client id at the provider.
    pub client_id: String,
    /// Its secret (`TERRAIN__AUTH__OIDC__CLIENT_SECRET`).
    pub client_secret: SecretString,
    /// Where the provider sends people back, under `server.public_url`.
    #[serde(default = "default_redirect_path")]
    pub redirect_path: String,
    /// The scopes asked for (`openid` is always asked).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The button's words on `/connexion`.
    #[serde(default = "default_oidc_label")]
    pub label: String,
}

fn default_redirect_path() -> String {
    "/auth/oidc/callback".to_owned()
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "given_name", "usual_name"]
        .map(str::to_owned)
        .to_vec()
}

fn default_oidc_label() -> String {
    "S'identifier avec ProConnect".to_owned()
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: None,
            issuer: "terrain".to_owned(),
            audience: "terrain-api".to_owned(),
            rate_limit_per_minute: 30,
            rate_limit_burst: 10,
            account_failures: 10,
            account_lockout_minutes: 15,
            oidc: None,
        }
    }
}

/// Log settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `terrain_api=debug,info`; `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Pretty,
            filter: "info".to_owned(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// A configuration that cannot be used, with the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file or variable could not be read or has the wrong type.
    #[error("{0}")]
    Load(String),
    /// A value has the right type but is not acceptable.
    #[error("{key}: {message}")]
    Invalid {
        /// The dotted key, e.g. `auth.jwt_secret`.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// The minimum length of the signing secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

impl Settings {
    /// Reads the layers from the working directory and the environment, then checks them.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first key at fault.
    pub fn load() -> Result<Settings, ConfigError> {
        let environment = std::env::var("TERRAIN_ENV").unwrap_or_else(|_| "development".into());
        let settings: Settings = Figment::new()
            .merge(Toml::file("config/default.toml"))
            .merge(Toml::file(format!("config/{environment}.toml")))
            .merge(Env::prefixed("TERRAIN__").split("__"))
            .extract()
            .map_err(|e| ConfigError::Load(one_line(&e)))?;
        settings.validate()?;
        if environment == "production" && settings.auth.jwt_secret.is_none() {
            return Err(ConfigError::Invalid {
                key: "auth.jwt_secret",
                message: "required in production (TERRAIN__AUTH__JWT_SECRET): tokens signed with a random secret would not survive a restart nor be shared by several instances".into(),
            });
        }
        Ok(settings)
    }

    /// Checks values that parse but cannot work.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if Engine::of_url(&self.database.url).is_none() {
            return Err(ConfigError::Invalid {
                key: "database.url",
                message: "must start with sqlite: or postgres://".into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid {
                key: "database.max_connections",
                message: "must be at least 1".into(),
            });
        }
        if self.database.acquire_timeout_ms == 0 {
            return Err(ConfigError::Invalid {
                key: "database.acquire_timeout_ms",
                message: "must be at least 1".into(),
            });
        }
        if let Some(oidc) = &self.auth.oidc {
            if url::Url::parse(&oidc.issuer).is_err() {
                return Err(ConfigError::Invalid {
                    key: "auth.oidc.issuer",
                    message: "must be the provider's URL".into(),
                });
            }
            if !oidc.redirect_path.starts_with('/') {
                return Err(ConfigError::Invalid {
                    key: "auth.oidc.redirect_path",
                    message: "must be a path starting with /".into(),
                });
            }
        }
        if self.server.request_timeout_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "server.request_timeout_secs",
                message: "must be at least 1".into(),
            });
        }
        if let Some(url) = &self.server.public_url
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(ConfigError::Invalid {
                key: "server.public_url",
                message: "must be an http:// or https:// address".into(),
            });
        }
        if let Some(url) = &self.mail.smtp_url {
            let url = url.expose_secret();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::Invalid {
                    key: "mail.smtp_url",
                    message: "must start with smtp:// or smtps://".into(),
                });
            }
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid {
                key: "mail.from",
                message: "must be an address such as `Terrain <terrain@example.fr>`".into(),
            });
        }
        if self.outbox.poll_interval_ms == 0
            || self.outbox.batch == 0
            || self.outbox.concurrency == 0
            || self.outbox.lease_secs <= 0
        {
            return Err(ConfigError::Invalid {
                key: "outbox",
                message: "poll_interval_ms, batch, concurrency and lease_secs must be at least 1"
                    .into(),
            });
        }
        if self.auth.rate_limit_per_minute == 0 || self.auth.rate_limit_burst == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.rate_limit_per_minute",
                message: "the rate and the burst must be at least 1".into(),
            });
        }
        for (key, value) in [
            (
                "server.header_read_timeout_secs",
                self.server.header_read_timeout_secs,
            ),
            (
                "server.keep_alive_timeout_secs",
                self.server.keep_alive_timeout_secs,
            ),
            ("server.max_connections", self.server.max_connections as u64),
            (
                "limits.drafts_per_lead",
                u64::from(self.limits.drafts_per_lead),
            ),
            (
                "limits.projects_per_hour",
                u64::from(self.limits.projects_per_hour),
            ),
            (
                "auth.account_failures",
                u64::from(self.auth.account_failures),
            ),
            (
                "auth.account_lockout_minutes",
                u64::from(self.auth.account_lockout_minutes),
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        if let Some(bad) = self
            .server
            .trusted_proxies
            .iter()
            .find(|net| parse_net(net).is_err())
        {
            return Err(ConfigError::Invalid {
                key: "server.trusted_proxies",
                message: format!("« {bad} » is not an address or a CIDR block such as 10.0.0.0/8"),
            });
        }
        if let Some(secret) = &self.auth.jwt_secret
            && secret.expose_secret().len() < MIN_SECRET_BYTES
        {
            return Err(ConfigError::Invalid {
                key: "auth.jwt_secret",
                message: format!("must be at least {MIN_SECRET_BYTES} bytes long"),
            });
        }
        Ok(())
    }
}

fn one_line(error: &figment::Error) -> String {
    error.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_configuration_at_all_serves_sqlite_on_localhost_8080() {
        let settings = Settings::default();
        assert_eq!(settings.server.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.database.url, "sqlite://data/terrain.db");
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn a_short_secret_is_refused_with_its_key() {
        let mut settings = Settings::default();
        settings.auth.jwt_secret = Some(SecretString::from("too short"));
        let error = settings.validate().expect_err("short secret");
        assert!(error.to_string().starts_with("auth.jwt_secret:"), "{error}");
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its error type"
    )]
    fn a_bad_environment_value_is_an_error_naming_its_key_not_a_panic() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TERRAIN__SERVER__ADDR", "not an address");
            let error = Settings::load().expect_err("a bad address");
            let message = error.to_string();
            assert!(message.contains("addr"), "{message}");
            assert!(!message.contains('\n'), "one line: {message}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("TERRAIN__AUTH__JWT_SECRET", "short");
            let error = Settings::load().expect_err("a short secret");
            assert!(error.to_string().starts_with("auth.jwt_secret"), "{error}");
            jail.set_env("TERRAIN__AUTH__JWT_SECRET", "x".repeat(32));
            jail.set_env("TERRAIN__SERVR__ADDR", "127.0.0.1:1");
            let error = Settings::load().expect_err("a misspelt section");
            assert!(error.to_string().contains("servr"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/default.toml", "[server]\naddr = \"127.0.0.1:9000\"")?;
            jail.set_env("TERRAIN__DATABASE__URL", "postgres://db/terrain");
            let settings = Settings::load().expect("layers");
            assert_eq!(settings.server.addr.port(), 9000);
            assert_eq!(settings.database.url, "postgres://db/terrain");
            Ok(())
        });
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail closures return its error type"
    )]
    fn production_refuses_to_start_without_a_signing_secret() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TERRAIN_ENV", "production");
            let error = Settings::load().expect_err("no secret in production");
            assert!(error.to_string().starts_with("auth.jwt_secret"), "{error}");
            jail.set_env("TERRAIN__AUTH__JWT_SECRET", "x".repeat(32));
            assert!(Settings::load().is_ok());
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_must_be_addresses_or_blocks() {
        let mut settings = Settings::default();
        settings.server.trusted_proxies = vec!["10.0.0.0/8".into(), "::1".into()];
        assert!(settings.validate().is_ok());
        assert_eq!(settings.server.trusted_proxy_nets().len(), 2);
        settings.server.trusted_proxies.push("proxy.local".into());
        let error = settings.validate().expect_err("a host name");
        assert!(
            error.to_string().starts_with("server.trusted_proxies"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_database_scheme_is_refused_with_its_key() {
        let mut settings = Settings::default();
        settings.database.url = "mysql://localhost/terrain".into();
        let error = settings.validate().expect_err("mysql");
        assert!(error.to_string().starts_with("database.url:"), "{error}");
    }
}
