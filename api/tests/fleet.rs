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

#[tokio::test]
async fn the_admin_adds_drains_and_removes_hypervisors_with_clear_refusals() {
    let app = TestApp::new().await;
    let add = |body| app.call(Method::POST, "/v1/hypervisors", ADMIN, Some(body));
    let (s, v) = add(json!({"name": "hv2", "uri": "qemu+ssh://10.0.0.2/system"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (&v["state"], &v["capacity_nodes"], &v["reachable"], &v["nodes"]),
        (&json!("ENABLED"), &json!(32), &json!(false), &json!(0)),
        "no controller has listed it yet: {v}"
    );
    let refusals = [
        (json!({"name": "hv2", "uri": "qemu:///system"}), StatusCode::CONFLICT, "already_exists"),
        (
            json!({"name": "Bad_Name", "uri": "qemu:///system"}),
            StatusCode::BAD_REQUEST,
            "invalid_name",
        ),
        (json!({"name": "hv3", "uri": "xen:///system"}), StatusCode::BAD_REQUEST, "invalid_uri"),
        (json!({"name": "hv3", "uri": "qemu:///sys tem"}), StatusCode::BAD_REQUEST, "invalid_uri"),
        (
            json!({"name": "hv3", "uri": "qemu:///system", "capacity_nodes": -1}),
            StatusCode::BAD_REQUEST,
            "invalid_capacity",
        ),
        (
            json!({"name": "hv3", "uri": "qemu:///system", "state": "PAUSED"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
    ];
    for (body, status, code) in refusals {
        let (s, v) = add(body.clone()).await;
        assert_eq!((s, v["error"]["code"].as_str()), (status, Some(code)), "{body}: {v}");
    }

    let (s, v) = app
        .call(
            Method::PATCH,
            "/v1/hypervisors/hv2",
            ADMIN,
            Some(json!({"state": "DRAINING", "capacity_nodes": 4})),
        )
        .await;
    assert_eq!(
        (s, &v["state"], &v["capacity_nodes"]),
        (StatusCode::OK, &json!("DRAINING"), &json!(4))
    );
    let msg: String =
        sqlx::query_scalar("SELECT message FROM event WHERE kind = 'hypervisor.state'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(msg, "hypervisor hv2: ENABLED → DRAINING");
    let (s, v) = app.call(Method::GET, "/v1/hypervisors/nope", ADMIN, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{v}");

    // One with a node on it cannot go; an empty one can.
    sqlx::query(
        "INSERT INTO spare_node (id, hypervisor_id, name) \
         SELECT gen_random_uuid(), id, 'lbt-n-spare2' FROM hypervisor WHERE name = 'hv2'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (s, v) = app.call(Method::DELETE, "/v1/hypervisors/hv2", ADMIN, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("in_use")), "{v}");
    sqlx::query("DELETE FROM spare_node").execute(&app.db).await.unwrap();
    let (s, _) = app.call(Method::DELETE, "/v1/hypervisors/hv2", ADMIN, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = app.call(Method::GET, "/v1/hypervisors", ADMIN, None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "local is left: {v}");
}
