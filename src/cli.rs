//! The command line. Every flag is also an environment variable.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::startup::{open_store, Application, Settings};

#[derive(Parser, Debug)]
#[command(name = "hoicho", version, about = "Trade fairs and their booths, as an event log")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the API.
    Serve(ServeArgs),
    /// The same as `serve --demo`.
    Demo(ServeArgs),
    /// Manage organizer accounts.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// Write the whole log as JSON lines.
    Export(ExportArgs),
    /// Load an exported log into an empty store.
    Import(ImportArgs),
}

#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The data directory: the embedded event log, keys, outgoing mail.
    #[arg(long, env = "HOICHO_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// Another event store instead of the embedded SQLite log (postgres://…, esdb://…).
    #[arg(long, env = "HOICHO_STORE")]
    pub store: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOICHO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Load the Hà Tĩnh OCOP fair 2022 demo on first start and print a demo organizer.
    #[arg(long, env = "HOICHO_DEMO")]
    pub demo: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HOICHO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HOICHO_WORKERS")]
    pub workers: Option<usize>,
    /// Applications one client address may send per minute without signing in (429 past it).
    #[arg(long, env = "HOICHO_PUBLIC_POSTS_PER_MINUTE", default_value_t = 30)]
    pub public_posts_per_minute: u32,
}

#[derive(Subcommand, Debug)]
pub enum OrganizerCommand {
    /// Create an organizer; prints its password and API token once.
    Add {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        /// Print one JSON object {"email", "password", "token"}.
        #[arg(long, env = "HOICHO_JSON")]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Issue a new API token for an organizer; the old one stops working at once.
    Token {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        /// Print one JSON object {"email", "token"}.
        #[arg(long, env = "HOICHO_JSON")]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write here instead of standard output.
    #[arg(long, env = "HOICHO_EXPORT_OUT")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A file written by `hoicho export`.
    #[arg(env = "HOICHO_IMPORT_FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Demo(mut args) => {
            args.demo = true;
            serve(args).await
        }
        Command::Organizer(OrganizerCommand::Add { email, json, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            let added = crate::auth::add_organizer(&*log, &email).await?;
            if json {
                println!("{}", serde_json::to_string(&added)?);
            } else {
                println!("Organizer {} created. Shown once, keep them safe:", added.email);
                println!("  password:  {}", added.password);
                println!("  API token: {}", added.token);
            }
            Ok(())
        }
        Command::Organizer(OrganizerCommand::Token { email, json, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            let (token, _) = crate::auth::rotate_token(&*log, &email).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"email": email.trim().to_lowercase(), "token": token})
                );
            } else {
                println!(
                    "New API token for {} (the old one no longer works):",
                    email.trim().to_lowercase()
                );
                println!("  API token: {token}");
            }
            Ok(())
        }
        Command::Export(args) => {
            let log = open_store(&args.store.data, args.store.store.as_deref()).await?;
            let count = match &args.out {
                Some(path) => {
                    let file =
                        std::fs::File::create(path).with_context(|| format!("Failed to create {}", path.display()))?;
                    let mut out = std::io::BufWriter::new(file);
                    crate::transfer::export(&*log, &mut out).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    crate::transfer::export(&*log, &mut out).await?
                }
            };
            eprintln!("exported {count} events");
            Ok(())
        }
        Command::Import(args) => {
            let log = open_store(&args.store.data, args.store.store.as_deref()).await?;
            let count = crate::transfer::import(&*log, &args.file).await?;
            eprintln!("imported {count} events");
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        data_dir: args.store.data,
        store: args.store.store,
        demo: args.demo,
        body_limit: args.body_limit,
        workers: args.workers,
        public_posts_per_minute: args.public_posts_per_minute,
    };
    let app = Application::build(settings.clone()).await?;
    let host = settings
        .addr
        .rsplit_once(':')
        .map_or(settings.addr.as_str(), |(host, _)| host);
    let url = format!("http://{host}:{}", app.port());
    tracing::info!(%url, data = %settings.data_dir.display(), "hoicho is serving");
    // Scripts and tests read this line to find the port when --addr asks for port 0.
    println!("hoicho: {url}");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
