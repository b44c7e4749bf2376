//! What the HTTP benchmarks share: flags, a closed-loop load generator and its figures.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use hoicho::store::EventStore;
use hoicho_events::{Actor, Booth, BoothCode, BoothDefined, Event, FairId, Metadata, NewEvent, ZoneCode};
use uuid::Uuid;

/// The allocator the `hoicho` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The CSRF token the benchmarks sign in and post forms with.
pub const CSRF: &str = "bench-csrf-token-0123456789abcdefghijklmn";

/// Signs `email` in through the login form at `base`: the Cookie header to send with pages.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let login = client
        .post(format!("{base}/login"))
        .header("cookie", format!("hoicho_csrf={CSRF}"))
        .form(&[("email", email), ("password", password), ("csrf", CSRF)])
        .send()
        .await
        .unwrap();
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hoicho_session="))
        .and_then(|v| v.split(';').next())
        .expect("signed in")
        .to_owned();
    format!("{session}; hoicho_csrf={CSRF}")
}

/// `--name N` from the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Run {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: usize,
}

/// `clients` tasks, each sending `per_client` requests one after another; `request(client,
/// n)` builds the `n`th. A request counts as an error unless it answers `expect`.
pub async fn load<F>(clients: usize, per_client: usize, expect: u16, request: F) -> Run
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let request = Arc::new(request);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            let mut errors = 0;
            for i in 0..per_client {
                let builder = request(&client, c * per_client + i);
                let t = Instant::now();
                match builder.send().await {
                    Ok(r) if r.status().as_u16() == expect => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Run {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
        errors,
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes a synthetic log through the store's import path, then closes the store so its
/// final checkpoint does not run during the measurements.
pub async fn write_log(dir: &std::path::Path, events: Vec<hoicho_events::RecordedEvent>) {
    let store = hoicho::store::sqlite::SqliteStore::open(dir.join("events.sqlite")).unwrap();
    for chunk in events.chunks(50_000) {
        store.import(chunk.to_vec()).await.unwrap();
    }
    // Wait for the final checkpoint, so it does not run during the measurements.
    tokio::task::spawn_blocking(move || store.close()).await.unwrap();
}

/// A raw read-and-decode loop over the log's rows: what replay is measured against.
pub fn raw_read_and_decode(path: &std::path::Path) -> (usize, f64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let started = Instant::now();
    let mut stmt = conn
        .prepare("SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data FROM events ORDER BY position")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut count = 0;
    while let Some(row) = rows.next().unwrap() {
        let id: [u8; 16] = row.get(1).unwrap();
        let recorded = hoicho_events::RecordedEvent {
            position: row.get::<_, i64>(0).unwrap() as u64,
            event_id: uuid::Uuid::from_bytes(id),
            stream: row.get(2).unwrap(),
            version: row.get::<_, i64>(3).unwrap() as u64,
            event_type: row.get(4).unwrap(),
            schema_version: row.get(5).unwrap(),
            recorded_at: chrono::DateTime::from_timestamp_micros(row.get(6).unwrap()).unwrap(),
            metadata: row.get(7).unwrap(),
            data: row.get(8).unwrap(),
        };
        std::hint::black_box(hoicho_events::Envelope::decode(&recorded).unwrap());
        count += 1;
    }
    (count, count as f64 / started.elapsed().as_secs_f64())
}

/// The application's own start-up on `dir`: open, replay into every projection, ready.
pub async fn start_to_ready(dir: &std::path::Path) -> (Duration, u64) {
    let mut settings = hoicho::startup::Settings::new("127.0.0.1:0", dir);
    settings.workers = Some(1);
    let started = Instant::now();
    let app = hoicho::startup::Application::build(settings).await.unwrap();
    while !app.state.ready() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    let events = app.state.read().events;
    (elapsed, events)
}

/// The metadata every benchmark event carries.
pub fn metadata() -> String {
    let m = Metadata {
        actor: Actor::System {
            component: "bench".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        request_id: Some("bench".into()),
        idempotency: None,
    };
    serde_json::to_string(&m).unwrap()
}

/// A booth of a fair's floor plan: a typical small event.
pub fn booth_event(fair: &str, n: usize) -> Event {
    Event::BoothDefined(BoothDefined {
        fair_id: FairId::new_unchecked(fair),
        booth: Booth {
            code: BoothCode::new_unchecked(format!("A{n:04}")),
            zone: ZoneCode::new_unchecked("A"),
            kind: "standard".into(),
            width_m: 3.0,
            depth_m: 3.0,
            price_vnd: 3_000_000 + n as i64,
            x: (n % 100) as f64 * 3.0,
            y: (n / 100) as f64 * 3.0,
            power: false,
        },
    })
}

pub fn new_event(event: &Event, metadata: &str) -> NewEvent {
    let (event_type, schema_version, data) = event.encode();
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.into(),
        schema_version,
        recorded_at: Utc::now(),
        metadata: metadata.to_owned(),
        data,
    }
}

/// A closed-loop load from `wrk` (Debian's package), a separate process that costs the
/// 2 cores far less than a load generator inside the benchmark: `connections` clients for
/// `seconds`, each POSTing `body` with `{n}` replaced by a number no other request of the run
/// has. A request counts as an error unless it answers 2xx/3xx.
pub fn wrk(url: &str, body: &str, connections: usize, seconds: u64) -> Run {
    let template = body.replace('%', "%%").replace("{n}", "%d");
    let lua = format!(
        r#"local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  n = id * 100000000
end
function request()
  n = n + 1
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}}, string.format([==[{template}]==]{args}))
end
"#,
        args = ", n".repeat(body.matches("{n}").count())
    );
    wrk_script(url, &lua, connections, seconds)
}

