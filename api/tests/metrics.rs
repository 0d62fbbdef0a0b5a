//! The API's Prometheus series move with the requests it answers.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, ADMIN};
use serde_json::json;

/// The value of the series whose line starts with `prefix` (name and labels), 0 if absent.
fn value(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let app = TestApp::new().await;
    let (s, v) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "acme"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let tok = v["token"].as_str().unwrap().to_string();
    for _ in 0..3 {
        let (s, _) = app.call(Method::GET, "/v1/projects/nope", &tok, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = app.call(Method::GET, "/no/such/path", &tok, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let text = app.scrape().await;
    let series = |route: &str, method: &str, status: u16| {
        format!(
            "lbaas_api_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
        )
    };
    assert_eq!(value(&text, &series("/v1/projects/{project}", "GET", 404)), 3.0, "{text}");
    assert_eq!(value(&text, &series("/v1/tenants", "POST", 201)), 1.0, "{text}");
    assert_eq!(value(&text, &series("unmatched", "GET", 404)), 1.0, "{text}");
    let count =
        "lbaas_api_request_duration_seconds_count{route=\"/v1/projects/{project}\",method=\"GET\"}";
    assert_eq!(value(&text, count), 3.0, "{text}");
    assert!(text.contains("lbaas_api_db_connections{state=\"idle\"}"), "{text}");
    // The path's own value never becomes a label: label values stay bounded.
    assert!(!text.contains("nope"), "{text}");
}
