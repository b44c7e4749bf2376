//! The pages people see, over HTTP against the real server.

use crate::support::{fair_body, plan_body, spawn, CSRF};
use serde_json::json;

async fn fair_with_plan(app: &crate::support::TestApp, id: &str) {
    assert_eq!(app.create_fair(id).await.status().as_u16(), 201);
    assert_eq!(app.put_booths(id, &plan_body()).await.status().as_u16(), 200);
}

#[tokio::test]
async fn the_fair_page_is_vietnamese_with_vietnamese_dates_and_money() {
    let app = spawn().await;
    fair_with_plan(&app, "trang-hoi-cho").await;
    let response = app.get("/fairs/trang-hoi-cho").await;
    assert_eq!(response.status().as_u16(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Sơ đồ gian hàng"), "Vietnamese headings");
    assert!(html.contains("21/01/2022 – 25/01/2022"), "dd/mm/yyyy dates");
    assert!(
        html.contains("20/12/2021 08:00"),
        "registration window in the fair's time zone"
    );
    assert!(
        html.contains("4.500.000 ₫") && html.contains("1.250.000 ₫"),
        "money as 1.250.000 ₫"
    );
    assert!(html.contains("3 × 6 m"));
    assert_eq!(
        html.matches("class=\"booth available\"").count(),
        3,
        "one rect per booth, coloured by status"
    );
    assert!(html.contains("viewBox="));
}

#[tokio::test]
async fn english_is_available_by_query_and_by_accept_language() {
    let app = spawn().await;
    fair_with_plan(&app, "english").await;
    let html = app.get("/fairs/english?lang=en").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Floor plan"));
    let by_header = app
        .client
        .get(app.url("/fairs/english"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_header.contains("Floor plan"));
    let vi = app
        .client
        .get(app.url("/fairs/english"))
        .header("Accept-Language", "vi-VN")
        .send()
        .await
        .unwrap();
    assert!(vi.text().await.unwrap().contains("Sơ đồ gian hàng"));
}

#[tokio::test]
async fn user_text_is_escaped_on_pages() {
    let app = spawn().await;
    let mut body = fair_body("thu-xss");
    body["name"] = json!("<script>alert('x')</script> Hội chợ");
    assert_eq!(app.post_json("/api/v1/fairs", &body).await.status().as_u16(), 201);
    for path in ["/", "/fairs/thu-xss"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "{path} shows raw markup");
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{path} escapes it"
        );
    }
}

#[tokio::test]
async fn an_unknown_fair_is_a_404_page() {
    let app = spawn().await;
    let response = app.get("/fairs/khong-co").await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(response.text().await.unwrap().contains("Không tìm thấy hội chợ này."));
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

#[tokio::test]
async fn an_organizer_signs_in_with_a_form_and_a_session_cookie() {
    let app = spawn().await;
    let unauthenticated = app.get("/organizer").await;
    assert_eq!(unauthenticated.status().as_u16(), 303);
    let form = app.get("/login").await;
    let csrf_cookie = cookie(&form, "hoicho_csrf").expect("a CSRF cookie");
    let html = form.text().await.unwrap();
    let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
    assert!(
        html.contains(&format!("value=\"{token}\"")),
        "the form carries the CSRF token"
    );

    let post = |password: String, csrf: String| {
        app.client
            .post(app.url("/login"))
            .header("cookie", &csrf_cookie)
            .form(&[
                ("email", app.organizer_email.clone()),
                ("password", password),
                ("csrf", csrf),
            ])
            .send()
    };
    let wrong = post("sai-mat-khau".into(), token.clone()).await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(wrong.text().await.unwrap().contains("Email hoặc mật khẩu không đúng."));
    let forged = post(app.organizer_password.clone(), "forged".into()).await.unwrap();
    assert_eq!(
        forged.status().as_u16(),
        403,
        "a missing or wrong CSRF token is refused"
    );

    let ok = post(app.organizer_password.clone(), token).await.unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    let set = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let session_header = set
        .iter()
        .find(|c| c.starts_with("hoicho_session="))
        .expect("a session cookie");
    assert!(
        session_header.contains("HttpOnly") && session_header.contains("SameSite=Lax"),
        "{session_header}"
    );
    let session = session_header.split(';').next().unwrap().to_owned();
    let home = app
        .client
        .get(app.url("/organizer"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status().as_u16(), 200);
    assert!(home.text().await.unwrap().contains(&app.organizer_email));

    // The session reads through the API, but API writes need the bearer token.
    let read = app
        .client
        .get(app.url("/api/v1/events"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let write = app
        .client
        .post(app.url("/api/v1/fairs"))
        .header("cookie", &session)
        .json(&crate::support::fair_body("qua-cookie"))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status().as_u16(), 401);

    let tampered = session.replace("hoicho_session=", "hoicho_session=x");
    let refused = app
        .client
        .get(app.url("/organizer"))
        .header("cookie", tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 303, "a tampered cookie is no session");
}

/// The session cookie's attributes after signing in with `X-Forwarded-Proto: https`.
async fn session_cookie_through_https_proxy(app: &crate::support::TestApp) -> String {
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("hoicho_csrf={}", crate::support::CSRF))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", app.organizer_email.as_str()),
            ("password", app.organizer_password.as_str()),
            ("csrf", crate::support::CSRF),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hoicho_session="))
        .expect("a session cookie")
        .to_owned()
}

#[tokio::test]
async fn cookies_are_secure_behind_a_trusted_https_proxy_only() {
    let local = vec![hoicho::web::kit::client::parse_network("127.0.0.0/8").unwrap()];
    let behind = crate::support::spawn_with(|s| s.trust_proxy = local).await;
    let cookie = session_cookie_through_https_proxy(&behind).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
    // The same header from a client no proxy setting names: plain HTTP, no Secure flag (a
    // Secure cookie would never come back over it).
    let direct = spawn().await;
    let cookie = session_cookie_through_https_proxy(&direct).await;
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_limited() {
    let app = spawn().await;
    let form = app.get("/login").await;
    let csrf_cookie = cookie(&form, "hoicho_csrf").unwrap();
    let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let response = app
            .client
            .post(app.url("/login"))
            .header("cookie", &csrf_cookie)
            .form(&[
                ("email", app.organizer_email.as_str()),
                ("password", "wrong"),
                ("csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 8, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
}

/// Passwords verified so far, from `/metrics`.
async fn password_checks(app: &crate::support::TestApp) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("hoicho_password_checks_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no password check counter in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_guesses_is_counted_before_checking_and_the_right_password_still_gets_in() {
    let app = spawn().await;
    let form = app.get("/login").await;
    let csrf_cookie = cookie(&form, "hoicho_csrf").unwrap();
    let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let sign_in = |client: reqwest::Client, password: &'static str| {
        let (url, cookie, token, email) = (
            app.url("/login"),
            csrf_cookie.clone(),
            token.clone(),
            app.organizer_email.clone(),
        );
        async move {
            client
                .post(url)
                .header("cookie", cookie)
                .form(&[
                    ("email", email.as_str()),
                    ("password", password),
                    ("csrf", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let before = password_checks(&app).await;
    // 64 wrong guesses at once from one address.
    let burst = (0..64).map(|_| sign_in(app.client.clone(), "wrong"));
    let statuses = futures_util::future::join_all(burst).await;
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    assert_eq!((count(401), count(429)), (8, 56), "{statuses:?}");
    assert_eq!(password_checks(&app).await - before, 8, "no more checks than the limit");

    // The organizer, from another address, with the right password: in, after a short wait.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let password: &'static str = Box::leak(app.organizer_password.clone().into_boxed_str());
    assert_eq!(sign_in(elsewhere.clone(), password).await, 303);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(35),
        "{:?}",
        started.elapsed()
    );
    // The guesser's address stays refused for that email.
    assert_eq!(sign_in(app.client.clone(), "wrong").await, 429);
}

#[tokio::test]
async fn signing_out_ends_the_session_for_every_copy_of_its_cookie() {
    let app = spawn().await;
    let first = app.organizer_cookie().await;
    let second = app.organizer_cookie().await;
    assert_ne!(first, second, "two sign-ins in one second are two sessions");
    let opens = |cookie: String| {
        let app = &app;
        async move {
            let page = app.get_page("/organizer", &cookie).await.status().as_u16();
            let api = app.get_page("/api/v1/events?limit=1", &cookie).await.status().as_u16();
            (page, api)
        }
    };
    assert_eq!(opens(first.clone()).await, (200, 200));
    assert_eq!(opens(second.clone()).await, (200, 200));

    // Signing out with the first: a copy of its cookie opens nothing; the second is still on.
    assert_eq!(app.post_form("/logout", &first, &[]).await.status().as_u16(), 303);
    assert_eq!(opens(first.clone()).await, (303, 401), "the copied cookie after logout");
    assert_eq!(opens(second.clone()).await, (200, 200));

    // Signing out everywhere ends every session at once.
    let third = app.organizer_cookie().await;
    assert_eq!(
        app.post_form("/logout/everywhere", &second, &[])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(opens(second).await, (303, 401));
    assert_eq!(opens(third).await, (303, 401));

    // A new API token ends the sessions too.
    let fourth = app.organizer_cookie().await;
    assert_eq!(opens(fourth.clone()).await, (200, 200));
    let (_, position) = hoicho::service::organizers::rotate_token(&*app.state.store, &app.organizer_email)
        .await
        .unwrap();
    assert!(app.state.wait_for(position, std::time::Duration::from_secs(5)).await);
    assert_eq!(opens(fourth).await, (303, 401));
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = crate::support::spawn_with(|s| s.sessions.idle = std::time::Duration::from_secs(2)).await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(app.get_page("/organizer", &cookie).await.status().as_u16(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        app.get_page("/organizer", &cookie).await.status().as_u16(),
        303,
        "idle too long"
    );
}

#[tokio::test]
async fn a_new_password_or_a_revocation_ends_every_session() {
    let app = spawn().await;
    let store = &*app.state.store;
    let session = app.organizer_cookie().await;
    assert_eq!(app.get_page("/organizer", &session).await.status().as_u16(), 200);
    let (password, position) = hoicho::service::organizers::change_password(store, &app.organizer_email)
        .await
        .unwrap();
    assert!(app.state.wait_for(position, std::time::Duration::from_secs(5)).await);
    assert_eq!(
        app.get_page("/organizer", &session).await.status().as_u16(),
        303,
        "the old session"
    );
    let sign_in = |password: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/login"))
                .header("cookie", format!("hoicho_csrf={CSRF}"))
                .form(&[
                    ("email", app.organizer_email.as_str()),
                    ("password", password.as_str()),
                    ("csrf", CSRF),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(sign_in(app.organizer_password.clone()).await, 401, "the old password");
    assert_eq!(sign_in(password.clone()).await, 303, "the new one");

    // Revoked: the session, the token and the password all stop at once.
    let position = hoicho::service::organizers::revoke(store, &app.organizer_email)
        .await
        .unwrap();
    assert!(app.state.wait_for(position, std::time::Duration::from_secs(5)).await);
    assert_eq!(
        app.get_as_organizer("/api/v1/events?limit=1").await.status().as_u16(),
        401
    );
    assert_eq!(sign_in(password).await, 401);
}
