//! The API's Prometheus series: requests by route template, method and status; latency by
//! route and method; the database pool's connections. Served on `--metrics-listen`, not here.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use lbaas_metrics::{Refresh, Registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

fn histogram() -> Histogram {
    Histogram::new(lbaas_metrics::latency_buckets())
}

pub struct ApiMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    db: Family<StateLabels, Gauge>,
}

impl ApiMetrics {
    pub fn new() -> (Arc<ApiMetrics>, Registry) {
        let mut reg = Registry::with_prefix("lbaas_api");
        let m = ApiMetrics {
            requests: Family::default(),
            duration: Family::new_with_constructor(histogram),
            db: Family::default(),
        };
        reg.register("requests", "HTTP requests answered", m.requests.clone());
        reg.register(
            "request_duration_seconds",
            "Time to answer a request, from routing to the response head",
            m.duration.clone(),
        );
        reg.register("db_connections", "Database pool connections by state", m.db.clone());
        (Arc::new(m), reg)
    }

    /// Sets the pool gauges at each scrape.
    pub fn refresh_db(self: &Arc<Self>, db: sqlx::PgPool) -> Refresh {
        let m = self.clone();
        Box::new(move || {
            let (size, idle) = (i64::from(db.size()), db.num_idle() as i64);
            m.db.get_or_create(&StateLabels { state: "idle" }).set(idle);
            m.db.get_or_create(&StateLabels { state: "in_use" }).set(size - idle);
        })
    }
}

/// Middleware: one count and one latency sample per request. The route is the template
/// (`/v1/projects/{project}`), never the path, so label values stay bounded; a path that matched
/// no route counts as `unmatched`.
pub async fn track(State(m): State<Arc<ApiMetrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    m.duration
        .get_or_create(&RouteLabels { route: route.clone(), method: method.clone() })
        .observe(start.elapsed().as_secs_f64());
    m.requests.get_or_create(&RequestLabels { route, method, status }).inc();
    res
}
