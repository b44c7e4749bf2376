//! The log's hash chain as an operator and an auditor meet it (ADR 019, docs/audit.md):
//! `hoicho verify` on the store and on an export, the auditor's own script, an import that
//! refuses an edited export, the serving process reporting the chain, and an anchor that
//! catches a log rewritten links and all.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::binary::{hoicho, serve, until};
use crate::support::edit_file;

const MARKER: &[u8] = b"kiem-toan-0042";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `POSITION:LINK` from verify's last line.
fn last_link(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Last link (record it to anchor a later check): "))
        .expect("verify names the last link")
        .trim()
        .to_owned()
}

fn python_verifier(export: &Path, anchor: Option<&str>) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/verify-export.py");
    let mut command = Command::new("python3");
    command.arg(script).arg(export);
    if let Some(anchor) = anchor {
        command.arg(anchor);
    }
    command.output().expect("python3 runs")
}

async fn readyz(url: &str) -> Value {
    reqwest::get(format!("{url}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_byte_is_named_in_the_store_the_export_and_by_the_serving_process() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let marker = std::str::from_utf8(MARKER).unwrap();
    let added = hoicho(&["organizer", "add", "--email", &format!("{marker}@soct.vn")], &data);
    assert!(added.status.success(), "{}", text(&added.stderr));

    // The demo on top, and the serving process's walk of the whole chain.
    let server = serve(&data, &["--demo"]);
    until("the chain is verified to the head", || async {
        let ready = readyz(&server.url).await;
        ready["chain"]["status"] == "holds" && ready["chain"]["verified"] == ready["head"]
    })
    .await;
    let head = readyz(&server.url).await["chain"]["verified"].as_u64().unwrap();
    assert!(head > 500, "the demo is a real log");
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let gauge = metrics
        .lines()
        .find_map(|l| l.strip_prefix("hoicho_chain_verified_position "))
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(gauge.is_some_and(|g| g >= head), "{metrics}");
    drop(server);

    // The demo's mail may have added events since: verify counts what is there now.
    let verified = hoicho(&["verify"], &data);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let stdout = text(&verified.stdout);
    let head: u64 = stdout
        .strip_prefix("The hash chain holds: ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(head > 500, "{stdout}");
    let anchor = last_link(&stdout);
    assert!(anchor.starts_with(&format!("{head}:")));

    // The export carries the chain: hoicho and the auditor's script both verify it alone.
    let export = dir.path().join("log.jsonl");
    let out = hoicho(&["export", "--out", export.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_file = hoicho(&["verify", "--export", export.to_str().unwrap()], &data);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert_eq!(last_link(&text(&from_file.stdout)), anchor);
    let audited = python_verifier(&export, Some(&anchor));
    assert!(audited.status.success(), "{}", text(&audited.stdout));
    assert!(text(&audited.stdout).contains(&format!("{head} events, last link {anchor}")));

    // One byte of the export edited: named by line, and an import of it writes nothing.
    let exported = std::fs::read_to_string(&export).unwrap();
    let (line, position) = exported
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(marker))
        .map(|(i, l)| {
            (
                i + 1,
                serde_json::from_str::<Value>(l).unwrap()["position"].as_u64().unwrap(),
            )
        })
        .unwrap();
    let edited = dir.path().join("edited.jsonl");
    std::fs::copy(&export, &edited).unwrap();
    edit_file(&edited, MARKER, b"kiem-toan-0043");
    let refused = hoicho(&["verify", "--export", edited.to_str().unwrap()], &data);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains(&format!("line {line}: event {position} ")),
        "{}",
        text(&refused.stderr)
    );
    let audited = python_verifier(&edited, None);
    assert!(!audited.status.success());
    assert!(text(&audited.stdout).contains(&format!("line {line}: event {position} does not match")));
    let elsewhere = dir.path().join("elsewhere");
    let import = hoicho(&["import", edited.to_str().unwrap()], &elsewhere);
    assert!(!import.status.success());
    assert!(
        text(&import.stderr).contains(&format!("line {line}: the hash chain does not hold")),
        "{}",
        text(&import.stderr)
    );
    let empty = hoicho(&["verify", "--json"], &elsewhere);
    let empty: Value = serde_json::from_slice(&empty.stdout).unwrap();
    assert_eq!(empty["events"], 0, "nothing was imported");

    // One byte of the SQLite file edited: verify names the event, and so does a server.
    edit_file(&data.join("events.sqlite"), MARKER, b"kiem-toan-0043");
    let broken = hoicho(&["verify", "--json"], &data);
    assert_eq!(broken.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(
        (report["holds"].as_bool(), report["at"].as_u64()),
        (Some(false), Some(position))
    );
    let server = serve(&data, &[]);
    until("the server finds the edit", || async {
        readyz(&server.url).await["chain"]["status"] == "broken"
    })
    .await;
    assert_eq!(readyz(&server.url).await["chain"]["at"], position);
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(&format!("hoicho_chain_broken_position {position}")));
    drop(server);

    // Whoever rewrites every link after the edit makes the chain hold again, but not through
    // the link recorded before.
    relink(&data.join("events.sqlite"), position);
    let rewritten = hoicho(&["verify"], &data);
    assert!(rewritten.status.success(), "{}", text(&rewritten.stderr));
    let anchored = hoicho(&["verify", "--anchor", &anchor], &data);
    assert_eq!(anchored.status.code(), Some(1));
    assert!(
        text(&anchored.stderr).contains("does not pass through the anchor"),
        "{}",
        text(&anchored.stderr)
    );
}

/// Recomputes every link from `from` on, as someone who knows the chain's recipe could.
fn relink(path: &Path, from: u64) {
    use hoicho::store::chain::{link, Fields};
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut previous: [u8; 32] = conn
        .query_row("SELECT chain FROM events WHERE position = ?1", [from as i64 - 1], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .map_or(hoicho::store::chain::GENESIS, |l| l.try_into().unwrap());
    let events: Vec<hoicho_events::RecordedEvent> = conn
        .prepare(
            "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data
             FROM events WHERE position >= ?1 ORDER BY position",
        )
        .unwrap()
        .query_map([from as i64], |r| {
            Ok(hoicho_events::RecordedEvent {
                position: r.get::<_, i64>(0)? as u64,
                event_id: uuid::Uuid::from_slice(&r.get::<_, Vec<u8>>(1)?).unwrap(),
                stream: r.get(2)?,
                version: r.get::<_, i64>(3)? as u64,
                event_type: r.get(4)?,
                schema_version: r.get(5)?,
                recorded_at: chrono::DateTime::from_timestamp_micros(r.get(6)?).unwrap(),
                metadata: r.get(7)?,
                data: r.get(8)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for event in &events {
        previous = link(&previous, Fields::of(event));
        conn.execute(
            "UPDATE events SET chain = ?1 WHERE position = ?2",
            rusqlite::params![previous.as_slice(), event.position as i64],
        )
        .unwrap();
    }
}
