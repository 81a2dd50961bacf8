//! The `TestApp`: the real application on a fresh database, reached over HTTP.

use std::time::Duration;

use clap::Parser as _;
use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Database as SeaDatabase};
use secrecy::SecretString;
use serde_json::{Value, json};
use terrain_app::config::Settings;
use terrain_cli::{
    commands::{self as cli, Cli},
    startup::Application,
};

/// The password of every account made by the helpers.
pub const PASSWORD: &str = "correct horse battery staple";

/// The signing secret of every test app.
pub const TEST_SECRET: &str = "a test secret that is long enough for HS256 signing";

/// A running application and the database it owns.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client without cookies or redirects.
    pub client: Client,
    /// The database this app runs on (shared with its siblings).
    pub database: std::sync::Arc<TestDatabase>,
    db: terrain_persistence::Database,
    app: terrain_app::App,
    settings: Settings,
    /// The folder of the attached files (unused on S3), shared with the siblings.
    files: std::sync::Arc<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A database created for one test and removed after it.
pub enum TestDatabase {
    /// A file in a temporary directory, removed with it.
    Sqlite {
        /// The directory holding the file.
        _dir: tempfile::TempDir,
        /// The connection URL.
        url: String,
    },
    /// A database created on the server of `TERRAIN_TEST_DATABASE_URL`, dropped afterwards.
    Postgres {
        /// URL of the maintenance database used to create and drop it.
        admin_url: String,
        /// Its name.
        name: String,
        /// Its URL.
        url: String,
    },
}

impl TestDatabase {
    /// A fresh, empty database on the configured engine.
    pub async fn create() -> TestDatabase {
        match std::env::var("TERRAIN_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = SeaDatabase::connect(admin_url.as_str())
                    .await
                    .expect("connect to TERRAIN_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                let url = replace_database(&admin_url, &name);
                TestDatabase::Postgres {
                    admin_url,
                    name,
                    url,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}/terrain.db", dir.path().display());
                TestDatabase::Sqlite { _dir: dir, url }
            }
        }
    }

    /// The URL the application connects to.
    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }

    /// Makes PostgreSQL refuse connections and closes the ones open: the database is gone.
    pub async fn cut_off(&self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let admin = SeaDatabase::connect(admin_url.as_str())
                .await
                .expect("admin");
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"
                ))
                .await
                .expect("refuse connections");
            admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ))
                .await
                .expect("terminate connections");
            let _ = admin.close().await;
        }
    }

    /// Lets PostgreSQL accept connections again.
    pub async fn restore(&self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let admin = SeaDatabase::connect(admin_url.as_str())
                .await
                .expect("admin");
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true"
                ))
                .await
                .expect("accept connections");
            let _ = admin.close().await;
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Drop runs inside the test's runtime, which cannot be blocked on: use another.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(admin) = SeaDatabase::connect(admin_url.as_str()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (without_query, query) = url
        .split_once('?')
        .map_or((url, None), |(u, q)| (u, Some(q)));
    let base = without_query
        .rsplit_once('/')
        .map_or(without_query, |(base, _)| base);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Where a test app keeps its files: `folder`, or, when `TERRAIN_TEST_S3_BUCKET` is set, a
/// fresh prefix of that bucket on `TERRAIN_TEST_S3_ENDPOINT` (credentials from the `AWS_*`
/// variables), as `.ci/run` does against a local S3 server.
pub fn test_storage(folder: &std::path::Path) -> terrain_app::config::StorageSettings {
    match std::env::var("TERRAIN_TEST_S3_BUCKET") {
        Ok(bucket) if !bucket.is_empty() => terrain_app::config::StorageSettings {
            url: format!("s3://{bucket}/{}", uuid::Uuid::new_v4().simple()),
            s3_endpoint: std::env::var("TERRAIN_TEST_S3_ENDPOINT").ok(),
        },
        _ => terrain_app::config::StorageSettings {
            url: format!("file://{}", folder.display()),
            s3_endpoint: None,
        },
    }
}

/// Settings of a test app on `database`.
pub fn test_settings(database: &TestDatabase) -> Settings {
    let mut settings = Settings::default();
    settings.server.addr = "127.0.0.1:0".parse().expect("address");
    settings.database.url = database.url().to_owned();
    settings.database.max_connections = 4;
    // The storms queue a thousand writes on these four connections of a debug build that
    // shares two cores with the other tests: their wait is a queue, not an outage (which the
    // tests simulate by closing the pool, refused at once).
    settings.database.acquire_timeout_ms = 15_000;
    settings.auth.jwt_secret = Some(SecretString::from(TEST_SECRET));
    settings.auth.rate_limit_burst = 100_000;
    settings.auth.rate_limit_per_minute = 100_000;
    settings.auth.account_failures = 100_000;
    settings.limits.drafts_per_lead = 100_000;
    settings.limits.projects_per_hour = 100_000;
    settings.log.filter = if std::env::var("TEST_LOG").is_ok() {
        "debug".into()
    } else {
        "off".into()
    };
    settings
}

