//! `lbaas-api`: the REST API and the JSON envelope. `main.rs` parses flags and calls [`run`];
//! tests call [`router`] with a pool of their own, or [`serve`] on `127.0.0.1:0`.
//!
//! The API writes desired state to PostgreSQL and nothing else: it never talks to libvirt,
//! netlink or DNS. Migrations run here at start-up (one writer of schema).

use lbaas_common::ErrorCode;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod auth;
pub mod envelope;
pub mod error;
pub mod metrics;
pub mod read_cache;
pub mod rest;
pub mod service;
pub mod stream;

/// Shared state of every handler.
#[derive(Clone)]
pub struct App {
    pub db: PgPool,
    /// The DNS zone load balancers are named in (`lbaas.test`).
    pub zone: Arc<str>,
    /// Where the vendored API-page assets are (`swagger-ui-dist`), fetched at set-up.
    pub assets_dir: Arc<PathBuf>,
    /// Where the dashboard's vendored chart library is (`uplot`), fetched at set-up.
    pub ui_assets_dir: Arc<PathBuf>,
    pub auth_cache: Arc<auth::AuthCache>,
    /// Connections for the hot reads: one round trip per query (`lbaas_db::lease`).
    pub reads: Arc<lbaas_db::lease::Leases>,
    pub metrics: Arc<metrics::ApiMetrics>,
    /// New events' tenants, for the event streams (`stream.rs`).
    pub events: Arc<stream::EventBus>,
    /// The hot reads' answers for a moment, dropped on any change (`read_cache.rs`).
    pub read_cache: Arc<read_cache::ReadCache>,
    /// Seals uploaded private keys; `None`: certificate uploads are refused (503).
    pub secrets: Option<lbaas_certs::SecretBox>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub zone: String,
    /// A file holding the operator's token; its hash is made valid at start-up.
    pub admin_token_file: Option<PathBuf>,
    pub assets_dir: PathBuf,
    pub ui_assets_dir: PathBuf,
    /// Where `GET /metrics` is served (loopback); `None`: nowhere.
    pub metrics_listen: Option<SocketAddr>,
    /// The operator's key for private keys at rest (64 hex digits); `None`: no uploads.
    pub secret_key_file: Option<PathBuf>,
    /// How long the hot reads' answers are kept (`read_cache.rs`); zero: not at all.
    pub read_cache_ttl: std::time::Duration,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "lbaas", description = "Load-Balancer-as-a-Service control plane API. \
        Authenticate with `Authorization: Bearer <token>`."),
    modifiers(&BearerAuth),
    // Bodies named only by response types (`IntoResponses`), which utoipa does not collect.
    components(schemas(envelope::EnvelopeResponse, lbaas_common::types::ErrorBody)),
    tags(
        (name = "envelope", description = "The action/type JSON envelope: \
            `{\"action\": \"create|info|update|delete\", \"type\": \"project|instance\", \"info\": {…}}`"),
        (name = "tenants", description = "Tenant administration and the fleet: hypervisors, warm pools, every node (admin token)"),
        (name = "load-balancers", description = "Load balancers (instances)"),
        (name = "certificates", description = "TLS certificates for HTTPS listeners; private keys are stored encrypted and never returned"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Every API route, registered together with its spec entry.
fn api_router() -> OpenApiRouter<App> {
    use rest::*;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(envelope::envelope_post, envelope::envelope_get))
        .routes(routes!(tenant_list, tenant_create))
        .routes(routes!(hypervisor_list, hypervisor_create))
        .routes(routes!(hypervisor_view, hypervisor_update, hypervisor_delete))
        .routes(routes!(fleet_node_list))
        .routes(routes!(failover_breaker_view))
        .routes(routes!(failover_breaker_resume))
        .routes(routes!(tenant_view, tenant_update, tenant_delete))
        .routes(routes!(token_list, token_create))
        .routes(routes!(token_delete))
        .routes(routes!(project_list, project_create))
        .routes(routes!(project_view, project_update, project_delete))
        .routes(routes!(subnet_list, subnet_create))
        .routes(routes!(subnet_view, subnet_update, subnet_delete))
        .routes(routes!(load_balancer_list, load_balancer_create))
        .routes(routes!(load_balancer_view, load_balancer_update, load_balancer_delete))
        .routes(routes!(listener_list, listener_create))
        .routes(routes!(listener_view, listener_update, listener_delete))
        .routes(routes!(listener_policy_list, listener_policy_create))
        .routes(routes!(listener_policy_view, listener_policy_update, listener_policy_delete))
        .routes(routes!(certificate_list, certificate_create))
        .routes(routes!(certificate_view, certificate_update, certificate_delete))
        .routes(routes!(pool_list, pool_create))
        .routes(routes!(pool_view, pool_update, pool_delete))
        .routes(routes!(member_list, member_create))
        .routes(routes!(member_view, member_update, member_delete))
        .routes(routes!(node_list))
        .routes(routes!(node_view))
        .routes(routes!(event_list))
}

/// The OpenAPI document, as checked in at `openapi/lbaas.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().expect("spec serializes");
    s.push('\n');
    s
}

