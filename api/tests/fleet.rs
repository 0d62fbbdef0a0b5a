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
