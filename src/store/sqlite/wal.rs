//! Keeping the WAL small: the checkpoint thread, the writer's own checkpoint past the bound,
//! and cutting the WAL to nothing when the writes stop (ADR 017).

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tokio::sync::watch;

/// How large the WAL may grow before the writer folds it back itself (see [`WalBound`]).
pub const WAL_LIMIT: u64 = 64 * 1024 * 1024;
/// How long the writer waits with nothing to write before it cuts the WAL back to nothing.
const IDLE_TRUNCATE: std::time::Duration = std::time::Duration::from_secs(1);

/// Keeps the WAL within a size under any write load (ADR 017).
///
/// The checkpoint thread copies the WAL into the database file as it grows, but under
/// sustained writes it never catches up: a checkpoint that finishes while new frames are
/// being appended leaves the WAL not wholly copied, so the next transaction appends to it
/// rather than starting it again from the beginning, and the file grows for as long as the
/// writes go on. So the writer itself, once the WAL passes `limit`, runs a PASSIVE checkpoint
/// between two commits: nothing is written meanwhile, so it copies the whole WAL (the
/// checkpoint thread has already copied most of it) unless a reader still reads an older
/// snapshot, and the next commit starts the WAL again from its first frame; with
/// `journal_size_limit` at `limit` that commit also cuts the file back. After a second with
/// nothing to write, the writer truncates the WAL to nothing.
#[derive(Debug, Clone, Copy)]
pub struct WalBound {
    pub limit: u64,
    pub idle: std::time::Duration,
}

impl Default for WalBound {
    fn default() -> Self {
        WalBound {
            limit: WAL_LIMIT,
            idle: IDLE_TRUNCATE,
        }
    }
}

/// Folds the WAL back into the database file every little while the log has grown, without
/// blocking the writer (PASSIVE: it copies what no reader still needs and stops there).
pub(super) fn checkpointer(
    path: &Path,
    wal_limit: u64,
    stop: &std::sync::atomic::AtomicBool,
    changes: watch::Receiver<u64>,
) {
    let Ok(conn) = super::open_bounded(path, true, wal_limit) else {
        return;
    };
    let wal = wal_path(path);
    let mut checkpointed = *changes.borrow();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        // While the WAL file is past half the bound, it copies again at once: what is left
        // for the writer's own checkpoint at the bound (which the appends arriving then wait
        // for) is then only what was written meanwhile. A restarted WAL keeps its file at the
        // bound's size, so under sustained writes this is all the time; when they stop, the
        // file is truncated and the pace is 200 ms again.
        let pause = if wal_size(&wal) > wal_limit / 2 { 5 } else { 200 };
        std::thread::sleep(std::time::Duration::from_millis(pause));
        let head = *changes.borrow();
        if head != checkpointed {
            if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %err, "checkpoint failed; the next one retries");
            }
            checkpointed = head;
        }
    }
}

/// The WAL file beside the log at `path`.
pub fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

pub(super) fn wal_size(wal: &Path) -> u64 {
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

/// Folds the whole WAL into the database file and cuts it to nothing, waiting at most `wait`
/// for readers of older snapshots; if they hold on longer, the next quiet moment tries again.
pub(super) fn truncate_wal(conn: &Connection, wait: std::time::Duration) {
    let _ = conn.busy_timeout(wait);
    if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::debug!(error = %err, "the WAL was not truncated; the next quiet moment tries again");
    }
    let _ = conn.busy_timeout(std::time::Duration::from_secs(10));
}