pub fn router(app: App) -> Router {
    let (api, spec) = api_router().split_for_parts();
    let spec = Arc::new(spec);
    api.route("/v1/openapi.json", get(move || async move { Json(spec.as_ref().clone()) }))
        .route("/ui", get(|| async { Html(UI_HTML) }))
        .route("/ui/", get(|| async { Html(UI_HTML) }))
        .route("/ui/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], UI_JS) }))
        .route("/ui/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], UI_CSS) }))
        .route("/ui/vendor/{file}", get(ui_asset))
        .route("/docs", get(docs_page))
        .route("/docs/{file}", get(docs_asset))
        .route("/v1/events/stream", get(stream::event_stream))
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(app.read_cache.clone(), flush_after_writes))
        .layer(axum::middleware::from_fn_with_state(app.metrics.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(error::BODY_LIMIT))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id =
                req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
            // The project is known from the path for REST; the envelope records it from its
            // body once parsed.
            let project = req
                .uri()
                .path()
                .strip_prefix("/v1/projects/")
                .map(|rest| rest.split('/').next().unwrap_or_default().to_string());
            let span = tracing::info_span!("request", method = %req.method(),
                    path = %req.uri().path(), request_id = %id, tenant = tracing::field::Empty,
                    project = tracing::field::Empty);
            if let Some(p) = project {
                span.record("project", p.as_str());
            }
            span
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(app)
}

/// A REST request that may write (any method but GET and HEAD) flushes the read cache once
/// done, before its answer leaves: whoever wrote reads it back at once. A refused one (4xx)
/// wrote nothing and flushes nothing, so requests that fail cannot empty the cache. (The
/// envelope, which writes through GET too, flushes by its action: `envelope::handle`.)
async fn flush_after_writes(
    State(cache): State<Arc<read_cache::ReadCache>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let writes = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD)
        && req.uri().path() != "/v1/requests";
    let resp = next.run(req).await;
    if writes && !resp.status().is_client_error() {
        cache.flush();
    }
    resp
}

async fn not_found() -> Response {
    error::ApiError(lbaas_common::Error::not_found("path", "requested")).into_response()
}

async fn method_not_allowed() -> Response {
    let message = "this path does not accept that method";
    error::ApiError(lbaas_common::Error::invalid(ErrorCode::MethodNotAllowed, message))
        .into_response()
}

const DOCS_HTML: &str = r##"<!doctype html>
<html><head><meta charset="utf-8"><title>lbaas API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#ui"});</script></body></html>"##;

async fn docs_page(State(app): State<App>) -> Response {
    if !app.assets_dir.join("swagger-ui-bundle.js").exists() {
        let msg = format!(
            "API page assets are missing from {}; run `make setup` (it vendors swagger-ui-dist). \
             The spec itself is at /v1/openapi.json.",
            app.assets_dir.display()
        );
        return (StatusCode::SERVICE_UNAVAILABLE, msg).into_response();
    }
    Html(DOCS_HTML).into_response()
}

/// The dashboard (ARCHITECTURE §11): a page of our own on the public API, compiled in.
const UI_HTML: &str = include_str!("../ui/index.html");
const UI_JS: &str = include_str!("../ui/app.js");
const UI_CSS: &str = include_str!("../ui/app.css");

async fn ui_asset(
    State(app): State<App>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    const FILES: &[(&str, &str)] =
        &[("uPlot.iife.min.js", "text/javascript"), ("uPlot.min.css", "text/css")];
    vendored(&app.ui_assets_dir, &file, FILES).await
}

async fn docs_asset(
    State(app): State<App>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    const FILES: &[(&str, &str)] =
        &[("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css")];
    vendored(&app.assets_dir, &file, FILES).await
}

/// A vendored file, by exact name from `files` (name, type): no path from the client reaches
/// the disk.
async fn vendored(dir: &std::path::Path, file: &str, files: &[(&str, &'static str)]) -> Response {
    let Some((_, mime)) = files.iter().find(|(name, _)| *name == file) else {
        return not_found().await;
    };
    match tokio::fs::read(dir.join(file)).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static(mime))], bytes).into_response()
        }
        Err(_) => not_found().await,
    }
}

/// Hot-read connections, beside the pool's 32 for everything else: enough for the 16 clients of
/// `bench/api.sh` to never wait for one.
pub const READ_CONNECTIONS: usize = 16;

/// Connects, migrates, installs the admin token, serves until SIGINT/SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let db = lbaas_db::connect(&config.database_url, 32).await?;
    lbaas_db::migrate(&db).await?;
    if let Some(path) = &config.admin_token_file {
        let secret = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("read admin token file {}: {e}", path.display()))?;
        lbaas_db::token::token_ensure_admin(&db, secret.trim()).await?;
    }
    let (metrics, registry) = metrics::ApiMetrics::new();
    if let Some(listen) = config.metrics_listen {
        lbaas_metrics::serve(listen, registry, vec![metrics.refresh_db(db.clone())]).await?;
    }
    let secrets = match &config.secret_key_file {
        Some(path) => Some(lbaas_certs::SecretBox::from_file(path)?),
        None => {
            tracing::warn!("no --secret-key-file: certificate uploads will be refused");
            None
        }
    };
    let app = App {
        secrets,
        reads: lbaas_db::lease::Leases::for_pool(&db, READ_CONNECTIONS),
        metrics,
        events: stream::EventBus::start(db.clone()),
        read_cache: {
            let c = Arc::new(read_cache::ReadCache::new(config.read_cache_ttl));
            c.start(db.clone());
            c
        },
        db,
        zone: config.zone.into(),
        assets_dir: Arc::new(config.assets_dir),
        ui_assets_dir: Arc::new(config.ui_assets_dir),
        auth_cache: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "lbaas-api listening");
    serve(listener, app, shutdown_signal()).await
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
