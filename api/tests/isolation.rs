//! Tenant isolation, walked over the spec itself: every operation of `openapi/lbaas.json`, with
//! tenant A's identifiers in the path and tenant B's token, must answer 404, leak none of A's
//! data, and change nothing of A's. A new route is covered the day it is added.

mod common;

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};

/// A valid body per operation: the walk must reach the handler's lookup, not stop at the
/// body parser with a 400.
fn body_for(op: &str, a_project: &str) -> Option<Value> {
    Some(match op {
        "tenant_create" => json!({"name": "from-b"}),
        "tenant_update" => json!({"quotas": {"projects": 0}}),
        "hypervisor_create" => json!({"name": "from-b", "uri": "qemu:///system"}),
        "hypervisor_update" => json!({"state": "DRAINING"}),
        "token_create" => json!({"name": "b-token"}),
        "project_create" => json!({"name": "b-project"}),
        "project_update" => json!({"description": "owned by b"}),
        "subnet_create" => json!({"name": "b-subnet", "cidr": "10.77.0.0/24"}),
        "subnet_update" => json!({"name": "renamed"}),
        "load_balancer_create" => json!({"name": "b-lb", "subnet": "anything"}),
        "load_balancer_update" => json!({"description": "owned by b"}),
        "listener_create" => json!({"name": "b", "protocol": "TCP", "port": 9999}),
        "listener_update" => json!({}),
        "pool_create" => json!({"name": "b", "protocol": "TCP"}),
        "pool_update" => json!({"algorithm": "LEAST_CONNECTIONS"}),
        "member_create" => json!({"address": "10.10.0.99", "port": 80}),
        "member_update" => json!({"weight": 9}),
        "certificate_create" => {
            json!({"name": "b-cert", "certificate_chain": "pem", "private_key": "pem"})
        }
        "certificate_update" => json!({"certificate_chain": "pem", "private_key": "pem"}),
        "l7policy_create" => json!({"name": "b-policy", "action": "REJECT"}),
        "l7policy_update" => json!({"action": "REJECT"}),
        "envelope_post" | "envelope_get" => {
            json!({"action": "info", "type": "instance", "info": {"project": a_project, "name": "web"}})
        }
        _ => return None,
    })
}

