//! Rules that are not about HTTP, checked on the use cases themselves, over a fresh SQLite
//! database migrated as the service does.

use secrecy::SecretString;
use terrain_app::{
    App, AppError, Expected,
    accounts::{self, AccountInput},
    config::Settings,
    idempotency::{Once, Outcome, StoredResponse},
    projects,
};
use terrain_domain::{
    Action, Actor, ProjectInput, Role, Status, User,
    project::{Category, Stakeholder},
};
use terrain_persistence::{ConnectSettings, Database};

struct World {
    app: App,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = Settings::default();
    settings.database.url = format!("sqlite://{}/terrain.db", dir.path().display());
    settings.auth.jwt_secret = Some(SecretString::from(
        "a secret long enough for the use case tests",
    ));
    settings.limits.projects_per_hour = 1_000;
    let store = Database::connect(&ConnectSettings {
        url: settings.database.url.clone(),
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(2),
        write_queue_timeout: std::time::Duration::from_secs(30),
    })
    .await
    .expect("connect");
    store.migrate().await.expect("migrate");
    World {
        app: App::new(store, settings).await.expect("app"),
        _dir: dir,
    }
}

async fn account(app: &App, name: &str, role: Role, territory: Option<&str>) -> User {
    accounts::create_account(
        app,
        AccountInput {
            email: format!("{name}@example.fr"),
            password: "correct horse battery staple".into(),
            display_name: name.into(),
            role,
            programme: None,
            territory: territory.map(str::to_owned),
        },
    )
    .await
    .expect("account")
}

fn input(stakeholders: Vec<Stakeholder>, uai: Option<&str>) -> ProjectInput {
    ProjectInput {
        programme: "education".into(),
        territory: "department:69".into(),
        title: "Un jardin pédagogique".into(),
        summary: "Les élèves aménagent la cour.".into(),
        theme: "pedagogy".into(),
        category: Some(Category::Community),
        establishment_uai: uai.map(str::to_owned),
        stakeholders,
        ..ProjectInput::default()
    }
}

async fn created(app: &App, lead: &User, input: ProjectInput) -> terrain_domain::Project {
    match projects::create(app, lead, input, None)
        .await
        .expect("create")
    {
        Outcome::Done(detail) => detail.project,
        Outcome::Replayed(_) => unreachable!("no key was given"),
    }
}

#[tokio::test]
async fn an_incomplete_submission_names_every_missing_field_and_changes_nothing() {
    let World { app, .. } = world().await;
    let lead = account(&app, "porteuse", Role::Lead, None).await;
    let project = created(&app, &lead, input(Vec::new(), None)).await;
    let outcome = projects::transition(
        &app,
        &Actor::from(&lead),
        project.id,
        Some(&Expected::OneOf(vec![1])),
        Action::Submit,
        None,
        &[],
    )
    .await;
    let Err(AppError::Invalid(errors)) = outcome else {
        panic!("expected invalid fields, got {outcome:?}");
    };
    let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["stakeholders", "establishment_uai"]);
    let still = projects::get(&app, Some(&Actor::from(&lead)), project.id)
        .await
        .expect("read");
    assert_eq!(still.project.status, Status::Draft);
    assert_eq!(still.project.version, 1);
}

#[tokio::test]
async fn an_admin_outside_its_scope_finds_no_project_to_decide_on() {
    let World { app, .. } = world().await;
    let lead = account(&app, "porteur", Role::Lead, None).await;
    let paris = account(&app, "paris", Role::Admin, Some("academy:01")).await;
    let project = created(
        &app,
        &lead,
        input(vec![Stakeholder::Pupils], Some("0690001B")),
    )
    .await;
    projects::transition(
        &app,
        &Actor::from(&lead),
        project.id,
        Some(&Expected::Any),
        Action::Submit,
        None,
        &[],
    )
    .await
    .expect("submit");
    let outcome = projects::transition(
        &app,
        &Actor::from(&paris),
        project.id,
        Some(&Expected::Any),
        Action::StartReview,
        None,
        &[],
    )
    .await;
    assert!(matches!(outcome, Err(AppError::NotFound)), "{outcome:?}");
}

#[tokio::test]
async fn a_change_based_on_a_stale_version_is_refused() {
    let World { app, .. } = world().await;
    let lead = account(&app, "porteuse", Role::Lead, None).await;
    let project = created(
        &app,
        &lead,
        input(vec![Stakeholder::Pupils], Some("0690001B")),
    )
    .await;
    let outcome = projects::transition(
        &app,
        &Actor::from(&lead),
        project.id,
        Some(&Expected::OneOf(vec![7])),
        Action::Submit,
        None,
        &[],
    )
    .await;
    assert!(matches!(outcome, Err(AppError::Stale)), "{outcome:?}");
    let missing = projects::transition(
        &app,
        &Actor::from(&lead),
        project.id,
        None,
        Action::Submit,
        None,
        &[],
    )
    .await;
    assert!(
        matches!(missing, Err(AppError::VersionRequired)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn the_same_key_creates_once_and_replays_the_first_answer() {
    let World { app, .. } = world().await;
    let lead = account(&app, "porteuse", Role::Lead, None).await;
    let render = |detail: &projects::ProjectDetail| StoredResponse {
        request_hash: String::new(),
        status_code: 201,
        body: detail.project.id.to_string(),
        headers: Vec::new(),
    };
    let once = Once {
        key: "clé-1",
        hash: "h1",
        render: &render,
    };
    let first = projects::create(&app, &lead, input(Vec::new(), None), Some(&once))
        .await
        .expect("first");
    let Outcome::Done(detail) = first else {
        panic!("the first request creates");
    };
    let again = projects::create(&app, &lead, input(Vec::new(), None), Some(&once))
        .await
        .expect("again");
    let Outcome::Replayed(stored) = again else {
        panic!("the second request replays");
    };
    assert_eq!(stored.body, detail.project.id.to_string());
    let other = Once { hash: "h2", ..once };
    let refused = projects::create(&app, &lead, input(Vec::new(), None), Some(&other)).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
}
