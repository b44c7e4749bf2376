//! `hoicho backup`, scheduled backups and `hoicho restore` (ADR 021).
//!
//! A backup is a directory `hoicho-YYYYMMDDTHHMMSSZ` holding the log as of one position —
//! SQLite's own copy (`VACUUM INTO`: one read transaction, so a consistent snapshot while
//! writes go on) or, for other stores, the export up to the head when it began — the data
//! directory's `secret.key` (exhibitors' private links are derived from it), and
//! `manifest.json`: the position, its link in the hash chain, each file's SHA-256. It is
//! written under a hidden name, checked (files against the manifest, the chain walked from the
//! first event, the last link the live log's own at that position), and only then renamed to
//! its name: a backup that is there is whole. Anything that fails removes what was written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::chain::{self, Checked, Walk};
use crate::store::EventStore;

pub const MANIFEST: &str = "manifest.json";
const SQLITE: &str = "events.sqlite";
const EXPORT: &str = "log.jsonl";
const SECRET: &str = "secret.key";
/// Backups are directories named so; the newest sorts last.
const PREFIX: &str = "hoicho-";

/// How the log is kept in a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A copy of the SQLite log.
    Sqlite,
    /// `hoicho export`'s JSON lines, with the chain.
    Export,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a backup holds, written last.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: DateTime<Utc>,
    pub hoicho: String,
    pub kind: Kind,
    /// Events in it, and the position of the last.
    pub events: u64,
    pub position: u64,
    /// The last event's link in the hash chain (none from a store that keeps no chain).
    pub link: Option<String>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the backup directory {dir} is full; nothing was kept of this backup")]
    Full { dir: PathBuf },
    #[error("cannot write to the backup directory {dir}: {problem}; nothing was kept of this backup")]
    Unwritable { dir: PathBuf, problem: String },
    #[error("the backup {path} is damaged: {problem}")]
    Damaged { path: PathBuf, problem: String },
    #[error("the target already holds {0} events; restore only into an empty data directory or store")]
    NotEmpty(u64),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Maps a failed write in `dir` to what an operator can act on.
fn write_error(dir: &Path, err: impl std::fmt::Display) -> BackupError {
    let text = err.to_string();
    let full =
        text.contains("No space left") || text.contains("database or disk is full") || text.contains("SQLITE_FULL");
    match full {
        true => BackupError::Full { dir: dir.to_owned() },
        false => BackupError::Unwritable {
            dir: dir.to_owned(),
            problem: text,
        },
    }
}

/// A backup that was written and checked.
#[derive(Debug, Clone)]
pub struct Done {
    pub path: PathBuf,
    pub manifest: Manifest,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Where the log lives, for the copy.
pub enum Source<'a> {
    /// The embedded log's file (copied by SQLite itself).
    Sqlite(&'a Path),
    /// Any other store (exported).
    Store,
}

/// Writes a backup of `store` into a new directory under `to`, checks it, and names it.
pub async fn backup(
    store: &dyn EventStore,
    source: Source<'_>,
    data_dir: &Path,
    to: &Path,
) -> Result<Done, BackupError> {
    let started = Instant::now();
    std::fs::create_dir_all(to).map_err(|e| write_error(to, e))?;
    let now = Utc::now();
    let name = format!("{PREFIX}{}", now.format("%Y%m%dT%H%M%S%.3fZ"));
    let partial = to.join(format!(".{name}.partial"));
    std::fs::create_dir(&partial).map_err(|e| write_error(to, e))?;
    let result = write_and_check(store, source, data_dir, to, &partial, now).await;
    let manifest = match result {
        Ok(manifest) => manifest,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(err);
        }
    };
    let path = to.join(&name);
    if let Err(err) = std::fs::rename(&partial, &path).and_then(|_| sync_dir(to)) {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(write_error(to, err));
    }
    let bytes = manifest.files.iter().map(|f| f.bytes).sum();
    Ok(Done {
        path,
        manifest,
        bytes,
        elapsed: started.elapsed(),
    })
}

