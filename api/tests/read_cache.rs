//! The hot reads' cache (`read_cache.rs`): answers come from memory, and no write, through this
//! API or behind its back, is missed.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::*;
use lbaas_api::read_cache::{Key, Kind};
use serde_json::{json, Value};

const LB: &str = "/v1/projects/demo/load-balancers/web";

/// The load balancer's REST view.
async fn rest(app: &TestApp, t: &str) -> Value {
    let (s, v) = app.call(Method::GET, LB, t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The envelope's instance info.
async fn info(app: &TestApp, t: &str) -> Value {
    let (s, v) =
        app.envelope(t, "info", "instance", json!({"project": "demo", "name": "web"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["info"].clone()
}

/// `status_reason` as both reads answer it.
async fn reasons(app: &TestApp, t: &str) -> (Value, Value) {
    (rest(app, t).await["status_reason"].clone(), info(app, t).await["status_reason"].clone())
}

/// `auto_scaling` as both reads answer it.
async fn autoscaling(app: &TestApp, t: &str) -> (Value, Value) {
    (
        rest(app, t).await["auto_scaling"].clone(),
        info(app, t).await["backend"]["auto-scaling"].clone(),
    )
}

#[tokio::test]
async fn cached_reads_follow_every_write() {
    // A TTL far longer than the test: only a flush can make an answer change.
    let app = TestApp::with_read_cache(Duration::from_secs(600)).await;
    let t = app.tenant("acme").await;
    let (s, v) = app.envelope(&t, "create", "project", json!({"name": "demo"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.envelope(&t, "create", "instance", seed_instance("demo", "web")).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let started = Instant::now();
    while app.read_cache.begin().is_none() {
        assert!(started.elapsed() < Duration::from_secs(10), "the change listener never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Served from memory: a change nobody announces is not seen. (The create's own
    // notifications may still be arriving and flushing: read until both answers are kept.)
    let (tenant,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM tenant WHERE name = 'acme'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let key = |kind| Key { kind, tenant, project: "demo".into(), name: "web".into() };
    let started = Instant::now();
    let before = loop {
        let before = reasons(&app, &t).await;
        let cache = &app.read_cache;
        if cache.get(&key(Kind::LoadBalancer)).is_some()
            && cache.get(&key(Kind::Instance)).is_some()
        {
            break before;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the answers were never kept");
    };
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("ALTER TABLE load_balancer DISABLE TRIGGER load_balancer_notify")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE load_balancer SET status_reason = 'quiet'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE load_balancer ENABLE TRIGGER load_balancer_notify")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(reasons(&app, &t).await, before, "answered from the cache");

    // A write behind the API's back (as the controller makes): its notification flushes.
    sqlx::query("UPDATE load_balancer SET status_reason = 'by the controller'")
        .execute(&app.db)
        .await
        .unwrap();
    let started = Instant::now();
    let want = (json!("by the controller"), json!("by the controller"));
    while reasons(&app, &t).await != want {
        assert!(started.elapsed() < Duration::from_secs(10), "the notification did not flush");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A write through this API is read back at once, REST and envelope alike.
    assert_eq!(autoscaling(&app, &t).await, (json!(true), json!(true)));
    let (s, v) = app.call(Method::PATCH, LB, &t, Some(json!({"auto_scaling": false}))).await;
    assert!(s.is_success(), "{s} {v}");
    assert_eq!(autoscaling(&app, &t).await, (json!(false), json!(false)));
    let (s, v) = app
        .envelope(
            &t,
            "update",
            "instance",
            json!({"project": "demo", "name": "web",
            "backend": {"auto-scaling": true}}),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    assert_eq!(autoscaling(&app, &t).await, (json!(true), json!(true)));

    // Another tenant never gets this tenant's cached answer; a bad request is still refused.
    let other = app.tenant("other").await;
    let (s, _) = app.call(Method::GET, LB, &other, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .envelope(&t, "info", "instance", json!({"project": "demo", "name": "web", "extra": 1}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}
