//! The local admin endpoint: the heartbeat's statistics as JSON, for an operator on the node
//! (`curl 127.0.0.1:9901/stats`) rather than for the controller.
//!
//! Invariants: it binds a loopback address only, never the VIP or the listeners' addresses
//! (the data plane faces tenants' clients; statistics name members and addresses), and it is off
//! unless `--admin-listen` is given. It runs on the control runtime, not on the traffic workers,
//! and reading it does not disturb the heartbeat's windows (quantiles are not decayed, rates have
//! their own window: the rate between two reads of the endpoint).
//!
//! Routes: `GET /stats` (JSON, [`Stats`]), `GET /healthz` (`ok`). Anything else is 404/405.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use lbaas_proto::{Heartbeat, Protocol};
use serde::Serialize;
use tokio::net::TcpListener;
use tracing::Instrument as _;

use crate::cache::CacheStats;
use crate::Agent;

/// What `GET /stats` returns: the heartbeat's fields at the top level, plus the node name and
/// one entry per listener.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub node: String,
    #[serde(flatten)]
    pub heartbeat: Heartbeat,
    pub listeners: Vec<ListenerStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListenerStats {
    pub name: String,
    pub port: u16,
    pub protocol: Protocol,
    /// Client connections open on it now.
    pub connections: u64,
    /// Member ids, in config order: the default pool's, then each L7 pool's (their statistics
    /// are in `members`).
    pub members: Vec<String>,
    /// `null` when the listener does not cache.
    pub cache: Option<CacheStats>,
}

/// Binds the admin socket; refuses anything but a loopback address.
pub(crate) async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    // TODO-security: no authentication; loopback inside a single-purpose VM is the boundary.
    if !addr.ip().is_loopback() {
        bail!(
            "admin endpoint {addr}: only a loopback address is allowed (it must not face the VIP)"
        );
    }
    let l = TcpListener::bind(addr).await.with_context(|| format!("bind admin endpoint {addr}"))?;
    tracing::info!(addr = %l.local_addr()?, "admin endpoint listening");
    Ok(l)
}

pub(crate) async fn serve(agent: Arc<Agent>, socket: TcpListener) {
    loop {
        let (stream, peer) = match socket.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let agent = agent.clone();
        tokio::spawn(
            async move {
                let svc = hyper::service::service_fn(move |req| {
                    let agent = agent.clone();
                    async move { Ok::<_, Infallible>(route(&agent, req).await) }
                });
                let res = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
                if let Err(e) = res {
                    tracing::debug!(%peer, error = %e, "admin connection ended with error");
                }
            }
            .in_current_span(),
        );
    }
}

async fn route<B>(agent: &Agent, req: Request<B>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
    }
    match req.uri().path() {
        "/stats" => {
            let body = serde_json::to_vec_pretty(&agent.stats().await)
                .expect("statistics serialize to JSON");
            let mut r = Response::new(Full::new(Bytes::from(body)));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        "/healthz" => text(StatusCode::OK, "ok\n"),
        _ => text(StatusCode::NOT_FOUND, "not found; try /stats\n"),
    }
}

fn text(status: StatusCode, msg: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(msg.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}
