//! Certificates, HTTPS listeners and L7 policies through both front doors: what is accepted,
//! what is refused with which code, what is never shown, and who sees what.

mod common;

use axum::http::{Method, StatusCode};
use common::{code, TestApp};
use lbaas_certs::testing::TestCa;
use serde_json::{json, Value};

const LB: &str = "/v1/projects/shop/load-balancers/web";

async fn setup(app: &TestApp) -> String {
    let tok = app.tenant("acme").await;
    let (s, v) = app.call(Method::POST, "/v1/projects", &tok, Some(json!({"name": "shop"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .call(
            Method::POST,
            "/v1/projects/shop/subnets",
            &tok,
            Some(json!({"name": "net", "cidr": "10.10.0.0/24"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .call(
            Method::POST,
            "/v1/projects/shop/load-balancers",
            &tok,
            Some(json!({"name": "web", "subnet": "net"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    tok
}

fn upload(name: &str, c: &lbaas_certs::testing::TestCert) -> Value {
    json!({"name": name, "certificate_chain": c.chain_pem, "private_key": c.key_pem})
}

#[tokio::test]
async fn certificates_are_validated_sealed_never_shown_and_kept_while_in_use() {
    let app = TestApp::new().await;
    let tok = setup(&app).await;
    let ca = TestCa::new(&std::env::temp_dir());
    let www = ca.leaf(&["www.shop.test"], 30, false);
    let api = ca.leaf(&["api.shop.test"], 30, true);

    let certs = "/v1/projects/shop/certificates";
    let (s, v) = app.call(Method::POST, certs, &tok, Some(upload("www", &www))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["names"], json!(["www.shop.test"]));
    assert!(v.get("private_key").is_none() && !v.to_string().contains("PRIVATE KEY"), "{v}");
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT key_sealed FROM certificate").fetch_one(&app.db).await.unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("PRIVATE"), "the key is stored sealed");

    let bad = [
        (
            upload(
                "x",
                &lbaas_certs::testing::TestCert { key_pem: api.key_pem.clone(), ..www.clone() },
            ),
            "private_key_mismatch",
        ),
        (upload("x", &ca.leaf(&["old.shop.test"], -1, false)), "certificate_expired"),
        (
            json!({"name": "x", "certificate_chain": "nope", "private_key": www.key_pem}),
            "certificate_invalid",
        ),
        (
            json!({"name": "x", "certificate_chain": www.chain_pem, "private_key": "nope"}),
            "private_key_invalid",
        ),
        (
            json!({"name": "Bad Name", "certificate_chain": www.chain_pem, "private_key": www.key_pem}),
            "invalid_name",
        ),
    ];
    for (body, want) in bad {
        let (s, v) = app.call(Method::POST, certs, &tok, Some(body)).await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, want), "{v}");
    }
    let (s, v) = app.call(Method::POST, certs, &tok, Some(upload("www", &www))).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_exists"));
    let (s, v) = app.call(Method::POST, certs, &tok, Some(upload("api", &api))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Another tenant: nothing to see, nothing to use.
    let other = app.tenant("other").await;
    app.call(Method::POST, "/v1/projects", &other, Some(json!({"name": "shop"}))).await;
    let id = v["id"].as_str().unwrap();
    let (s, _) = app.call(Method::GET, &format!("{certs}/{id}"), &other, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.call(Method::GET, certs, &other, None).await;
    assert_eq!(list["items"], json!([]));

    // HTTPS listeners need certificates of their own project; TLS settings fit their protocol.
    let listeners = format!("{LB}/listeners");
    let https = |certs: Value| json!({"name": "tls", "protocol": "HTTPS", "port": 443, "certificates": certs});
    let (s, v) = app.call(Method::POST, &listeners, &tok, Some(https(json!([])))).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "certificate_required"));
    let (s, v) = app.call(Method::POST, &listeners, &tok, Some(https(json!(["nope"])))).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"), "{v}");
    let (s, v) = app
        .call(
            Method::POST,
            &listeners,
            &tok,
            Some(json!({"name": "h", "protocol": "HTTP", "port": 80, "certificates": ["www"]})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "certificate_needs_https"));
    let (s, v) = app
        .call(
            Method::POST,
            &listeners,
            &tok,
            Some(json!({"name": "t", "protocol": "TCP", "port": 81, "redirect_https_port": 443})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "redirect_needs_http"));
    let (s, v) = app.call(Method::POST, &listeners, &tok, Some(https(json!(["www", "api"])))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["certificate_ids"].as_array().unwrap().len(), 2);
    let (s, v) = app
        .call(Method::POST, &listeners, &tok, Some(json!({"name": "plain", "protocol": "HTTP", "port": 80, "redirect_https_port": 443})))
        .await;
    assert_eq!((s, v["redirect_https_port"].as_i64()), (StatusCode::CREATED, Some(443)), "{v}");

    // In use: kept. A renewal touches the load balancer; the old key is replaced.
    let (s, v) = app.call(Method::DELETE, &format!("{certs}/www"), &tok, None).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"), "{v}");
    let renewed = ca.leaf(&["www.shop.test"], 60, false);
    let (_, before) = app.call(Method::GET, LB, &tok, None).await;
    let (s, v) = app
        .call(
            Method::PUT,
            &format!("{certs}/www"),
            &tok,
            Some(json!({"certificate_chain": renewed.chain_pem, "private_key": renewed.key_pem})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["generation"], 2);
    let (_, after) = app.call(Method::GET, LB, &tok, None).await;
    assert!(after["generation"].as_i64() > before["generation"].as_i64(), "renewal reaches the LB");
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("{listeners}/tls"),
            &tok,
            Some(json!({"certificates": ["api"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call(Method::DELETE, &format!("{certs}/www"), &tok, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "no longer in use");

    // The monitor log has the uploads and the renewal.
    let (_, events) = app.call(Method::GET, "/v1/events", &tok, None).await;
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "certificate.renewed"));
}

#[tokio::test]
async fn l7_policies_are_checked_and_hold_their_pools() {
    let app = TestApp::new().await;
    let tok = setup(&app).await;
    for (name, proto) in [("site", "HTTP"), ("api", "HTTP"), ("raw", "TCP")] {
        let (s, v) = app
            .call(
                Method::POST,
                &format!("{LB}/pools"),
                &tok,
                Some(json!({"name": name, "protocol": proto})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app
        .call(
            Method::POST,
            &format!("{LB}/pools"),
            &tok,
            Some(json!({"name": "x", "protocol": "HTTPS"})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_protocol"));
    app.call(
        Method::POST,
        &format!("{LB}/listeners"),
        &tok,
        Some(json!({"name": "web", "protocol": "HTTP", "port": 80, "default_pool_id": null})),
    )
    .await;
    app.call(
        Method::POST,
        &format!("{LB}/listeners"),
        &tok,
        Some(json!({"name": "tcp", "protocol": "TCP", "port": 90})),
    )
    .await;
    let policies = format!("{LB}/listeners/web/policies");

    let host_rule =
        json!({"type": "HOST_NAME", "compare_type": "EQUAL_TO", "value": "api.shop.test"});
    let (s, v) = app
        .call(Method::POST, &policies, &tok, Some(json!({"name": "api", "position": 1, "action": "REDIRECT_TO_POOL", "redirect_pool": "api", "rules": [host_rule]})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["rules"][0]["type"], "HOST_NAME");
    let refusals = [
        (
            json!({"name": "a", "action": "REDIRECT_TO_POOL", "redirect_pool": "raw"}),
            "invalid_l7_policy",
        ),
        (json!({"name": "a", "action": "REDIRECT_TO_POOL", "redirect_pool": "nope"}), "not_found"),
        (json!({"name": "a", "action": "REDIRECT_TO_URL"}), "invalid_l7_policy"),
        (
            json!({"name": "a", "action": "REJECT", "rules": [{"type": "COOKIE", "compare_type": "EQUAL_TO", "value": "1"}]}),
            "invalid_l7_rule",
        ),
        (
            json!({"name": "a", "action": "REDIRECT_TO_URL", "redirect_url": "http://www.shop.test/a",
                "rules": [{"type": "HOST_NAME", "compare_type": "ENDS_WITH", "value": "shop.test"}]}),
            "redirect_loop",
        ),
        (json!({"name": "a", "action": "REJECT", "bogus": 1}), "unknown_field"),
    ];
    for (body, want) in refusals {
        let (s, v) = app.call(Method::POST, &policies, &tok, Some(body.clone())).await;
        assert_eq!(code(&v), want, "{body} → {s} {v}");
    }
    let (s, v) = app
        .call(
            Method::POST,
            &format!("{LB}/listeners/tcp/policies"),
            &tok,
            Some(json!({"name": "a", "action": "REJECT"})),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "policy_needs_http"));

    // A pool a policy forwards to stays until the policy goes.
    let (s, v) = app.call(Method::DELETE, &format!("{LB}/pools/api"), &tok, None).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"), "{v}");
    let (s, v) = app
        .call(Method::PUT, &format!("{policies}/api"), &tok, Some(json!({"action": "REDIRECT_PREFIX", "redirect_prefix": "https://api.example.test", "redirect_http_code": 308})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["position"].as_i64(), v["redirect_pool_id"].is_null()), (Some(1), true));
    let (s, _) = app.call(Method::DELETE, &format!("{LB}/pools/api"), &tok, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = app.call(Method::GET, &policies, &tok, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let other = app.tenant("other").await;
    let (s, _) = app.call(Method::GET, &policies, &other, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_https_instance_with_rules_through_the_envelope() {
    let app = TestApp::new().await;
    let tok = app.tenant("acme").await;
    app.envelope(&tok, "create", "project", json!({"name": "shop"})).await;
    let ca = TestCa::new(&std::env::temp_dir());
    let www = ca.leaf(&["www.shop.test"], 30, false);
    let (s, v) = app
        .envelope(
            &tok,
            "create",
            "certificate",
            json!({"project": "shop", "name": "www",
            "certificate": www.chain_pem, "private_key": www.key_pem}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) =
        app.envelope(&tok, "info", "certificate", json!({"project": "shop", "name": "www"})).await;
    assert_eq!((s, v["info"]["names"].clone()), (StatusCode::OK, json!(["www.shop.test"])));
    assert!(!v.to_string().contains("PRIVATE KEY"));

    let instance = |rules: Value, certs: Value| {
        json!({"project": "shop", "name": "web", "traffic_type": "https", "subnet": "10.10.0.0/24",
            "certificates": certs, "redirect_http": true,
            "backend": {"entities": ["10.10.0.11:8080"], "rules": rules}})
    };
    let (s, v) = app.envelope(&tok, "create", "instance", instance(json!([]), json!([]))).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "certificate_required"));
    let (s, v) = app
        .envelope(
            &tok,
            "create",
            "instance",
            instance(
                json!([{"host": "a.test", "reject": true, "redirect": "https://x.test"}]),
                json!(["www"]),
            ),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_l7_policy"), "{v}");
    let (s, v) = app
        .envelope(
            &tok,
            "create",
            "instance",
            instance(
                json!([{"host": "api.shop.test", "entities": ["10.99.0.1:80"]}]),
                json!(["www"]),
            ),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "member_outside_subnet"), "{v}");
    let (_, lbs) = app.call(Method::GET, "/v1/projects/shop/load-balancers", &tok, None).await;
    assert_eq!(lbs["items"], json!([]), "a refused instance leaves nothing behind");

    let rules = json!([{"host": "api.shop.test", "entities": ["10.10.0.12:8080"]},
        {"path_prefix": "/old", "redirect": "https://www.shop.test/new"},
        {"path_prefix": "/admin", "reject": true}]);
    let (s, v) = app.envelope(&tok, "create", "instance", instance(rules, json!(["www"]))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["info"]["url"], "https://web.shop.acme.lbaas.test/");
    assert_eq!(v["info"]["traffic_type"], "https");
    let lb = "/v1/projects/shop/load-balancers/web";
    let (_, ls) = app.call(Method::GET, &format!("{lb}/listeners"), &tok, None).await;
    let ports: Vec<(i64, Value)> = ls["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["port"].as_i64().unwrap(), l["redirect_https_port"].clone()))
        .collect();
    assert!(ports.contains(&(443, Value::Null)) && ports.contains(&(80, json!(443))), "{ports:?}");
    let (_, ps) =
        app.call(Method::GET, &format!("{lb}/listeners/default/policies"), &tok, None).await;
    let actions: Vec<&str> =
        ps["items"].as_array().unwrap().iter().map(|p| p["action"].as_str().unwrap()).collect();
    assert_eq!(actions.len(), 3);
    for a in ["REDIRECT_TO_POOL", "REDIRECT_PREFIX", "REJECT"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
    let (s, v) = app
        .envelope(&tok, "delete", "certificate", json!({"project": "shop", "name": "www"}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
}
