//! Every envelope action × type: success and each failure code, with the HTTP status the REST
//! equivalent has, and nothing half-created after a failure.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn project_actions() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;

    let (s, v) = app.envelope(&t, "create", "project", json!({"name": "demo"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "successful");
    assert_eq!(v["action"], "create");
    assert_eq!(v["type"], "project");
    assert_eq!(v["info"]["name"], "demo");

    let (s, v) = app.envelope(&t, "create", "project", json!({"name": "demo"})).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_exists"));
    assert_eq!(v["status"], "fail");

    // A human name is kept as the display name with a label derived from it; one with nothing
    // to derive a label from is refused.
    let (s, v) = app.envelope(&t, "create", "project", json!({"name": "'?!"})).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_name"));

    let (s, v) = app
        .envelope(&t, "update", "project", json!({"name": "demo", "description": "web tier"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["info"]["description"], "web tier");

    let (s, v) = app.envelope(&t, "info", "project", json!({"name": "demo"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["info"]["instances"], json!([]));

    let (s, v) = app.envelope(&t, "info", "project", json!({"name": "nope"})).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));

    let (s, v) = app.envelope(&t, "delete", "project", json!({"name": "demo"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app.envelope(&t, "info", "project", json!({"name": "demo"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.envelope(&t, "delete", "project", json!({"name": "demo"})).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn instance_lifecycle() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    app.envelope(&t, "create", "project", json!({"name": "demo"})).await;

    let (s, v) = app.envelope(&t, "create", "instance", seed_instance("demo", "web")).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let info = &v["info"];
    assert_eq!(info["url"], "http://web.demo.acme.lbaas.test/");
    assert_eq!(info["provisioning_status"], "PENDING_CREATE");
    assert_eq!(info["project"], "demo");
    assert_eq!(info["backend"]["entities"], json!(["10.10.0.11:8080", "10.10.0.12:8080"]));
    assert_eq!(info["backend"]["health-check"]["criteria"]["unhealth-threshold"], 2);
    assert_eq!(info["backend"]["auto-scaling"], true);

    // The pieces exist through REST too: one implementation, two front doors.
    let (s, lb) = app.call(Method::GET, "/v1/projects/demo/load-balancers/web", &t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(lb["dns_name"], "web.demo.acme.lbaas.test");
    let (_, l) =
        app.call(Method::GET, "/v1/projects/demo/load-balancers/web/listeners", &t, None).await;
    assert_eq!(l["items"][0]["protocol"], "HTTP");
    assert_eq!(l["items"][0]["port"], 80);
    let (_, m) = app
        .call(Method::GET, "/v1/projects/demo/load-balancers/web/pools/default/members", &t, None)
        .await;
    assert_eq!(m["items"].as_array().unwrap().len(), 2);

    let (s, v) =
        app.envelope(&t, "info", "instance", json!({"project": "demo", "name": "web"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["info"]["name"], "web");

    // Update: replace the members (one kept, one new), change the monitor.
    let (s, v) = app
        .envelope(
            &t,
            "update",
            "instance",
            json!({"project": "demo", "name": "web", "backend": {
                "entities": ["10.10.0.11:8080", "10.10.0.13:8080"],
                "health-check": {"protocol": "TCP", "port": 8080,
                                 "criteria": {"interval": 2, "timeout": 1,
                                              "health-threshold": 1, "unhealth-threshold": 3}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["info"]["backend"]["entities"], json!(["10.10.0.11:8080", "10.10.0.13:8080"]));
    assert_eq!(v["info"]["backend"]["health-check"]["protocol"], "TCP");

    // A TCP instance: the URL carries the port.
    let (s, v) = app
        .envelope(
            &t,
            "create",
            "instance",
            json!({"project": "demo", "name": "db", "traffic_type": "tcp", "subnet": "10.10.0.0/24",
                   "backend": {"entities": ["10.10.0.21:5432"]}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["info"]["url"], "tcp://db.demo.acme.lbaas.test:5432");

    // The project still has instances: deleting it is refused, nothing removed.
    let (s, v) = app.envelope(&t, "delete", "project", json!({"name": "demo"})).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));

    let (s, v) =
        app.envelope(&t, "delete", "instance", json!({"project": "demo", "name": "web"})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["info"]["provisioning_status"], "PENDING_DELETE");
    // Changing a load balancer being deleted is refused.
    let (s, v) = app
        .envelope(
            &t,
            "update",
            "instance",
            json!({"project": "demo", "name": "web", "description": "x"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "immutable"));

    let (s, v) =
        app.envelope(&t, "delete", "instance", json!({"project": "demo", "name": "nope"})).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, v) =
        app.envelope(&t, "info", "instance", json!({"project": "demo", "name": "nope"})).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as(&format!("SELECT count(*) FROM {table}")).fetch_one(&app.db).await.unwrap();
    n
}

#[tokio::test]
async fn instance_create_failures_leave_nothing() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    app.envelope(&t, "create", "project", json!({"name": "demo"})).await;
    app.envelope(&t, "create", "instance", seed_instance("demo", "web")).await;
    let before = (
        count(&app, "load_balancer").await,
        count(&app, "subnet").await,
        count(&app, "member").await,
    );

    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = seed_instance("demo", "other");
        f(&mut v);
        v
    };
    let cases: Vec<(serde_json::Value, StatusCode, &str)> = vec![
        (with(&|v| v["name"] = json!("Bad Name")), StatusCode::BAD_REQUEST, "invalid_name"),
        (with(&|v| v["name"] = json!("a".repeat(64))), StatusCode::BAD_REQUEST, "invalid_name"),
        (with(&|v| v["name"] = json!("web")), StatusCode::CONFLICT, "already_exists"),
        (with(&|v| v["project"] = json!("nope")), StatusCode::NOT_FOUND, "not_found"),
        (with(&|v| v["traffic_type"] = json!("udp")), StatusCode::BAD_REQUEST, "invalid_protocol"),
        (with(&|v| v["subnet"] = json!("10.10.0.0/33")), StatusCode::BAD_REQUEST, "invalid_subnet"),
        (with(&|v| v["subnet"] = json!("10.10.0.1/24")), StatusCode::BAD_REQUEST, "invalid_subnet"),
        (with(&|v| v["subnet"] = json!("10.10.0.0/16")), StatusCode::CONFLICT, "subnet_overlap"),
        (with(&|v| v["port"] = json!(70000)), StatusCode::BAD_REQUEST, "invalid_port"),
        (
            with(&|v| v["backend"]["entities"] = json!(["10.99.0.1:80"])),
            StatusCode::BAD_REQUEST,
            "member_outside_subnet",
        ),
        (
            with(&|v| v["backend"]["entities"] = json!(["web-1:80"])),
            StatusCode::BAD_REQUEST,
            "invalid_member",
        ),
        (
            with(&|v| v["backend"]["entities"] = json!(["10.10.0.11:0"])),
            StatusCode::BAD_REQUEST,
            "invalid_port",
        ),
        (
            with(&|v| v["backend"]["entities"] = json!(["10.10.0.11:8080", "10.10.0.11:8080"])),
            StatusCode::CONFLICT,
            "already_exists",
        ),
        (
            with(&|v| v["backend"]["entities"] = json!([])),
            StatusCode::BAD_REQUEST,
            "invalid_member",
        ),
        (
            with(&|v| v["backend"]["health-check"]["criteria"]["interval"] = json!(0)),
            StatusCode::BAD_REQUEST,
            "invalid_health_check",
        ),
        (
            with(&|v| v["backend"]["health-check"]["criteria"]["timeout"] = json!(9)),
            StatusCode::BAD_REQUEST,
            "invalid_health_check",
        ),
        (
            with(&|v| v["backend"]["health-check"]["criteria"]["health-threshold"] = json!(11)),
            StatusCode::BAD_REQUEST,
            "invalid_health_check",
        ),
        (
            with(&|v| v["backend"]["health-check"]["port"] = json!(0)),
            StatusCode::BAD_REQUEST,
            "invalid_port",
        ),
        (
            with(&|v| v["backend"]["health-check"]["request-path"] = json!("healthz")),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (with(&|v| v["backend"]["extra"] = json!(1)), StatusCode::BAD_REQUEST, "unknown_field"),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("subnet");
            }),
            StatusCode::BAD_REQUEST,
            "missing_field",
        ),
        (
            with(&|v| v["backend"]["entities"] = json!("10.10.0.11")),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
    ];
    for (info, status, want) in cases {
        let (s, v) = app.envelope(&t, "create", "instance", info.clone()).await;
        assert_eq!((s, code(&v)), (status, want), "{info} → {v}");
        assert_eq!(v["status"], "fail");
        assert!(v["error"]["message"].as_str().unwrap().len() > 10, "{v}");
    }
    let after = (
        count(&app, "load_balancer").await,
        count(&app, "subnet").await,
        count(&app, "member").await,
    );
    assert_eq!(before, after, "a failed create left rows behind");
}

#[tokio::test]
async fn envelope_framing_errors() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let post =
        |body: &'static str| app.raw(Method::POST, "/v1/requests", Some(&t), Body::from(body));

    let (s, v) = post("{not json").await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_json"));
    assert_eq!(v["status"], "fail");
    let (s, v) = post("").await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_json"));
    let (s, v) = post(r#"{"action": "explode", "type": "project", "info": {"name": "x"}}"#).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "unknown_action"));
    assert_eq!(v["action"], "explode");
    let (s, v) = post(r#"{"action": "create", "type": "vm", "info": {}}"#).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "unknown_type"));
    let (s, v) = post(r#"{"action": "create", "type": "project"}"#).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "missing_field"));
    assert!(v["error"]["message"].as_str().unwrap().contains("info"), "{v}");
    let (s, v) =
        post(r#"{"action": "create", "type": "project", "info": {"name": "x"}, "x": 1}"#).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "unknown_field"));

    // GET with a JSON body works like POST (the seed's clients do this).
    let body =
        json!({"action": "create", "type": "project", "info": {"name": "via-get"}}).to_string();
    let (s, v) = app.raw(Method::GET, "/v1/requests", Some(&t), Body::from(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Over 1 MiB: 413, still an envelope.
    let big = format!(
        r#"{{"action": "create", "type": "project", "info": {{"name": "{}"}}}}"#,
        "a".repeat(1_100_000)
    );
    let (s, v) = app.raw(Method::POST, "/v1/requests", Some(&t), Body::from(big)).await;
    assert_eq!((s, code(&v)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));

    // Bad token: 401 in an envelope.
    let (s, v) = app.raw(Method::POST, "/v1/requests", Some("lbt_wrong"), Body::from("{}")).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let (s, v) = app.raw(Method::POST, "/v1/requests", None, Body::from("{}")).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
}

/// The documented sample payloads parse as the typed contract the spec publishes (the `oneOf`
/// of pairs), so what a generated client sends is what the server reads.
#[test]
fn samples_match_the_typed_contract() {
    use lbaas_api::envelope::EnvelopeRequest;
    let samples = [
        json!({"action": "create", "type": "project", "info": {"name": "demo"}}),
        json!({"action": "create", "type": "project", "info":
            {"type": "project", "user": "john", "name": "john's project", "instances": []}}),
        json!({"action": "info", "type": "project", "info": {"name": "demo"}}),
        json!({"action": "delete", "type": "project", "info": {"name": "demo"}}),
        json!({"action": "create", "type": "instance", "info": {
            "project": "demo", "name": "web", "traffic_type": "http", "subnet": "10.10.0.0/24",
            "backend": {"entities": ["10.10.0.11:8080", "http://10.10.0.12:8080/"],
                        "health-check": {"protocol": "HTTP", "port": 8080, "request-path": "/healthz",
                                         "criteria": {"interval": 5, "timeout": 5,
                                                      "health-threshold": 2, "unhealth-threshold": 2}},
                        "auto-scaling": true}}}),
        json!({"action": "update", "type": "instance", "info": {"project": "demo", "name": "web",
            "backend": {"entities": ["10.10.0.13:8080"]}}}),
        json!({"action": "delete", "type": "instance", "info": {"project": "demo", "name": "web"}}),
    ];
    for s in samples {
        let parsed: Result<EnvelopeRequest, _> = serde_json::from_value(s.clone());
        assert!(parsed.is_ok(), "{s} does not match the contract: {parsed:?}");
    }
    let wrong = json!({"action": "create", "type": "project", "info": {"nom": "demo"}});
    assert!(serde_json::from_value::<EnvelopeRequest>(wrong).is_err());
}

/// One error renderer: a refused envelope carries what a refused REST call carries — the
/// challenge on a 401 — and the fail reply's `info` is the request's object or null.
#[tokio::test]
async fn envelope_errors_render_like_rest() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = TestApp::new().await;
    for path in ["/v1/requests", "/v1/projects"] {
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("authorization", "Bearer lbt_wrong")
            .body(Body::from(r#"{"action": "info", "type": "project", "info": "x"}"#))
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(resp.headers()["www-authenticate"], "Bearer", "{path}");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(code(&v), "unauthorized", "{path}: {v}");
        if path == "/v1/requests" {
            assert_eq!(v["info"], serde_json::Value::Null, "a non-object info is not echoed");
        }
    }
}

/// The project sample the first users start from, sent exactly as written: a human name becomes
/// the display name with a DNS label derived from it; either finds the project; `user` must be
/// the token's tenant; `type` and an empty `instances` are accepted.
#[tokio::test]
async fn the_sample_project_payload_works_verbatim() {
    let app = TestApp::new().await;
    let t = app.tenant("john").await;
    let sample = r#"{"action": "create", "type": "project", "info":
        {"type": "project", "user": "john", "name": "john's project", "instances": []}}"#;
    let (s, v) = app.raw(Method::POST, "/v1/requests", Some(&t), Body::from(sample)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["info"]["name"], "johns-project");
    assert_eq!(v["info"]["display_name"], "john's project");

    for key in ["john's project", "johns-project"] {
        let (s, v) = app.envelope(&t, "info", "project", json!({"name": key})).await;
        assert_eq!((s, v["info"]["name"].as_str()), (StatusCode::OK, Some("johns-project")), "{v}");
    }
    let (s, v) = app.call(Method::GET, "/v1/projects/john's%20project", &t, None).await;
    assert_eq!((s, v["name"].as_str()), (StatusCode::OK, Some("johns-project")), "{v}");

    // An instance in it, addressed by the display name: its DNS name uses the label.
    let inst = seed_instance("john's project", "web");
    let (s, v) = app.envelope(&t, "create", "instance", inst).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["info"]["url"], "http://web.johns-project.john.lbaas.test/");

    // The same display name, or another deriving the same label: 409.
    for name in ["john's project", "johns project"] {
        let (s, v) = app.envelope(&t, "create", "project", json!({"name": name})).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_exists"), "{name}: {v}");
    }
    let (s, v) = app
        .envelope(&t, "create", "project", json!({"user": "mary", "name": "marys-project"}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "user_mismatch"), "{v}");
    let (s, v) = app
        .envelope(&t, "create", "project", json!({"name": "other", "instances": [{"name": "x"}]}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_field"), "{v}");
    let (s, v) =
        app.envelope(&t, "create", "project", json!({"name": "other", "type": "instance"})).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_field"), "{v}");
}
