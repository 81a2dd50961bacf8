//! The `terrain` command line.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::{
    config::Settings,
    startup::{Application, shutdown_signal},
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
}

/// Runs the command line and returns the process's exit code. Errors are printed on one line,
/// never as a panic backtrace.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load() {
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
    let outcome = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&mut settings).await,
            Command::Migrate => migrate(&settings).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terrain: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.auth.jwt_secret.is_none() {
        tracing::warn!(
            "no auth.jwt_secret configured (TERRAIN__AUTH__JWT_SECRET): using a random secret; \
             tokens will not survive a restart"
        );
        settings.auth.jwt_secret = Some(random_secret());
    }
    let application = Application::build(settings.clone()).await?;
    let addr = application.local_addr().context("no local address")?;
    tracing::info!(%addr, "Terrain is serving on http://{addr}/");
    application.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = terrain_persistence::Database::connect(&settings.database.connect_settings())
        .await
        .context("cannot connect to the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    tracing::info!("migrations applied");
    Ok(())
}

fn random_secret() -> SecretString {
    use rand::Rng as _;
    let bytes: [u8; 32] = rand::rng().random();
    SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}