/// wrk with a Lua script of the caller's, `connections` clients for `seconds`. A request
/// counts as an error unless it answers 2xx/3xx.
pub fn wrk_script(url: &str, lua: &str, connections: usize, seconds: u64) -> Run {
    let script = tempfile::Builder::new()
        .suffix(".lua")
        .tempfile()
        .expect("a script file");
    std::fs::write(script.path(), lua).expect("write the script");
    let output = std::process::Command::new("wrk")
        .args(["-t2", "--latency", "-c"])
        .arg(connections.to_string())
        .arg("-d")
        .arg(format!("{seconds}s"))
        .arg("-s")
        .arg(script.path())
        .arg(url)
        .output()
        .expect("wrk runs: apt-get install wrk");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |label: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(label))
            .map(str::trim)
    };
    let latency = |label: &str| -> Duration {
        let value = field(label).unwrap_or_else(|| panic!("wrk printed no {label}: {text}"));
        let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len());
        let number: f64 = value[..split].parse().expect("a number");
        let micros = match &value[split..] {
            "us" => number,
            "ms" => number * 1_000.0,
            "s" => number * 1_000_000.0,
            other => panic!("unknown unit {other}"),
        };
        Duration::from_nanos((micros * 1_000.0) as u64)
    };
    let per_second: f64 = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no rate: {text}"));
    let errors = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0usize);
    Run {
        per_second,
        p50: latency("50%"),
        p99: latency("99%"),
        errors,
    }
}

/// CPU time each of this process's threads has had, in nanoseconds, summed by thread name
/// (Linux: `/proc/self/task/*/schedstat`; empty elsewhere).
pub fn cpu_by_thread() -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let (Ok(name), Ok(stat)) = (
            std::fs::read_to_string(path.join("comm")),
            std::fs::read_to_string(path.join("schedstat")),
        ) else {
            continue;
        };
        let ran: u64 = stat.split_whitespace().next().and_then(|t| t.parse().ok()).unwrap_or(0);
        *out.entry(name.trim().to_owned()).or_default() += ran;
    }
    out
}

/// The CPU time, in ns, of this process's finished children (each `wrk` run), from
/// `/proc/self/stat` (cutime + cstime, in the kernel's 100 Hz user ticks).
pub fn children_cpu() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: the fields are counted from after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let field = |n: usize| {
        rest.split_whitespace()
            .nth(n)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // cutime and cstime are fields 16 and 17 of the line; after the name, field 3 (the state)
    // comes first, so they are the 13th and 14th counted from 0.
    (field(13) + field(14)) * 10_000_000
}

/// The CPU, in µs, every thread together spent per piece of work between two
/// [`cpu_by_thread`] readings.
pub fn cpu_total_per(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
    pieces: f64,
) -> f64 {
    let spent: u64 = after
        .iter()
        .map(|(name, ns)| ns.saturating_sub(before.get(name).copied().unwrap_or(0)))
        .sum();
    spent as f64 / 1000.0 / pieces
}

/// What the threads between two [`cpu_by_thread`] readings spent per piece of work, in µs,
/// largest first: `"315 µs: HTTP workers 95, …"`.
pub fn cpu_per(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
    pieces: f64,
) -> String {
    let label = |name: &str| match name {
        "actix-server wo" => "HTTP workers".to_owned(),
        "tokio-runtime-w" | "tokio-rt-worker" => "runtime (the notifier)".to_owned(),
        "hoicho-sqlite-w" => "SQLite writer".to_owned(),
        "hoicho-sqlite-c" => "checkpoints".to_owned(),
        "hoicho-follower" => "follower".to_owned(),
        "hoicho-outbox" => "mail outbox".to_owned(),
        other => other.to_owned(),
    };
    let mut spent: Vec<(String, f64)> = after
        .iter()
        .map(|(name, ns)| {
            let us = ns.saturating_sub(before.get(name).copied().unwrap_or(0)) as f64 / 1000.0 / pieces;
            (label(name), us)
        })
        .filter(|(_, us)| *us >= 0.5)
        .collect();
    spent.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = spent.iter().map(|(_, us)| us).sum();
    let parts: Vec<String> = spent.iter().map(|(name, us)| format!("{name} {us:.0}")).collect();
    format!("{total:.0} µs: {}", parts.join(", "))
}
