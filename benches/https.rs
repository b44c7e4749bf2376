//! HTTPS in process (ADR 020) against plain HTTP, side by side in one run: the public pages
//! (the list of fairs, a fair's page with its floor plan) of the demo, each served by an
//! instance of its own — one with a certificate the benchmark makes with openssl, one without
//! — and loaded in turn by wrk (a separate process; it does not check the certificate), 64
//! connections kept alive, rounds alternating.
//!
//! `cargo bench --bench https` (`-- --seconds N --rounds N`).

#[path = "../tests/support/certs.rs"]
mod certs;
mod common;

use std::time::Duration;

use hoicho::startup::{Application, Settings, TlsSettings};

use common::{arg, wrk_script};

async fn start(dir: &std::path::Path, tls: Option<TlsSettings>) -> String {
    let mut settings = Settings::new("127.0.0.1:0", dir);
    settings.workers = Some(2);
    settings.demo = true;
    settings.tls = tls.clone();
    let app = Application::build(settings).await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    assert!(state.wait_ready(Duration::from_secs(60)).await);
    base
}

#[tokio::main]
async fn main() {
    let seconds = arg("--seconds", 5) as u64;
    let rounds = arg("--rounds", 3);
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certs::self_signed(dir.path(), "localhost", None, 1);
    let plain = start(&dir.path().join("plain"), None).await;
    let https = start(
        &dir.path().join("https"),
        Some(TlsSettings {
            cert,
            key,
            redirect_addr: None,
            acme_dir: None,
        }),
    )
    .await;

    for page in ["/", &format!("/fairs/{}", hoicho::demo::FAIR_ID)] {
        let (mut plain_rates, mut https_rates) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let p = tokio::task::spawn_blocking({
                let url = format!("{plain}{page}");
                move || wrk_script(&url, "", 64, seconds)
            })
            .await
            .unwrap();
            let s = tokio::task::spawn_blocking({
                let url = format!("{https}{page}");
                move || wrk_script(&url, "", 64, seconds)
            })
            .await
            .unwrap();
            assert_eq!((p.errors, s.errors), (0, 0), "every answer 2xx");
            plain_rates.push(p.per_second);
            https_rates.push(s.per_second);
            println!(
                "{page}: plain {:.0} req/s (p99 {:.1} ms), HTTPS {:.0} req/s (p99 {:.1} ms): {:.0}%",
                p.per_second,
                common::ms(p.p99),
                s.per_second,
                common::ms(s.p99),
                s.per_second / p.per_second * 100.0
            );
        }
        let ratios: Vec<f64> = https_rates
            .iter()
            .zip(&plain_rates)
            .map(|(s, p)| s / p * 100.0)
            .collect();
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        println!("{page}: HTTPS at {lo:.0}–{hi:.0}% of plain HTTP's throughput");
    }
}
