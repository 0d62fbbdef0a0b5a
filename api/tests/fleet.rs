//! The operator's view of the fleet: hypervisors with their warm pools, every node.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, ADMIN};
use serde_json::json;

#[tokio::test]
async fn the_admin_sees_hypervisors_warm_pools_and_every_node_and_a_tenant_does_not() {
    let app = TestApp::new().await;
    sqlx::query(
        "INSERT INTO spare_node (id, hypervisor_id, name) \
         SELECT gen_random_uuid(), id, 'lbt-n-spare1' FROM hypervisor WHERE name = 'local'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (s, v) = app.call(Method::GET, "/v1/hypervisors", ADMIN, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["name"], "local");
    assert_eq!(v["items"][0]["uri"], "qemu:///system");
    assert_eq!(v["items"][0]["nodes"], 0);
    assert_eq!(v["items"][0]["spare_nodes"][0]["name"], "lbt-n-spare1");
    let (s, v) = app.call(Method::GET, "/v1/nodes", ADMIN, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"], json!([]));

    // A tenant's token does not even learn these paths exist.
    let (_, t) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "acme"}))).await;
    let tok = t["token"].as_str().unwrap();
    for path in ["/v1/hypervisors", "/v1/nodes"] {
        let (s, v) = app.call(Method::GET, path, tok, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
}

#[tokio::test]
async fn the_admin_sees_and_resumes_the_failover_breaker_and_a_tenant_does_not() {
    let app = TestApp::new().await;
    let (s, v) = app.call(Method::GET, "/v1/failover-breaker", ADMIN, None).await;
    assert_eq!(
        (s, v["open"].as_bool(), v["resumed_at"].is_null()),
        (StatusCode::OK, Some(false), true),
        "{v}"
    );
    let (s, v) = app.call(Method::POST, "/v1/failover-breaker/resume", ADMIN, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["resumed_at"].is_string(), "{v}");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM event WHERE tenant_id IS NULL")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(kinds.contains(&"failover.resume_requested".to_string()), "{kinds:?}");
    let (_, t) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "acme"}))).await;
    let tok = t["token"].as_str().unwrap();
    for (m, path) in
        [(Method::GET, "/v1/failover-breaker"), (Method::POST, "/v1/failover-breaker/resume")]
    {
        let (s, v) = app.call(m, path, tok, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
}
