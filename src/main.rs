#![forbid(unsafe_code)]

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// glibc's allocator spent a fifth of a request's time in malloc and free under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("HOICHO_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        // Colours for a terminal; plain text for a file or the journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = hoicho::cli::Cli::parse();
    match hoicho::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hoicho: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