async fn write_and_check(
    store: &dyn EventStore,
    source: Source<'_>,
    data_dir: &Path,
    to: &Path,
    partial: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    let kind = match source {
        Source::Sqlite(live) => {
            let (live, copy) = (live.to_owned(), partial.join(SQLITE));
            tokio::task::spawn_blocking(move || copy_sqlite(&live, &copy))
                .await
                .map_err(|e| anyhow::anyhow!(e))?
                .map_err(|e| write_error(to, e))?;
            Kind::Sqlite
        }
        Source::Store => {
            let file = std::fs::File::create(partial.join(EXPORT)).map_err(|e| write_error(to, e))?;
            let mut out = std::io::BufWriter::new(file);
            crate::transfer::export(store, &mut out)
                .await
                .map_err(|e| write_error(to, format!("{e:#}")))?;
            let file = out.into_inner().map_err(|e| write_error(to, e.error()))?;
            file.sync_all().map_err(|e| write_error(to, e))?;
            Kind::Export
        }
    };
    let secret = data_dir.join(SECRET);
    if secret.exists() {
        std::fs::copy(&secret, partial.join(SECRET)).map_err(|e| write_error(to, e))?;
    }
    // What the copy holds, read from the copy: the chain walked from its first event.
    let dir = partial.to_owned();
    let (events, checked, linked) = tokio::task::spawn_blocking(move || walk_backup(&dir, kind))
        .await
        .map_err(|e| anyhow::anyhow!(e))??;
    // The copy is the live log's prefix: the live log has the same link at the same position.
    if linked && checked.position > 0 {
        let live = store
            .read_chained(checked.position - 1, 1)
            .await
            .map_err(anyhow::Error::from)?
            .into_iter()
            .next()
            .and_then(|c| c.link);
        if live != Some(checked.link) {
            return Err(damaged(partial, "its last link is not the live log's at that position"));
        }
    }
    let mut files = Vec::new();
    for name in [SQLITE, EXPORT, SECRET] {
        let path = partial.join(name);
        if path.exists() {
            files.push(file_entry(&path, name).map_err(|e| write_error(to, e))?);
        }
    }
    let manifest = Manifest {
        format: 1,
        created_at: now,
        hoicho: env!("CARGO_PKG_VERSION").to_owned(),
        kind,
        events,
        position: checked.position,
        link: linked.then(|| chain::hex(&checked.link)),
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(anyhow::Error::from)?;
    let mut file = std::fs::File::create(partial.join(MANIFEST)).map_err(|e| write_error(to, e))?;
    file.write_all(&text)
        .and_then(|_| file.sync_all())
        .map_err(|e| write_error(to, e))?;
    sync_dir(partial).map_err(|e| write_error(to, e))?;
    // Read back as a restore would.
    check(partial).map_err(|e| match e {
        BackupError::Damaged { problem, .. } => damaged(partial, &format!("it does not read back: {problem}")),
        other => other,
    })?;
    Ok(manifest)
}

/// SQLite's copy of the live log, in one read transaction (writers go on meanwhile).
fn copy_sqlite(live: &Path, copy: &Path) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open_with_flags(live, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    let file = std::fs::File::open(copy).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    file.sync_all()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn damaged(path: &Path, problem: &str) -> BackupError {
    BackupError::Damaged {
        path: path.to_owned(),
        problem: problem.to_owned(),
    }
}

fn file_entry(path: &Path, name: &str) -> std::io::Result<FileEntry> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hash)?;
    Ok(FileEntry {
        name: name.to_owned(),
        bytes,
        sha256: hex::encode(hash.finalize()),
    })
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Walks the log a backup holds: (events, where the walk ended, whether it is linked).
fn walk_backup(dir: &Path, kind: Kind) -> Result<(u64, Checked, bool), BackupError> {
    match kind {
        Kind::Export => {
            let path = dir.join(EXPORT);
            match crate::transfer::verify_file(&path) {
                Ok(crate::transfer::FileVerdict::Holds(checked)) => Ok((checked.position, checked, true)),
                Ok(crate::transfer::FileVerdict::Unlinked) => {
                    let count = crate::transfer::count_lines(&path).map_err(|e| damaged(dir, &e.to_string()))?;
                    Ok((
                        count.0,
                        Checked {
                            position: count.1,
                            ..Checked::default()
                        },
                        false,
                    ))
                }
                Ok(crate::transfer::FileVerdict::Broken { line, broken }) => {
                    Err(damaged(dir, &format!("line {line} of {EXPORT}: {broken}")))
                }
                Err(e) => Err(damaged(dir, &e.to_string())),
            }
        }
        Kind::Sqlite => {
            let path = dir.join(SQLITE);
            let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| damaged(dir, &format!("{SQLITE} does not open: {e}")))?;
            let quick: String = conn
                .query_row("PRAGMA quick_check", [], |row| row.get(0))
                .map_err(|e| damaged(dir, &format!("{SQLITE} cannot be checked: {e}")))?;
            if quick != "ok" {
                return Err(damaged(dir, &format!("{SQLITE} is corrupt: {quick}")));
            }
            let mut walk = Walk::new();
            let mut events = 0;
            crate::store::sqlite::each_chained(&conn, |chained| {
                events += 1;
                walk.next(&chained).map_err(|broken| broken.to_string())
            })
            .map_err(|problem| damaged(dir, &format!("{SQLITE}: {problem}")))?;
            Ok((events, walk.checked, true))
        }
    }
}

