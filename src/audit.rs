//! `hoicho verify`: the log's hash chain checked from its first event (ADR 019), in the store
//! or in an export, with an optional anchor recorded earlier.

use std::time::Instant;

use anyhow::bail;

use crate::cli::VerifyArgs;
use crate::startup::open_store;
use crate::store::chain::{self, Link, Verdict, Walk};
use crate::transfer::FileVerdict;

pub async fn verify_command(args: VerifyArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (checked, anchor_link) = match &args.export {
        Some(path) => {
            let path = path.clone();
            let verdict = tokio::task::spawn_blocking(move || crate::transfer::verify_file(&path)).await??;
            match verdict {
                FileVerdict::Holds(checked) => {
                    let anchored = match args.anchor {
                        Some((position, _)) => Some(link_in_file(args.export.as_deref().expect("given"), position)?),
                        None => None,
                    };
                    (checked, anchored)
                }
                FileVerdict::Unlinked => {
                    bail!("the export carries no hash chain (it was written from a store that keeps none)")
                }
                FileVerdict::Broken { line, broken } => {
                    return Err(fail(&args, broken.position(), &format!("line {line}: {broken}")));
                }
            }
        }
        None => {
            let store = open_store(&args.store.data, args.store.store.as_deref()).await?;
            if !store.chained() {
                bail!("the {} store keeps no hash chain; nothing to verify", store.backend());
            }
            let progress = crate::transfer::bar(store.head().await?, "verify");
            let mut shown = |position: u64| progress.set_position(position);
            let (_, verdict) = chain::verify(&*store, Walk::new(), &mut shown).await?;
            progress.finish_and_clear();
            match verdict {
                Verdict::Intact(checked) => {
                    let anchored = match args.anchor {
                        Some((position, _)) => store
                            .read_chained(position.saturating_sub(1), 1)
                            .await?
                            .into_iter()
                            .find(|c| c.event.position == position)
                            .and_then(|c| c.link),
                        None => None,
                    };
                    (checked, anchored)
                }
                Verdict::Broken(broken) => return Err(fail(&args, broken.position(), &broken.to_string())),
            }
        }
    };
    if let Some((position, expected)) = args.anchor {
        if anchor_link != Some(expected) {
            let found = anchor_link.map_or("no event".to_owned(), |l| chain::hex(&l));
            let problem = format!(
                "the chain does not pass through the anchor: event {position} has link {found}, the anchor says {}",
                chain::hex(&expected)
            );
            return Err(fail(&args, position, &problem));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "holds": true,
                "events": checked.position,
                "link": chain::hex(&checked.link),
                "seconds": seconds,
            })
        );
    } else {
        println!(
            "The hash chain holds: {} events verified in {:.2} s.",
            checked.position, seconds
        );
        println!(
            "Last link (record it to anchor a later check): {}:{}",
            checked.position,
            chain::hex(&checked.link)
        );
    }
    Ok(())
}

/// Reports a chain that does not hold; the error makes the command fail.
fn fail(args: &VerifyArgs, position: u64, problem: &str) -> anyhow::Error {
    if args.json {
        println!(
            "{}",
            serde_json::json!({"holds": false, "at": position, "problem": problem})
        );
    }
    anyhow::anyhow!("the hash chain does not hold: {problem}")
}

/// The link a verified export carries for `position`.
fn link_in_file(path: &std::path::Path, position: u64) -> anyhow::Result<Link> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)?;
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        let value: serde_json::Value = serde_json::from_str(&line)?;
        if value["position"].as_u64() == Some(position) {
            if let Some(link) = value["chain"].as_str().and_then(chain::parse) {
                return Ok(link);
            }
        }
    }
    bail!("the export has no event at position {position}")
}
