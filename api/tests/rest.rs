//! REST resources through the router: CRUD, compare-and-set, pagination, quotas, tokens and
//! the admin surface.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn tenants_and_tokens() {
    let app = TestApp::new().await;
    let (s, v) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "acme"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["token"].as_str().unwrap().starts_with("lbt_"));
    let t = v["token"].as_str().unwrap().to_string();
    // The token is stored hashed: the secret appears nowhere in the database.
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM api_token WHERE token_hash = $1")
        .bind(&t)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(n, 0);

    let (s, v) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "acme"}))).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_exists"));
    let (s, v) = app.call(Method::POST, "/v1/tenants", ADMIN, Some(json!({"name": "ACME"}))).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_name"));

    // A tenant token does not see the admin surface at all.
    let (s, _) = app.call(Method::GET, "/v1/tenants", &t, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The admin token is not a tenant.
    let (s, v) = app.call(Method::GET, "/v1/projects", ADMIN, None).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "tenant_token_required"));

    // Quotas, compare-and-set.
    let (_, v) = app.call(Method::GET, "/v1/tenants/acme", ADMIN, None).await;
    let gen = v["generation"].as_i64().unwrap();
    let (s, v) = app
        .call(
            Method::PATCH,
            "/v1/tenants/acme",
            ADMIN,
            Some(json!({"generation": gen, "quotas": {"projects": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["quotas"]["projects"], 1);
    let (s, v) = app
        .call(
            Method::PATCH,
            "/v1/tenants/acme",
            ADMIN,
            Some(json!({"generation": gen, "quotas": {"projects": 5}})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "stale_generation"));

    let (s, _) = app.call(Method::POST, "/v1/projects", &t, Some(json!({"name": "one"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = app.call(Method::POST, "/v1/projects", &t, Some(json!({"name": "two"}))).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "quota_exceeded"));

    // Tokens: create, use, revoke.
    let (s, v) = app.call(Method::POST, "/v1/tokens", &t, Some(json!({"name": "ci"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let second = v["secret"].as_str().unwrap().to_string();
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = app.call(Method::GET, "/v1/projects", &second, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["name"], "one");
    let (s, _) = app.call(Method::DELETE, &format!("/v1/tokens/{id}"), &t, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = app.call(Method::GET, "/v1/projects", &second, None).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));

    // A tenant with projects cannot be deleted; an empty one can.
    let (s, v) = app.call(Method::DELETE, "/v1/tenants/acme", ADMIN, None).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
    app.tenant("empty").await;
    let (s, _) = app.call(Method::DELETE, "/v1/tenants/empty", ADMIN, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn resources_crud() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    macro_rules! call {
        ($m:expr, $p:expr, $b:expr) => {
            app.call($m, $p, &t, $b)
        };
    }
    let p = "/v1/projects/demo";

    assert_eq!(
        call!(Method::POST, "/v1/projects", Some(json!({"name": "demo"}))).await.0,
        StatusCode::CREATED
    );
    let (s, v) = call!(
        Method::POST,
        &format!("{p}/subnets"),
        Some(json!({"name": "backends", "cidr": "10.1.0.0/24"}))
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["gateway"], "10.1.0.1");
    let (s, v) = call!(
        Method::POST,
        &format!("{p}/subnets"),
        Some(json!({"name": "b2", "cidr": "10.1.0.128/25"}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "subnet_overlap"));
    let (s, v) = call!(
        Method::POST,
        &format!("{p}/subnets"),
        Some(json!({"name": "b2", "cidr": "10.2.0.0/24", "gateway": "10.3.0.1"}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_gateway"));

    let lbs = format!("{p}/load-balancers");
    let (s, v) =
        call!(Method::POST, &lbs, Some(json!({"name": "web", "subnet": "backends"}))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["provisioning_status"], "PENDING_CREATE");
    // ?wait= returns the honest state when nothing provisions it in time.
    let (s, v) = call!(
        Method::POST,
        &format!("{lbs}?wait=1"),
        Some(json!({"name": "api", "subnet": "backends"}))
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["provisioning_status"], "PENDING_CREATE");
    let (s, v) = call!(
        Method::POST,
        &format!("{lbs}?wait=abc"),
        Some(json!({"name": "x", "subnet": "backends"}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_query"));

    let lb = format!("{lbs}/web");
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/pools"),
        Some(json!({"name": "main", "protocol": "HTTP", "algorithm": "LEAST_CONNECTIONS"}))
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let pool_id = v["id"].as_str().unwrap().to_string();
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/listeners"),
        Some(json!({"name": "http", "protocol": "HTTP", "port": 80, "default_pool_id": pool_id}))
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/listeners"),
        Some(json!({"name": "again", "protocol": "TCP", "port": 80}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "port_in_use"));
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/listeners"),
        Some(json!({"name": "bad", "protocol": "TCP", "port": 0}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_port"));
    // The response cache is HTTP's: on a TCP listener it is refused, on HTTP it can be switched.
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/listeners"),
        Some(json!({"name": "raw", "protocol": "TCP", "port": 9000, "cache": true}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "cache_needs_http"));
    let (s, v) =
        call!(Method::PATCH, &format!("{lb}/listeners/http"), Some(json!({"cache": true}))).await;
    assert_eq!((s, v["cache"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
    let (_, v) = call!(Method::GET, &lb, None).await;
    assert_eq!(v["url"], "http://web.demo.acme.lbaas.test/");

    let members = format!("{lb}/pools/main/members");
    let (s, v) = call!(
        Method::POST,
        &members,
        Some(json!({"address": "10.1.0.10", "port": 8080, "weight": 3}))
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = format!("{members}/{}", v["id"].as_str().unwrap());
    let gen = v["generation"].as_i64().unwrap();
    let (s, v) =
        call!(Method::POST, &members, Some(json!({"address": "10.9.0.10", "port": 8080}))).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "member_outside_subnet"));
    let (s, v) = call!(
        Method::POST,
        &members,
        Some(json!({"address": "10.1.0.11", "port": 8080, "weight": 999}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_weight"));
    let (s, v) = call!(Method::PATCH, &member, Some(json!({"generation": gen, "weight": 5}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["weight"], 5);
    let (s, v) = call!(Method::PATCH, &member, Some(json!({"generation": gen, "weight": 6}))).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "stale_generation"));
    assert_eq!(call!(Method::DELETE, &member, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call!(Method::GET, &member, None).await.0, StatusCode::NOT_FOUND);

    // The subnet is in use by load balancers.
    let (s, v) = call!(Method::DELETE, &format!("{p}/subnets/backends"), None).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));

    // Pagination walks every item exactly once.
    for i in 0..5 {
        call!(Method::POST, &lbs, Some(json!({"name": format!("lb{i}"), "subnet": "backends"})))
            .await;
    }
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let (s, v) = call!(Method::GET, &format!("{lbs}?limit=2&cursor={cursor}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for it in v["items"].as_array().unwrap() {
            seen.push(it["name"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["api", "lb0", "lb1", "lb2", "lb3", "lb4", "web"]);
    let (s, v) = call!(Method::GET, &format!("{lbs}?limit=0"), None).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_limit"));
    let (s, v) = call!(Method::GET, &format!("{lbs}?cursor=zzz"), None).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_cursor"));

    // Delete marks PENDING_DELETE; the controller finishes it.
    let (s, v) = call!(Method::DELETE, &lb, None).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["provisioning_status"], "PENDING_DELETE");
    let (s, v) = call!(
        Method::POST,
        &format!("{lb}/pools"),
        Some(json!({"name": "late", "protocol": "TCP"}))
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "immutable"));

    let (s, v) = call!(Method::GET, "/v1/events", None).await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<&str> =
        v["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"load_balancer.delete_requested"), "{kinds:?}");
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let (s, v) = app.call(Method::GET, "/v1/nothing", &t, None).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, v) = app.call(Method::PUT, "/v1/projects", &t, None).await;
    assert_eq!((s, code(&v)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    let (s, v) = app
        .call(Method::POST, "/v1/projects", &t, Some(json!({"name": "x", "color": "red"})))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "unknown_field"));
}