/// Checks a backup as a restore reads it: its manifest, every file's size and SHA-256, the
/// chain from the first event to the manifest's position and link.
pub fn check(dir: &Path) -> Result<Manifest, BackupError> {
    let text = std::fs::read(dir.join(MANIFEST)).map_err(|e| damaged(dir, &format!("no {MANIFEST} ({e})")))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| damaged(dir, &format!("{MANIFEST} does not read: {e}")))?;
    if manifest.format != 1 {
        return Err(damaged(
            dir,
            &format!("format {} is not one this hoicho reads", manifest.format),
        ));
    }
    for entry in &manifest.files {
        let found = file_entry(&dir.join(&entry.name), &entry.name)
            .map_err(|e| damaged(dir, &format!("{} cannot be read ({e})", entry.name)))?;
        if found != *entry {
            return Err(damaged(
                dir,
                &format!(
                    "{} is not the file the manifest names (its size or SHA-256 differs)",
                    entry.name
                ),
            ));
        }
    }
    let (events, checked, linked) = walk_backup(dir, manifest.kind)?;
    let link = linked.then(|| chain::hex(&checked.link));
    if events != manifest.events || checked.position != manifest.position || link != manifest.link {
        return Err(damaged(
            dir,
            &format!(
                "it holds {events} events to position {}, the manifest says {} to {}",
                checked.position, manifest.events, manifest.position
            ),
        ));
    }
    Ok(manifest)
}

/// Removes the oldest backups under `dir` beyond the newest `keep`; how many it removed.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<usize> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX) && e.path().join(MANIFEST).exists())
        .map(|e| e.path())
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        std::fs::remove_dir_all(old)?;
    }
    Ok(excess)
}

/// Where a restore writes.
pub enum Target<'a> {
    /// The embedded log in this data directory.
    Sqlite { data_dir: &'a Path },
    /// Another store (empty), and the data directory for `secret.key`.
    Store {
        store: &'a dyn EventStore,
        data_dir: &'a Path,
    },
}

/// Restores the backup in `from` into an empty target; the target's log is checked against
/// the manifest afterwards.
pub async fn restore(from: &Path, target: Target<'_>) -> Result<Manifest, BackupError> {
    let dir = from.to_owned();
    let manifest = tokio::task::spawn_blocking(move || check(&dir))
        .await
        .map_err(|e| anyhow::anyhow!(e))??;
    let data_dir = match &target {
        Target::Sqlite { data_dir } | Target::Store { data_dir, .. } => *data_dir,
    };
    std::fs::create_dir_all(data_dir).map_err(|e| write_error(data_dir, e))?;
    match target {
        Target::Sqlite { data_dir } => {
            let live = data_dir.join(SQLITE);
            if live.exists() {
                let held = crate::store::sqlite::count_events(&live).map_err(|e| anyhow::anyhow!(e))?;
                if held > 0 {
                    return Err(BackupError::NotEmpty(held));
                }
            }
            match manifest.kind {
                Kind::Sqlite => {
                    let temporary = data_dir.join(".events.sqlite.restoring");
                    std::fs::copy(from.join(SQLITE), &temporary).map_err(|e| write_error(data_dir, e))?;
                    std::fs::File::open(&temporary)
                        .and_then(|f| f.sync_all())
                        .map_err(|e| write_error(data_dir, e))?;
                    for stale in ["events.sqlite-wal", "events.sqlite-shm"] {
                        let _ = std::fs::remove_file(data_dir.join(stale));
                    }
                    std::fs::rename(&temporary, &live).map_err(|e| write_error(data_dir, e))?;
                    sync_dir(data_dir).map_err(|e| write_error(data_dir, e))?;
                }
                Kind::Export => {
                    let store = crate::store::sqlite::SqliteStore::open(&live).map_err(anyhow::Error::from)?;
                    import_export(&store, &from.join(EXPORT)).await?;
                    tokio::task::spawn_blocking(move || store.close())
                        .await
                        .map_err(|e| anyhow::anyhow!(e))?;
                }
            }
        }
        Target::Store { store, .. } => {
            let held = store.head().await.map_err(anyhow::Error::from)?;
            if held > 0 {
                return Err(BackupError::NotEmpty(held));
            }
            match manifest.kind {
                Kind::Export => import_export(store, &from.join(EXPORT)).await?,
                Kind::Sqlite => {
                    let copy =
                        crate::store::sqlite::SqliteStore::open(from.join(SQLITE)).map_err(anyhow::Error::from)?;
                    let mut after = 0;
                    loop {
                        let batch = copy.read_all(after, 10_000).await.map_err(anyhow::Error::from)?;
                        let Some(last) = batch.last() else { break };
                        after = last.position;
                        store.import(batch).await.map_err(anyhow::Error::from)?;
                    }
                    tokio::task::spawn_blocking(move || copy.close())
                        .await
                        .map_err(|e| anyhow::anyhow!(e))?;
                }
            }
        }
    }
    if from.join(SECRET).exists() {
        let key = std::fs::read(from.join(SECRET)).map_err(|e| damaged(from, &e.to_string()))?;
        crate::auth::write_private(&data_dir.join(SECRET), &key).map_err(|e| write_error(data_dir, e))?;
    }
    Ok(manifest)
}

