//! `hoicho export` and `hoicho import`: the log as JSON lines, one envelope a line. That is
//! the backup, and the way from one store to another. Each line carries its event's link in
//! the log's hash chain (`chain`, hex), so the file can be verified on its own
//! (`hoicho verify --export FILE`, or the procedure in docs/audit.md).

use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use hoicho_events::{Envelope, RecordedEvent};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::store::chain::{self, Chained};
use crate::store::EventStore;

/// One exported event: data and metadata as JSON values, not strings.
#[derive(Serialize, Deserialize)]
struct Line<'a> {
    position: u64,
    event_id: Uuid,
    stream: String,
    version: u64,
    event_type: String,
    schema_version: u32,
    recorded_at: DateTime<Utc>,
    #[serde(borrow)]
    metadata: &'a RawValue,
    #[serde(borrow)]
    data: &'a RawValue,
    /// The event's link in the hash chain (absent from a store that keeps none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<String>,
}

pub(crate) fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Writes the log as it is when the export begins (up to its head then: a consistent prefix
/// while writes go on) to `out`; returns how many events. The progress bar shows only on a
/// terminal.
pub async fn export<W: Write + ?Sized>(store: &dyn EventStore, out: &mut W) -> anyhow::Result<u64> {
    let head = store.head().await?;
    let progress = bar(head, "export");
    let mut after = 0;
    let mut count = 0;
    while after < head {
        let mut batch = store.read_chained(after, 5_000).await?;
        batch.retain(|c| c.event.position <= head);
        let Some(last) = batch.last() else { break };
        after = last.event.position;
        for chained in &batch {
            let e = &chained.event;
            let line = Line {
                position: e.position,
                event_id: e.event_id,
                stream: e.stream.clone(),
                version: e.version,
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                recorded_at: e.recorded_at,
                metadata: serde_json::from_str(&e.metadata)?,
                data: serde_json::from_str(&e.data)?,
                chain: chained.link.as_ref().map(chain::hex),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        count += batch.len() as u64;
        progress.set_position(count);
    }
    out.flush()?;
    progress.finish_and_clear();
    Ok(count)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {problem}")]
    Damaged { line: usize, problem: String },
    #[error("the store already holds {0} events; import only into an empty store")]
    NotEmpty(u64),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn parse(line_no: usize, text: &str) -> Result<RecordedEvent, ImportError> {
    parse_chained(line_no, text).map(|c| c.event)
}

/// One exported line as the event and the link it carries.
fn parse_chained(line_no: usize, text: &str) -> Result<Chained, ImportError> {
    let damaged = |problem: String| ImportError::Damaged { line: line_no, problem };
    let line: Line<'_> = serde_json::from_str(text).map_err(|e| damaged(format!("not an exported event: {e}")))?;
    let recorded = RecordedEvent {
        event_id: line.event_id,
        stream: line.stream,
        version: line.version,
        position: line.position,
        event_type: line.event_type,
        schema_version: line.schema_version,
        recorded_at: line.recorded_at,
        metadata: line.metadata.get().to_owned(),
        data: line.data.get().to_owned(),
    };
    Envelope::decode(&recorded).map_err(|e| damaged(format!("event does not decode: {e}")))?;
    let link = match line.chain.as_deref() {
        None => None,
        Some(text) => {
            Some(chain::parse(text).ok_or_else(|| damaged(format!("\"{text}\" is not a link (64 hex digits)")))?)
        }
    };
    Ok(Chained { event: recorded, link })
}

/// What `hoicho verify --export` found.
#[derive(Debug)]
pub enum FileVerdict {
    /// Every line matches its link; the last line's position and link.
    Holds(chain::Checked),
    /// The file carries no links (exported from a store that keeps none).
    Unlinked,
    /// The first line that does not match.
    Broken { line: usize, broken: chain::Broken },
}

/// An export's non-blank lines, numbered from 1.
fn numbered_lines(path: &Path) -> Result<impl Iterator<Item = Result<(usize, String), ImportError>>, ImportError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ImportError::Other(anyhow::anyhow!("Failed to open {}: {e}", path.display())))?;
    Ok(std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(i, line)| {
            line.map(|text| (i + 1, text)).map_err(|e| ImportError::Damaged {
                line: i + 1,
                problem: format!("unreadable: {e}"),
            })
        })
        .filter(|line| !matches!(line, Ok((_, text)) if text.trim().is_empty())))
}

/// Checks an export's chain line by line, without a store.
pub fn verify_file(path: &Path) -> Result<FileVerdict, ImportError> {
    let mut walk = chain::Walk::new();
    let mut linked = None;
    for line in numbered_lines(path)? {
        let (line_no, text) = line?;
        let chained = parse_chained(line_no, &text)?;
        if *linked.get_or_insert(chained.link.is_some()) {
            if let Err(broken) = walk.next(&chained) {
                return Ok(FileVerdict::Broken { line: line_no, broken });
            }
        }
    }
    Ok(match linked {
        Some(false) => FileVerdict::Unlinked,
        _ => FileVerdict::Holds(walk.checked),
    })
}

/// Checks the whole file first (every line an event, positions 1, 2, 3, … and each
/// stream's versions 1, 2, 3, …), then writes it. A damaged file writes nothing.
pub async fn import(store: &dyn EventStore, path: &Path) -> Result<u64, ImportError> {
    let head = store.head().await.map_err(anyhow::Error::from)?;
    if head != 0 {
        return Err(ImportError::NotEmpty(head));
    }
    // First pass: verify (the chain too, when the file carries one).
    let mut walk = chain::Walk::new();
    let mut linked = None;
    let mut versions: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut ids = std::collections::HashSet::new();
    let mut total = 0u64;
    for line in numbered_lines(path)? {
        let (line_no, text) = line?;
        let chained = parse_chained(line_no, &text)?;
        let damaged = |problem: String| ImportError::Damaged { line: line_no, problem };
        let event = &chained.event;
        if event.position != total + 1 {
            return Err(damaged(format!(
                "position {} where {} was expected: events are missing or out of order",
                event.position,
                total + 1
            )));
        }
        let version = versions.entry(event.stream.clone()).or_insert(0);
        if event.version != *version + 1 {
            return Err(damaged(format!(
                "{} version {} where {} was expected",
                event.stream,
                event.version,
                *version + 1
            )));
        }
        *version = event.version;
        if !ids.insert(event.event_id) {
            return Err(damaged(format!("event id {} appears twice", event.event_id)));
        }
        if *linked.get_or_insert(chained.link.is_some()) {
            if let Err(broken) = walk.next(&chained) {
                return Err(damaged(format!("the hash chain does not hold: {broken}")));
            }
        }
        total += 1;
    }
    drop(ids);
    // Second pass: write, in large atomic chunks.
    let progress = bar(total, "import");
    let mut chunk = Vec::with_capacity(10_000);
    let mut written = 0;
    for line in numbered_lines(path)? {
        let (line_no, text) = line?;
        chunk.push(parse(line_no, &text)?);
        if chunk.len() == 10_000 {
            written += chunk.len() as u64;
            store
                .import(std::mem::take(&mut chunk))
                .await
                .map_err(anyhow::Error::from)?;
            progress.set_position(written);
        }
    }
    if !chunk.is_empty() {
        written += chunk.len() as u64;
        store.import(chunk).await.map_err(anyhow::Error::from)?;
    }
    progress.finish_and_clear();
    Ok(written)
}

/// An export's events and the position of its last, without checking them.
pub fn count_lines(path: &Path) -> anyhow::Result<(u64, u64)> {
    let (mut count, mut last) = (0, 0);
    for line in numbered_lines(path)? {
        let (_, text) = line?;
        let value: serde_json::Value = serde_json::from_str(&text)?;
        last = value["position"].as_u64().unwrap_or(last);
        count += 1;
    }
    Ok((count, last))
}
