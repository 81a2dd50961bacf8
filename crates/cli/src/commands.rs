//! The `terrain` command line.

use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use terrain_app::{
    App, AppError,
    accounts::{self, AccountInput},
    config::Settings,
};
use terrain_domain::Role;

use crate::{
    startup::{self, Application, shutdown_signal},
    telemetry,
};

/// Terrain — suivi des projets participatifs territoriaux.
#[derive(Debug, Parser)]
#[command(name = "terrain", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Applies pending migrations, then serves the API (the default).
    Serve,
    /// Applies pending migrations, then exits.
    Migrate,
    /// Manages accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Imports data from CSV.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Mail.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Fills an empty database with the deterministic demonstration data set.
    Demo {
        /// Multiplies every count of the published figures.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
        scale: u64,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Sends a test mail through `mail.smtp_url` at once (not through the outbox) and says
    /// whether the server took it.
    Test {
        /// The address to send it to.
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Imports projects from the CSV that `GET /api/v1/exports/projects.csv` writes. Checks every
    /// row first and imports nothing unless all are valid.
    Projects {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The lead account that will own the imported projects.
        #[arg(long)]
        lead: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Creates an account, e.g. the first national administrator of a fresh install. The
    /// password is read from standard input (`--password-stdin`) or asked at a prompt, never
    /// taken as an argument.
    Create(CreateUser),
}

#[derive(Debug, Args)]
struct CreateUser {
    /// Email address.
    #[arg(long)]
    email: String,
    /// Role of the account.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// Restricts an administrator to one programme.
    #[arg(long)]
    programme: Option<String>,
    /// Restricts an administrator to one territory subtree (`kind:code`).
    #[arg(long)]
    territory: Option<String>,
    /// Name shown (default: the part of the email before `@`).
    #[arg(long)]
    name: Option<String>,
    /// Reads the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Lead,
    Admin,
    Observer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Lead => Role::Lead,
            RoleArg::Admin => Role::Admin,
            RoleArg::Observer => Role::Observer,
        }
    }
}

/// Runs the command line and returns the process's exit code. Errors are printed on one line,
/// never as a panic backtrace.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("terrain: invalid configuration: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(&settings.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("terrain: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let outcome = runtime.block_on(run(cli, &settings, &mut stdin.lock(), interactive));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terrain: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command. `input` is where `--password-stdin` reads from; `interactive` says whether
/// a password prompt may be shown instead.
///
/// # Errors
/// Whatever stops the command, to be printed on one line.
pub async fn run(
    cli: Cli,
    settings: &Settings,
    input: &mut dyn BufRead,
    interactive: bool,
) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await.map(|_| ()),
        Command::User {
            command: UserCommand::Create(args),
        } => create_user(settings, args, input, interactive).await,
        Command::Import {
            what: ImportCommand::Projects { file, lead },
        } => import(settings, &file, &lead).await,
        Command::Demo { scale, seed } => demo(settings, scale, seed).await,
        Command::Mail {
            command: MailCommand::Test { to },
        } => mail_test(settings, &to).await,
    }
}

async fn mail_test(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let Some(mailer) =
        terrain_app::mail::Mailer::from_settings(&settings.mail).map_err(describe)?
    else {
        bail!("mail.smtp_url is not set (TERRAIN__MAIL__SMTP_URL)");
    };
    let mail = terrain_app::mail::test_mail(settings, to).map_err(describe)?;
    let id = uuid::Uuid::now_v7();
    mailer
        .send(id, &mail)
        .await
        .map_err(|e| anyhow!("the SMTP server did not take the mail: {e}"))?;
    println!("test mail sent to {to} ({})", mailer.message_id(id));
    Ok(())
}

async fn import(settings: &Settings, file: &std::path::Path, lead: &str) -> anyhow::Result<()> {
    let app = startup::open(settings.clone()).await?;
    match terrain_app::import::import_projects(&app, file, lead).await {
        Ok(count) => {
            println!("imported {count} project(s) from {}", file.display());
            Ok(())
        }
        Err(terrain_app::import::ImportError::Rows(rows)) => {
            for (line, reason) in &rows {
                eprintln!("{}:{line}: {reason}", file.display());
            }
            bail!("{} invalid row(s); nothing was imported", rows.len())
        }
        Err(other) => Err(other.into()),
    }
}

async fn demo(settings: &Settings, scale: u64, seed: u64) -> anyhow::Result<()> {
    let app = startup::open(settings.clone()).await?;
    let started = std::time::Instant::now();
    let summary = terrain_app::demo::generate(&app, scale, seed)
        .await
        .map_err(describe)?;
    println!(
        "demo (scale {scale}, seed {seed}) written in {:.1} s: {} accounts, {} projects, {} supports, {} funds, {} events; every account's password is {}",
        started.elapsed().as_secs_f64(),
        summary.accounts,
        summary.projects,
        summary.supports,
        summary.funds,
        summary.events,
        terrain_app::demo::DEMO_PASSWORD
    );
    Ok(())
}

async fn create_user(
    settings: &Settings,
    args: CreateUser,
    input: &mut dyn BufRead,
    interactive: bool,
) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        input
            .read_line(&mut line)
            .context("cannot read the password")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else if interactive {
        let first = rpassword::prompt_password("Mot de passe : ")?;
        let again = rpassword::prompt_password("Confirmez le mot de passe : ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        bail!("no terminal to ask the password: pass it on standard input with --password-stdin");
    };
    let app = startup::open(settings.clone()).await?;
    let display_name = args
        .name
        .unwrap_or_else(|| args.email.split('@').next().unwrap_or_default().to_owned());
    let input = AccountInput {
        email: args.email,
        password,
        display_name,
        role: args.role.into(),
        programme: args.programme,
        territory: args.territory,
    };
    let user = accounts::create_account(&app, input)
        .await
        .map_err(describe)?;
    println!("created {} {} ({})", user.role, user.email, user.id);
    Ok(())
}

/// A use case's error as one line for a terminal.
fn describe(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid(errors) => anyhow!("{errors}"),
        AppError::Conflict(detail) => anyhow!(detail),
        other => anyhow!(other),
    }
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let application = Application::build(settings.clone()).await?;
    let addr = application.local_addr().context("no local address")?;
    tracing::info!(%addr, "Terrain is serving on http://{addr}/");
    application.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(settings: &Settings) -> anyhow::Result<App> {
    let app = startup::open(settings.clone()).await?;
    tracing::info!("migrations applied");
    Ok(app)
}