async fn import_export(store: &dyn EventStore, path: &Path) -> Result<(), BackupError> {
    crate::transfer::import(store, path).await.map_err(|e| match e {
        crate::transfer::ImportError::NotEmpty(n) => BackupError::NotEmpty(n),
        other => BackupError::Other(anyhow::anyhow!(other)),
    })?;
    Ok(())
}

/// After a restore: the target's chain walked, ending where the manifest says.
pub async fn confirm(store: &dyn EventStore, manifest: &Manifest) -> Result<(), BackupError> {
    let verdict = chain::verify_whole(store).await.map_err(anyhow::Error::from)?;
    let checked = match verdict {
        chain::Verdict::Intact(checked) => checked,
        chain::Verdict::Broken(broken) => {
            return Err(BackupError::Other(anyhow::anyhow!(
                "the restored log does not hold: {broken}"
            )))
        }
    };
    let link = store.chained().then(|| chain::hex(&checked.link));
    if checked.position != manifest.position || (manifest.link.is_some() && link != manifest.link) {
        return Err(BackupError::Other(anyhow::anyhow!(
            "the restored log ends at {} where the backup ends at {}",
            checked.position,
            manifest.position
        )));
    }
    Ok(())
}

/// Prints what a backup wrote, for people or (`json`) scripts.
pub fn report(done: &Done, json: bool) {
    let m = &done.manifest;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "path": done.path,
                "events": m.events,
                "position": m.position,
                "link": m.link,
                "bytes": done.bytes,
                "seconds": done.elapsed.as_secs_f64(),
            })
        );
    } else {
        println!(
            "Backup written and checked: {} ({} events to position {}, {:.1} MB, {:.1} s).",
            done.path.display(),
            m.events,
            m.position,
            done.bytes as f64 / 1e6,
            done.elapsed.as_secs_f64()
        );
    }
}

/// `--backup-dir`, `--backup-every`, `--backup-keep`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

impl Schedule {
    /// Whether the directory can be written, checked before the service starts.
    pub fn check(&self) -> Result<(), BackupError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| write_error(&self.dir, e))?;
        let probe = self.dir.join(".hoicho-write-test");
        std::fs::write(&probe, b"ok").map_err(|e| write_error(&self.dir, e))?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }
}

/// Writes a backup every `schedule.every` while the process serves, keeping the newest
/// `schedule.keep`. A failure is logged and counted; the next one is tried on time.
pub async fn keep(
    state: std::sync::Arc<crate::app::AppState>,
    schedule: Schedule,
    sqlite: Option<PathBuf>,
    data_dir: PathBuf,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + schedule.every, schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let source = match &sqlite {
            Some(path) => Source::Sqlite(path),
            None => Source::Store,
        };
        match backup(&*state.store, source, &data_dir, &schedule.dir).await {
            Ok(done) => {
                tracing::info!(path = %done.path.display(), events = done.manifest.events, seconds = done.elapsed.as_secs_f64(), "backup written and checked");
                state.metrics.backup_position.set(done.manifest.position as i64);
                state.metrics.backup_timestamp.set(done.manifest.created_at.timestamp());
                match prune(&schedule.dir, schedule.keep) {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(removed, "older backups removed"),
                    Err(err) => tracing::warn!(error = %err, "older backups could not be removed"),
                }
            }
            Err(err) => {
                state.metrics.backup_failures.inc();
                tracing::error!(error = %err, "the scheduled backup failed");
            }
        }
    }
}
