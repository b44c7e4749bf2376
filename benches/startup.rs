//! Start-up on a log that looks like a real one, written the way the API writes it: the
//! `hoicho` binary serving on a fresh data directory, a fair, 100 exhibitors applying (their
//! notifications written and sent), approved and given booths, then sales entries with
//! `Idempotency-Key`s from 64 connections (wrk) until the log holds `--events` events.
//!
//! Reported, side by side in one run:
//! (a) the WAL's largest size while the entries are written, and its size 3 s after they stop,
//!     beside the database file; and the same for a second log written in alternate rounds
//!     by a server whose WAL bound is set out of reach (`--wal-limit-mb 65536`): the WAL as it
//!     grew before it was bounded;
//! (b) the append p99 and the rate the entries saw (wrk's, end to end), both servers, each
//!     round started once both WALs are folded in and cut to nothing;
//! (c) from starting the binary to `/readyz` 200 on that log, twice replaying the whole log
//!     (snapshots off) and twice from a snapshot at its end, beside an empty log; the
//!     snapshot's size and the clean stop that writes it; the replay rate against a raw
//!     read-and-decode loop of the rows;
//! (d) resident bytes an event: the ready process's RSS less an empty log's, over the events,
//!     replayed and from the snapshot.
//!
//! `cargo bench --bench startup` (optionally `-- --events N --keep-log DIR --alone`; a kept log
//! that already holds the events is measured without writing it again; `--alone` writes the
//! bounded log only, for logs too large to write twice). Needs wrk.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{arg, ms, raw_read_and_decode};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_hoicho");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(BIN)
            .args([
                "serve",
                "--workers",
                "2",
                "--public-posts-per-minute",
                "100000",
                "--addr",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(data)
            .args(extra)
            // The snapshot's lines say how long encoding it (the follower's pause) took.
            .env("HOICHO_LOG", "warn,hoicho::snapshot=info")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the hoicho binary starts");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits for `/readyz` 200, polling every 5 ms.
    async fn ready(&self, http: &reqwest::Client) {
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Resident set size, bytes (Linux).
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    /// SIGTERM, and waits for the process to finish what it holds and exit.
    fn stop(mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// From spawning the binary (with `extra`) to `/readyz` 200, its RSS then (after a moment
/// to settle), and how long its clean stop took.
async fn start_to_ready(data: &Path, extra: &[&str], http: &reqwest::Client) -> (Duration, u64, Duration) {
    let started = Instant::now();
    let server = Server::start(data, extra);
    server.ready(http).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss = server.rss();
    let stopping = Instant::now();
    server.stop();
    (elapsed, rss, stopping.elapsed())
}

/// Snapshots off: nothing read at start, nothing written at the stop.
const NO_SNAPSHOT: &[&str] = &["--snapshot-every", "0"];

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

async fn head(http: &reqwest::Client, base: &str) -> u64 {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("hoicho_log_head "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The fair, its 100 exhibitors with their booths; returns (registration id, token) each.
async fn set_up_fair(http: &reqwest::Client, base: &str, organizer: &str) -> Vec<(String, String)> {
    let post = |path: String, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(organizer)
            .json(&body)
            .send()
    };
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let fair = json!({"id": "ht2026", "name": "Hội chợ OCOP Hà Tĩnh", "venue": "Quảng trường Vincom, Hà Tĩnh",
        "start_date": (today - chrono::Duration::days(2)).to_string(), "end_date": (today + chrono::Duration::days(2)).to_string(),
        "registration_opens_at": "2026-01-01T00:00:00Z", "registration_closes_at": (today + chrono::Duration::days(1)).to_string() + "T00:00:00Z"});
    let created = post("/api/v1/fairs".into(), fair).await.unwrap();
    assert_eq!(created.status().as_u16(), 201, "{}", created.text().await.unwrap());
    let zones = ["A", "B", "C", "D"];
    let plan = json!({"zones": zones.iter().map(|z| json!({"code": z, "name": format!("Khu {z}")})).collect::<Vec<_>>(),
        "booths": (0..100).map(|i| json!({"code": format!("{}{i:02}", zones[i % 4]), "zone": zones[i % 4], "kind": "standard",
            "width_m": 3, "depth_m": 3, "price_vnd": 3_000_000, "x": (i % 25) * 3, "y": (i / 25) * 4})).collect::<Vec<_>>()});
    let defined = http
        .put(format!("{base}/api/v1/fairs/ht2026/booths"))
        .bearer_auth(organizer)
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert!(defined.status().is_success(), "{}", defined.text().await.unwrap());
    let opened = post("/api/v1/fairs/ht2026/registration/open".into(), json!({}))
        .await
        .unwrap();
    assert!(opened.status().is_success(), "{}", opened.text().await.unwrap());
    let expires = (today + chrono::Duration::days(400)).to_string();
    let communes = ["Sơn Kim 1", "Đức Thọ", "Thạch Hà", "Cẩm Xuyên", "Kỳ Anh", "Hương Khê"];
    let mut exhibitors = Vec::new();
    for i in 0..100 {
        let body = json!({"organization": format!("Hợp tác xã nông nghiệp số {i}"), "producer_type": "htx", "tax_code": "0312687878",
            "representative": "Nguyễn Văn An", "phone": "0912 345 678", "email": format!("htx{i}@example.vn"),
            "address": {"commune": communes[i % communes.len()], "province": "Hà Tĩnh"},
            "products": [{"name": "Cam bù Hương Sơn", "group": "I", "stars": 3 + (i % 3), "certificate_no": format!("{i}/QĐ-UBND"), "certificate_expires": expires}],
            "booth_request": {"count": 1, "zone": zones[i % 4]}});
        let applied = http
            .post(format!("{base}/api/v1/fairs/ht2026/registrations"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(applied.status().as_u16(), 201);
        let applied: Value = applied.json().await.unwrap();
        let id = applied["id"].as_str().unwrap().to_owned();
        let approved = post(format!("/api/v1/registrations/{id}/approve"), json!({"booths": 1}))
            .await
            .unwrap();
        assert!(approved.status().is_success());
        let allocated = post(
            "/api/v1/fairs/ht2026/allocations".into(),
            json!({"booth": format!("{}{i:02}", zones[i % 4]), "registration": id}),
        )
        .await
        .unwrap();
        assert!(allocated.status().is_success(), "{}", allocated.text().await.unwrap());
        exhibitors.push((id, applied["access_token"].as_str().unwrap().to_owned()));
    }
    exhibitors
}

/// wrk for `seconds`: 64 connections, each request a sales entry of one of the exhibitors
/// with an Idempotency-Key no other request has. Returns (requests/s, p99, non-2xx).
fn wrk_sales(
    base: &str,
    exhibitors: &[(String, String)],
    day: &str,
    seconds: u64,
    round: usize,
) -> (f64, Duration, u64) {
    let table: String = exhibitors
        .iter()
        .map(|(id, token)| format!("{{\"/api/v1/registrations/{id}/sales\", \"Bearer {token}\"}},"))
        .collect();
    let lua = format!(
        r#"local targets = {{{table}}}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  n = {round} * 1000000000 + id * 100000000
end
function request()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  local body = string.format('{{"day": "{day}", "amount_vnd": %d, "transactions": %d}}', 10000 * (n % 900 + 1), n % 5 + 1)
  return wrk.format("POST", t[1], {{["Content-Type"] = "application/json", ["Authorization"] = t[2], ["Idempotency-Key"] = "sale-" .. n}}, body)
end
"#
    );
    let run = common::wrk_script(base, &lua, 64, seconds);
    (run.per_second, run.p99, run.errors as u64)
}

/// A server on `data` with an organizer and the fair set up; its exhibitors.
async fn prepare(data: &Path, extra: &[&str], http: &reqwest::Client) -> (Server, Vec<(String, String)>) {
    std::fs::create_dir_all(data).unwrap();
    let server = Server::start(data, extra);
    server.ready(http).await;
    let added = Command::new(BIN)
        .args(["organizer", "add", "--email", "bench@hoicho.test", "--json", "--data"])
        .arg(data)
        .output()
        .unwrap();
    let added: Value = serde_json::from_slice(&added.stdout).expect("organizer add --json");
    let organizer = added["token"].as_str().unwrap().to_owned();
    // The server picks a new organizer up within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let exhibitors = set_up_fair(http, &server.base, &organizer).await;
    (server, exhibitors)
}

#[tokio::main]
async fn main() {
    let target = arg("--events", 1_000_000) as u64;
    let kept = std::env::args()
        .skip_while(|a| a != "--keep-log")
        .nth(1)
        .map(PathBuf::from);
    let scratch = tempfile::tempdir().unwrap();
    let data = kept.unwrap_or_else(|| scratch.path().join("log"));
    std::fs::create_dir_all(&data).unwrap();
    let log = data.join("events.sqlite");
    let wal = hoicho::store::sqlite::wal_path(&log);
    let http = reqwest::Client::new();
    println!("hoicho start-up benchmark on a realistic log ({target} events)");

    let existing = if file_size(&log) > 0 {
        rusqlite::Connection::open(&log)
            .and_then(|c| {
                c.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .unwrap_or(0) as u64
    } else {
        0
    };
    if existing >= target {
        println!("  (the kept log holds {existing} events: measured as it is)");
    } else {
        let unbounded_data = scratch.path().join("unbounded");
        let unbounded_wal = hoicho::store::sqlite::wal_path(&unbounded_data.join("events.sqlite"));
        let alone = std::env::args().any(|a| a == "--alone");
        let (bounded, exhibitors) = prepare(&data, &[], &http).await;
        let (unbounded, unbounded_exhibitors) = if alone {
            (None, Vec::new())
        } else {
            let (server, exhibitors) = prepare(&unbounded_data, &["--wal-limit-mb", "65536"], &http).await;
            (Some(server), exhibitors)
        };
        println!(
            "  fair, 100 applications approved with booths: {} events",
            head(&http, &bounded.base).await
        );

        let done = Arc::new(AtomicBool::new(false));
        let largest = [Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0))];
        let sampler = {
            let (done, largest) = (done.clone(), largest.clone());
            let wals = [wal.clone(), unbounded_wal.clone()];
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    for (largest, wal) in largest.iter().zip(&wals) {
                        largest.fetch_max(file_size(wal), Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let day = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive()
            .to_string();
        let started = Instant::now();
        let mut round = 0;
        let mut rounds: [Vec<(f64, Duration)>; 2] = [Vec::new(), Vec::new()];
        let mut errors = 0;
        loop {
            let now = head(&http, &bounded.base).await;
            if now >= target {
                break;
            }
            // Rounds of at most 15 s, shorter near the end (about 15,000 entries a second),
            // the bounded server first in even rounds and second in odd ones.
            let seconds = ((target - now) / 15_000).clamp(2, 15);
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                // Each round starts on a quiet machine: the other server's WAL (gigabytes, for
                // the unbounded one) folded in and truncated after its round first.
                let quiet = Instant::now();
                while file_size(&wal) + file_size(&unbounded_wal) > 0 && quiet.elapsed() < Duration::from_secs(120) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let (base, exhibitors) = match (which, &unbounded) {
                    (0, _) => (&bounded.base, &exhibitors),
                    (_, Some(unbounded)) => (&unbounded.base, &unbounded_exhibitors),
                    (_, None) => {
                        rounds[1].push((0.0, Duration::ZERO));
                        continue;
                    }
                };
                let (rate, p99, e) = wrk_sales(base, exhibitors, &day, seconds, round);
                rounds[which].push((rate, p99));
                errors += e;
            }
            println!(
                "    round {round}: bounded {:.0} entries/s p99 {:.1} ms WAL {:.0} MB; unbounded {:.0} entries/s p99 {:.1} ms WAL {:.0} MB",
                rounds[0][round].0,
                ms(rounds[0][round].1),
                mb(file_size(&wal)),
                rounds[1][round].0,
                ms(rounds[1][round].1),
                mb(file_size(&unbounded_wal)),
            );
            round += 1;
        }
        let writing = started.elapsed();
        let events = head(&http, &bounded.base).await;
        let other_events = match &unbounded {
            Some(unbounded) => head(&http, &unbounded.base).await,
            None => 0,
        };
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = [file_size(&wal), file_size(&unbounded_wal)];
        done.store(true, Ordering::Relaxed);
        sampler.join().unwrap();
        println!(
            "\n(a, b) {events} and {other_events} events written through the API in {:.0} s, alternate rounds ({errors} non-2xx)",
            writing.as_secs_f64()
        );
        for (which, name) in [(0, "bounded (64 MB)"), (1, "unbounded      ")] {
            let mut p99s: Vec<Duration> = rounds[which].iter().map(|r| r.1).collect();
            let mut rates: Vec<f64> = rounds[which].iter().map(|r| r.0).collect();
            p99s.sort();
            rates.sort_by(f64::total_cmp);
            println!(
                "  {name}: WAL largest {:>6.0} MB, {:>6.1} MB 3 s after; append p99 median {:.1} ms, worst {:.1} ms; median {:.0} entries/s",
                mb(largest[which].load(Ordering::Relaxed)),
                mb(after[which]),
                ms(p99s[p99s.len() / 2]),
                ms(p99s[p99s.len() - 1]),
                rates[rates.len() / 2],
            );
        }
        println!("  the bounded log's database file: {:.0} MB", mb(file_size(&log)));
        bounded.stop();
        if let Some(unbounded) = unbounded {
            unbounded.stop();
        }
        println!("  after a clean stop: WAL {:.1} MB", mb(file_size(&wal)));
        let _ = std::fs::remove_dir_all(&unbounded_data);
    }

    let events = rusqlite::Connection::open(&log)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    let empty = scratch.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (empty_ready, empty_rss, _) = start_to_ready(&empty, NO_SNAPSHOT, &http).await;
    // The whole log replayed, twice, beside the raw loop.
    let (ready_a, rss_a, plain_stop) = start_to_ready(&data, NO_SNAPSHOT, &http).await;
    let (_, raw_rate) = raw_read_and_decode(&log);
    let (ready_b, rss_b, _) = start_to_ready(&data, NO_SNAPSHOT, &http).await;
    let (_, raw_again) = raw_read_and_decode(&log);
    // A snapshot at the log's end, written by a clean stop: the start before it replays the
    // whole log (the writing server's snapshot put aside), its stop writes one.
    let snapshot = data.join(hoicho::snapshot::FILE);
    let _ = std::fs::remove_file(&snapshot);
    let (_, _, writing_stop) = start_to_ready(&data, &[], &http).await;
    let (from_a, from_rss_a, _) = start_to_ready(&data, &[], &http).await;
    let (from_b, from_rss_b, _) = start_to_ready(&data, &[], &http).await;
    let raw_mean = (raw_rate + raw_again) / 2.0;
    let ready = ready_a.min(ready_b);
    println!("\n(c) start to /readyz 200, {events} events");
    println!("  empty log:           {:>7.0} ms", ms(empty_ready));
    println!(
        "  whole log replayed:  {:>7.0} ms  (runs: {:.0}, {:.0} ms)",
        ms(ready),
        ms(ready_a),
        ms(ready_b)
    );
    println!(
        "  from a snapshot:     {:>7.0} ms  (runs: {:.0}, {:.0} ms; {:.1}x quicker; target < 3,000 ms)",
        ms(from_a.min(from_b)),
        ms(from_a),
        ms(from_b),
        ready.as_secs_f64() / from_a.min(from_b).as_secs_f64()
    );
    println!(
        "  the snapshot: {:.0} MB ({:.0} bytes an event); a clean stop that writes it: {:.0} ms, one without: {:.0} ms",
        mb(file_size(&snapshot)),
        file_size(&snapshot) as f64 / events as f64,
        ms(writing_stop),
        ms(plain_stop)
    );
    println!("  raw read-and-decode: {raw_mean:>10.0} events/s  (runs: {raw_rate:.0}, {raw_again:.0})");
    let replay_rate = events as f64 / (ready.as_secs_f64() - empty_ready.as_secs_f64()).max(1e-3);
    println!(
        "  replay (start-up less an empty log's): {replay_rate:.0} events/s, {:.0}% of raw (target >= 70%)",
        100.0 * replay_rate / raw_mean
    );
    let rss = rss_a.max(rss_b);
    let from_rss = from_rss_a.max(from_rss_b);
    println!(
        "\n(d) resident: {:.0} MB ready on this log replayed, {:.0} MB from the snapshot, {:.0} MB on an empty one",
        mb(rss),
        mb(from_rss),
        mb(empty_rss)
    );
    println!(
        "  {:.0} bytes an event replayed, {:.0} from the snapshot (target < 1,024)",
        rss.saturating_sub(empty_rss) as f64 / events as f64,
        from_rss.saturating_sub(empty_rss) as f64 / events as f64
    );
}
