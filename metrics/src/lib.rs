//! Prometheus metrics (ARCHITECTURE §12). Each process builds its own metric families into a
//! [`Registry`] and serves them with [`serve`] on a loopback port of its own (`--metrics-listen`),
//! never on the API's public port. The text is written by `prometheus-client` (OpenMetrics
//! exposition), nothing is hand-formatted.
//!
//! Label cardinality is bounded by construction: route templates (not paths), fixed outcome
//! words, object states from the CHECK constraints, and per-load-balancer series only for what
//! exists (they are rebuilt from the current state, so a deleted load balancer's series go).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
pub use prometheus_client::registry::Registry;

/// Histogram buckets for request and call latencies, seconds: 0.5 ms to ~16 s.
pub fn latency_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 16)
}

/// Runs just before each scrape: sets gauges read from elsewhere (a pool's size, a map's length).
pub type Refresh = Box<dyn Fn() + Send + Sync>;

#[derive(Clone)]
struct Exposition {
    registry: Arc<Mutex<Registry>>,
    refresh: Arc<Vec<Refresh>>,
}

/// The router with `GET /metrics`, for tests and for [`serve`].
pub fn router(registry: Registry, refresh: Vec<Refresh>) -> Router {
    let state = Exposition { registry: Arc::new(Mutex::new(registry)), refresh: Arc::new(refresh) };
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(axum::extract::State(e): axum::extract::State<Exposition>) -> Response {
    for r in e.refresh.iter() {
        r();
    }
    let mut body = String::new();
    if let Err(err) = encode(&mut body, &e.registry.lock().unwrap()) {
        tracing::error!(error = %err, "encode metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body)
        .into_response()
}

/// `--metrics-listen`: an address, or `off`.
pub fn parse_listen(s: &str) -> anyhow::Result<Option<SocketAddr>> {
    if s == "off" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|e| {
        anyhow::anyhow!("--metrics-listen {s:?}: an address like 127.0.0.1:9101, or off ({e})")
    })
}

/// Serves `GET /metrics` on `listen` until the process ends. Binding fails loudly: an operator
/// who asked for metrics on a port wants to know it is taken.
pub async fn serve(
    listen: SocketAddr,
    registry: Registry,
    refresh: Vec<Refresh>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("bind metrics endpoint {listen}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "metrics at /metrics");
    let app = router(registry, refresh);
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics endpoint stopped");
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use prometheus_client::metrics::counter::Counter;
    use tower::ServiceExt;

    #[tokio::test]
    async fn scrapes_refresh_then_encode() {
        let mut reg = Registry::with_prefix("lbaas_test");
        let c: Counter = Counter::default();
        reg.register("things", "Things seen", c.clone());
        let c2 = c.clone();
        let app = router(
            reg,
            vec![Box::new(move || {
                c2.inc();
            })],
        );
        let req = axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
        let res = app.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        assert!(text.contains("lbaas_test_things_total 1"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
