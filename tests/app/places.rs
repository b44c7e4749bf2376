//! Vietnam's administrative units over the API, as the address picker and integrations read
//! them: the 34 provinces since 1 July 2025, a province's communes found by part of a name
//! written any way, and an old commune's name leading to the commune that took it in.

use serde_json::Value;

use crate::support::{json, spawn};

#[tokio::test]
async fn provinces_and_communes_are_found_by_any_spelling() {
    let app = spawn().await;
    let (status, body) = json(app.get("/api/v1/places/provinces").await).await;
    assert_eq!(status, 200, "{body}");
    let provinces = body["provinces"].as_array().unwrap();
    assert_eq!(provinces.len(), 34);
    assert!(provinces
        .iter()
        .any(|p| p["code"] == "42" && p["name"] == "Tỉnh Hà Tĩnh"));
    assert!(body["source"].as_str().unwrap().contains("vietnamadminunits 1.0.4"));

    let communes = |path: &'static str| {
        let app = &app;
        async move {
            let (status, body) = json(app.get(path).await).await;
            assert_eq!(status, 200, "{path}: {body}");
            body["communes"].as_array().cloned().unwrap_or_default()
        }
    };
    let found: Vec<Value> =
        communes("/api/v1/places/provinces/42/communes?q=%C4%91%E1%BB%A9c%20%C4%91%E1%BB%93ng").await;
    assert_eq!(found[0]["name"], "Xã Đức Đồng");
    assert_eq!(found[0]["code"], "18304");
    assert_eq!(found[0]["legacy_districts"][0], "Huyện Đức Thọ");
    // Without diacritics, by the name before the reform, by the province's name.
    let found = communes("/api/v1/places/provinces/42/communes?q=duc%20lang").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["name"], "Xã Đức Đồng");
    assert_eq!(found[0]["matched_before"], "Xã Đức Lạng, Huyện Đức Thọ");
    let found = communes("/api/v1/places/provinces/ha%20tinh/communes?limit=200").await;
    assert_eq!(found.len(), 69);
    assert!(communes("/api/v1/places/provinces/42/communes?q=zzz").await.is_empty());

    let (status, body) = json(app.get("/api/v1/places/provinces/99/communes").await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, _) = json(app.get("/api/v1/places/provinces/42/communes?limit=lots").await).await;
    assert_eq!(status, 400);
}
