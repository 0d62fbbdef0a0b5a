//! `GET /v1/events/stream`: Server-Sent Events of the tenant's monitor log, live and resumable.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, ADMIN};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

async fn tenant(app: &TestApp, name: &str) -> String {
    let (s, v) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": name}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["token"].as_str().unwrap().to_string()
}

async fn open(app: &TestApp, token: &str, last_event_id: Option<&str>) -> axum::response::Response {
    let mut req =
        Request::get("/v1/events/stream").header("authorization", format!("Bearer {token}"));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
}

/// The SSE text that arrives within `wait` (whole frames only).
async fn read_for(body: &mut Body, wait: Duration) -> String {
    let mut text = String::new();
    let end = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(end, body.frame()).await {
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    text
}

fn ids(sse: &str) -> Vec<String> {
    sse.lines().filter_map(|l| l.strip_prefix("id:")).map(|s| s.trim().to_string()).collect()
}

#[tokio::test]
async fn new_events_arrive_live_resume_by_id_and_stay_in_their_tenant() {
    let app = TestApp::new().await;
    let acme = tenant(&app, "acme").await;
    let other = tenant(&app, "other").await;

    let res = open(&app, &acme, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut live = res.into_body();
    let mut theirs = open(&app, &other, None).await.into_body();

    let (s, _) = app.call(Method::POST, "/v1/projects", &acme, Some(json!({"name": "one"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = app.call(Method::POST, "/v1/projects", &acme, Some(json!({"name": "two"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let got = read_for(&mut live, Duration::from_secs(2)).await;
    assert!(got.contains("event: project.created"), "{got}");
    assert!(got.contains("one") && got.contains("two"), "{got}");
    let seen = ids(&got);
    assert_eq!(seen.len(), 2, "each event once: {got}");

    // Resuming after the first gives the second, at once, and nothing twice.
    let mut resumed = open(&app, &acme, Some(&seen[0])).await.into_body();
    let again = read_for(&mut resumed, Duration::from_millis(700)).await;
    assert_eq!(ids(&again), [seen[1].clone()], "{again}");

    // Another tenant's stream saw none of it.
    let leaked = read_for(&mut theirs, Duration::from_millis(300)).await;
    assert!(ids(&leaked).is_empty(), "{leaked}");

    let res = open(&app, &acme, Some("not-an-id")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("invalid_cursor"));
}