#[tokio::test]
async fn every_path_hides_other_tenants() {
    let app = TestApp::new().await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("bravo").await;
    app.envelope(&a, "create", "project", json!({"name": "demo"})).await;
    let (s, v) = app.envelope(&a, "create", "instance", seed_instance("demo", "web")).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let lb_id = v["info"]["id"].as_str().unwrap().to_string();
    let member_id = v["info"]["members"][0]["id"].as_str().unwrap().to_string();
    // B has a project of the same name: names alone must not cross tenants either.
    app.envelope(&b, "create", "project", json!({"name": "demo"})).await;

    let (tenant_id, project_id, subnet_id, pool_id, listener_id): (uuid::Uuid, uuid::Uuid, uuid::Uuid, uuid::Uuid, uuid::Uuid) =
        sqlx::query_as(
            "SELECT lb.tenant_id, lb.project_id, lb.subnet_id, p.id, l.id FROM load_balancer lb \
             JOIN pool p ON p.load_balancer_id = lb.id JOIN listener l ON l.load_balancer_id = lb.id \
             WHERE lb.id = $1::uuid",
        )
        .bind(&lb_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let node_id = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status) VALUES ($1, $2, $3::uuid, 'lbaas-n-test', '198.18.0.5', 'ACTIVE')")
        .bind(node_id)
        .bind(tenant_id)
        .bind(&lb_id)
        .execute(&app.db)
        .await
        .unwrap();
    let (token_id,): (uuid::Uuid,) =
        sqlx::query_as("SELECT id FROM api_token WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    // A's certificate, and a policy on A's listener.
    let ca = lbaas_certs::testing::TestCa::new(&std::env::temp_dir());
    let leaf = ca.leaf(&["www.alpha.test"], 10, false);
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/v1/projects/{project_id}/certificates"),
            &a,
            Some(json!({"name": "www", "certificate_chain": leaf.chain_pem, "private_key": leaf.key_pem})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let certificate_id = v["id"].as_str().unwrap().to_string();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/v1/projects/{project_id}/load-balancers/{lb_id}/listeners/{listener_id}/policies"),
            &a,
            Some(json!({"name": "admin", "action": "REJECT", "rules": [{"type": "PATH", "compare_type": "STARTS_WITH", "value": "/admin"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let policy_id = v["id"].as_str().unwrap().to_string();
    let ids: HashMap<&str, String> = HashMap::from([
        ("certificate", certificate_id),
        ("policy", policy_id),
        ("tenant", tenant_id.to_string()),
        ("project", project_id.to_string()),
        ("subnet", subnet_id.to_string()),
        ("load_balancer", lb_id.clone()),
        ("listener", listener_id.to_string()),
        ("pool", pool_id.to_string()),
        ("member", member_id.clone()),
        ("node", node_id.to_string()),
        ("token", token_id.to_string()),
        ("hypervisor", "local".to_string()),
    ]);
    // A's data that B never supplies: ids (unless B put them in the path, where an error message
    // may echo them back), A's tenant name and A's member addresses.
    let mut secrets: Vec<String> = ids.values().cloned().collect();
    secrets.extend(["alpha".to_string(), "10.10.0.11".to_string(), "198.18.0.5".to_string()]);

    let spec: Value = serde_json::from_str(&lbaas_api::openapi_json()).unwrap();
    let mut walked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap();
            let mut concrete = path.clone();
            for (k, v) in &ids {
                concrete = concrete.replace(&format!("{{{k}}}"), v);
            }
            assert!(!concrete.contains('{'), "no id for a parameter of {path}");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = body_for(op_id, &project_id.to_string());
            let sent = format!("{concrete} {}", body.clone().unwrap_or_default());
            let (s, v) = app.call(m.clone(), &concrete, &b, body).await;
            walked += 1;
            let text = v.to_string();
            for secret in secrets.iter().filter(|s| !sent.contains(s.as_str())) {
                assert!(!text.contains(secret.as_str()), "{m} {path} leaked {secret}: {text}");
            }
            let has_params = path.contains('{');
            // Admin operations (tenants, the fleet) carry the `tenants` tag.
            let is_admin = op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "tenants"));
            let is_envelope = path == "/v1/requests";
            if has_params || is_admin || is_envelope {
                assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path} as another tenant: {v}");
            } else {
                // Collections without ids act in B's own tenant.
                assert!(s.is_success(), "{m} {path}: {s} {v}");
            }
        }
    }
    assert!(walked >= 40, "walked only {walked} operations");

    // Nothing of A's changed.
    let (s, v) = app.call(Method::GET, "/v1/projects/demo/load-balancers/web", &a, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["provisioning_status"], "PENDING_CREATE");
    assert_eq!(v["generation"], 2, "A's create and A's policy, nothing of B's");
    let (s, v) = app.call(Method::GET, "/v1/projects/demo/certificates/www", &a, None).await;
    assert_eq!((s, v["generation"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
    let (_, v) = app
        .call(
            Method::GET,
            "/v1/projects/demo/load-balancers/web/listeners/default/policies",
            &a,
            None,
        )
        .await;
    assert_eq!(v["items"][0]["generation"], 1);
    let (_, v) = app.call(Method::GET, "/v1/projects/demo", &a, None).await;
    assert_eq!(v["description"], "");
    let (_, v) = app
        .call(Method::GET, "/v1/projects/demo/load-balancers/web/pools/default/members", &a, None)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (s, _) = app.call(Method::GET, "/v1/projects", &a, None).await;
    assert_eq!(s, StatusCode::OK, "A's token still works");
}