impl TestApp {
    /// Starts the application on a fresh database.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the application on a fresh database, with adjusted settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let database = TestDatabase::create().await;
        let mut settings = test_settings(&database);
        let files = tempfile::tempdir().expect("files folder");
        settings.storage = test_storage(files.path());
        adjust(&mut settings);
        if std::env::var("TEST_LOG").is_ok() {
            terrain_cli::telemetry::init_tracing(&settings.log);
        }
        TestApp::start(
            std::sync::Arc::new(database),
            settings,
            std::sync::Arc::new(files),
        )
        .await
    }

    /// Another instance of the service on this app's database (same settings), as when
    /// several instances serve one PostgreSQL database.
    pub async fn sibling(&self) -> TestApp {
        TestApp::start(
            self.database.clone(),
            self.settings.clone(),
            self.files.clone(),
        )
        .await
    }

    async fn start(
        database: std::sync::Arc<TestDatabase>,
        settings: Settings,
        files: std::sync::Arc<tempfile::TempDir>,
    ) -> TestApp {
        let application = Application::build(settings.clone())
            .await
            .expect("build the app");
        let addr = application.local_addr().expect("address");
        let app = application.app().clone();
        let db = app.store().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        terrain_app::webhooks::install_tls();
        let server = tokio::spawn(application.run_until(async move {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            database,
            db,
            app,
            settings,
            files,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// `GET path`, expecting 200 and JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// `GET path` with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Registers a lead and logs in.
    pub async fn lead(&self, name: &str) -> Session {
        let email = format!("{name}@example.fr");
        let response = self
            .post(
                "/api/v1/auth/register",
                &json!({"email": email, "password": PASSWORD, "display_name": name}),
                None,
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        self.login(&email).await
    }

    /// Creates an account with the `terrain user create` command, then logs in. `extra` holds
    /// further arguments such as `["--programme", "education"]`.
    pub async fn account(&self, name: &str, role: &str, extra: &[&str]) -> Session {
        let email = format!("{name}@example.fr");
        let mut args = vec![
            "terrain",
            "user",
            "create",
            "--email",
            &email,
            "--role",
            role,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        self.run_cli(&args, PASSWORD).await.expect("user create");
        self.login(&email).await
    }

    /// Runs the command line in-process against this app's database, with `stdin` as input.
    pub async fn run_cli(&self, args: &[&str], stdin: &str) -> anyhow::Result<()> {
        let cli = Cli::try_parse_from(args)?;
        let mut input = std::io::Cursor::new(stdin.as_bytes().to_vec());
        cli::run(cli, &self.settings, &mut input, false).await
    }

    /// Logs in with the helpers' password.
    pub async fn login(&self, email: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(response.status(), 200, "login {email}");
        let tokens: Value = response.json().await.expect("tokens");
        let token = tokens["access_token"].as_str().expect("token").to_owned();
        let me = self.get_as("/api/v1/me", &token).await;
        let me: Value = me.json().await.expect("me");
        Session {
            id: me["id"].as_str().expect("id").to_owned(),
            email: email.to_owned(),
            token,
            refresh_token: tokens["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        }
    }

    /// Runs raw SQL on the application's database (to check what the database itself refuses).
    pub async fn execute_sql(&self, sql: &str) -> Result<(), String> {
        use terrain_persistence::ConnectionTrait as _;
        self.db
            .reader()
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Creates a project as `lead` from the default body with `changes` merged in; expects 201.
    pub async fn create_project(&self, lead: &Session, changes: Value) -> Value {
        let response = self
            .post(
                "/api/v1/projects",
                &project_body(changes),
                Some(&lead.token),
            )
            .await;
        assert_eq!(response.status(), 201, "create project");
        response.json().await.expect("project")
    }

    /// Records a workshop in the Rhône titled `title` as `session`; expects 201.
    pub async fn record_event(&self, session: &Session, title: &str) -> Value {
        let response = self
            .post(
                "/api/v1/events",
                &json!({"programme": "education", "territory": "department:69", "title": title,
                        "kind": "workshop", "starts_at": "2026-03-14T18:30:00Z",
                        "attendance": {"parents": 12}}),
                Some(&session.token),
            )
            .await;
        assert_eq!(response.status(), 201, "record event");
        response.json().await.expect("event")
    }

    /// The ids of every item a list answers to `session` (one page of up to 100).
    pub async fn listed_ids(
        &self,
        path: &str,
        session: &Session,
    ) -> std::collections::BTreeSet<String> {
        let page: Value = self
            .get_as(path, &session.token)
            .await
            .json()
            .await
            .expect("json");
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// `PATCH path` as `session`, with `If-Match: if_match` when given.
    pub async fn patch(
        &self,
        path: &str,
        session: &Session,
        if_match: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut request = self
            .client
            .patch(self.url(path))
            .bearer_auth(&session.token)
            .json(body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.expect("request")
    }

    /// `DELETE path` as `session`, with `If-Match: if_match` when given.
    pub async fn delete(&self, path: &str, session: &Session, if_match: Option<&str>) -> Response {
        let mut request = self
            .client
            .delete(self.url(path))
            .bearer_auth(&session.token);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.expect("request")
    }

    /// A project of `lead`, submitted and validated by `admin`.
    pub async fn validated_project(
        &self,
        lead: &Session,
        admin: &Session,
        changes: Value,
    ) -> Value {
        let project = self.create_project(lead, changes).await;
        self.walk(
            &project,
            &[
                (lead, "submit"),
                (admin, "start_review"),
                (admin, "validate"),
            ],
        )
        .await
    }

    /// Sends a workflow action with the given `If-Match` version.
    pub async fn transition(
        &self,
        session: &Session,
        id: &str,
        action: &str,
        comment: Option<&str>,
        version: i64,
    ) -> Response {
        let mut body = json!({"action": action});
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        self.client
            .post(self.url(&format!("/api/v1/projects/{id}/transitions")))
            .bearer_auth(&session.token)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Applies a sequence of actions, each expected to succeed; returns the final project.
    pub async fn walk(&self, project: &Value, steps: &[(&Session, &str)]) -> Value {
        let id = project["id"].as_str().expect("id").to_owned();
        let mut version = project["version"].as_i64().expect("version");
        let mut current = project.clone();
        for (session, action) in steps {
            let response = self
                .transition(session, &id, action, Some("Motif de la décision"), version)
                .await;
            assert_eq!(response.status(), 200, "{action}");
            current = response.json().await.expect("project");
            version = current["version"].as_i64().expect("version");
        }
        current
    }

    /// Whether the counters maintained write by write equal the ones rebuilt from scratch.
    /// Rebuilds them, so call it last.
    pub async fn counters_match_a_rebuild(&self) -> bool {
        use terrain_persistence::repo::stats;
        let incremental = stats::snapshot(self.db.reader()).await.expect("snapshot");
        let txn = self.db.begin_write().await.expect("transaction");
        stats::rebuild(&txn).await.expect("rebuild");
        txn.commit().await.expect("commit");
        let rebuilt = stats::snapshot(self.db.reader()).await.expect("snapshot");
        if incremental != rebuilt {
            for (key, value) in &incremental {
                if rebuilt.get(key) != Some(value) {
                    eprintln!(
                        "incremental {key:?} = {value}, rebuilt {:?}",
                        rebuilt.get(key)
                    );
                }
            }
            for (key, value) in &rebuilt {
                if !incremental.contains_key(key) {
                    eprintln!("rebuilt only {key:?} = {value}");
                }
            }
        }
        incremental == rebuilt
    }

    /// The application's database handle.
    pub fn database_handle(&self) -> terrain_persistence::Database {
        self.db.clone()
    }

    /// The use cases' context of the running application.
    pub fn app(&self) -> &terrain_app::App {
        &self.app
    }

    /// Closes the application's connections, as if the database had gone away.
    pub async fn close_database(&self) {
        self.db.close().await.expect("close");
    }

    /// Asks the server to stop and waits until in-flight requests have finished.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(server) => server.await.expect("server task"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Asserts that `response` is a problem+json of `status`, with the request id of its header,
/// and returns the body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id header")
        .to_owned();
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status);
    assert_eq!(body["request_id"], request_id.as_str());
    for key in ["type", "title", "detail", "instance"] {
        assert!(body[key].is_string(), "problem without {key}: {body}");
    }
    body
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Session {
    /// Account id.
    pub id: String,
    /// Email address.
    pub email: String,
    /// Access token.
    pub token: String,
    /// Refresh token.
    pub refresh_token: String,
}

/// A valid UAI for the 7 digits given (the check letter computed as the Éducation nationale does).
pub fn uai(digits: &str) -> String {
    let n: usize = digits.parse().expect("digits");
    let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    format!("{digits}{}", letters[n % 23] as char)
}

/// A valid project of the education programme in the Rhône, with `changes` merged in (a `null`
/// removes a key).
pub fn project_body(changes: Value) -> Value {
    let mut body = json!({
        "programme": "education",
        "territory": "department:69",
        "title": "Un jardin pédagogique partagé",
        "summary": "Les élèves et les parents aménagent un jardin dans la cour.",
        "theme": "pedagogy",
        "category": "community",
        "establishment_uai": uai("0690001"),
        "requested_amount_cents": 250_000,
        "stakeholders": ["pupils", "parents", "teachers"],
        "starts_on": "2025-09-01",
        "ends_on": "2026-06-30",
    });
    if let (Some(base), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                base.remove(key);
            } else {
                base.insert(key.clone(), value.clone());
            }
        }
    }
    body
}
