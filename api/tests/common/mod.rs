//! Test harness: a fresh database per test on the throwaway cluster `make test` starts, the real
//! router, and requests through `tower::ServiceExt::oneshot` (no socket needed).

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const ADMIN: &str = "lbt_test_admin_token";

pub struct TestApp {
    pub router: Router,
    pub db: sqlx::PgPool,
    /// `GET /metrics` of this app, as `--metrics-listen` serves it.
    pub metrics: Router,
    pub read_cache: Arc<lbaas_api::read_cache::ReadCache>,
}

pub fn admin_url() -> String {
    std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`")
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_read_cache(Duration::ZERO).await
    }

    /// With the hot reads cached for `ttl` (`read_cache.rs`); `new` caches nothing, so tests
    /// that write rows behind the API's back read them at once.
    pub async fn with_read_cache(ttl: Duration) -> TestApp {
        // Internal errors are logged, not returned: a failing test shows them.
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn").try_init();
        let (db, _) = lbaas_db::testing::fresh_database(&admin_url()).await.expect("test database");
        lbaas_db::token::token_ensure_admin(&db, ADMIN).await.unwrap();
        let (metrics, registry) = lbaas_api::metrics::ApiMetrics::new();
        let exposition = lbaas_metrics::router(registry, vec![metrics.refresh_db(db.clone())]);
        let read_cache = Arc::new(lbaas_api::read_cache::ReadCache::new(ttl));
        read_cache.start(db.clone());
        let app = lbaas_api::App {
            db: db.clone(),
            zone: "lbaas.test".into(),
            assets_dir: Arc::new("/nonexistent".into()),
            ui_assets_dir: Arc::new("/nonexistent".into()),
            auth_cache: Arc::default(),
            reads: lbaas_db::lease::Leases::for_pool(&db, 4),
            metrics,
            events: lbaas_api::stream::EventBus::start(db.clone()),
            read_cache: read_cache.clone(),
            secrets: Some(
                lbaas_certs::SecretBox::from_hex(&lbaas_certs::SecretBox::generate_hex()).unwrap(),
            ),
        };
        TestApp { router: lbaas_api::router(app), db, metrics: exposition, read_cache }
    }

    /// The metrics exposition text.
    pub async fn scrape(&self) -> String {
        let req = Request::get("/metrics").body(Body::empty()).unwrap();
        let resp = self.metrics.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, v)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        self.raw(method, path, Some(token), body).await
    }

    pub async fn envelope(
        &self,
        token: &str,
        action: &str,
        kind: &str,
        info: Value,
    ) -> (StatusCode, Value) {
        let body = serde_json::json!({"action": action, "type": kind, "info": info});
        self.call(Method::POST, "/v1/requests", token, Some(body)).await
    }

    /// Creates a tenant and returns its token.
    pub async fn tenant(&self, name: &str) -> String {
        let (s, v) = self
            .call(Method::POST, "/v1/tenants", ADMIN, Some(serde_json::json!({"name": name})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["token"].as_str().unwrap().to_string()
    }
}

/// The seed's example instance.
pub fn seed_instance(project: &str, name: &str) -> Value {
    serde_json::json!({
        "project": project, "name": name, "traffic_type": "http", "subnet": "10.10.0.0/24",
        "backend": {"entities": ["10.10.0.11:8080", "http://10.10.0.12:8080/"],
                    "health-check": {"protocol": "HTTP", "port": 8080, "request-path": "/healthz",
                                     "criteria": {"interval": 5, "timeout": 5,
                                                  "health-threshold": 2, "unhealth-threshold": 2}},
                    "auto-scaling": true}
    })
}

pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no code>")
}
