//! The HTTP (layer 7) proxy: a hyper server per client connection (HTTP/1.1 keep-alive or h2),
//! a pooled keep-alive hyper client towards the members, one member pick per request.
//!
//! Contract with clients: `Host` is passed through, `X-Forwarded-For` gets the client address
//! appended, `X-Forwarded-Proto` is set (never trusted from the client), hop-by-hop headers are
//! removed both ways, and every proxied response carries `x-lbaas-member: <member id>`. Failures
//! are answered by the proxy itself: 503 when no member is up, 502 when the member failed, 504
//! when it did not answer in time. A request whose body is empty (every GET/HEAD/DELETE in
//! practice) is retried on another member when the *connect* fails: nothing was sent, so this is
//! safe even for non-idempotent methods. Requests with a body are not buffered for retry, which
//! keeps memory bounded for uploads. `Upgrade` (WebSocket) requests are passed through: on a
//! 101 both upgraded connections are spliced.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::balancer::{ActiveGuard, Pool};
use crate::cache::{Lookup, X_CACHE};
use crate::Shared;

pub(crate) type Body = BoxBody<Bytes, hyper::Error>;
pub(crate) type HttpClient = Client<HttpConnector, Body>;

/// Tries per request when connects fail: enough to step over a dead member or two without
/// turning one client request into a storm of connects.
const MAX_TRIES: usize = 3;

pub(crate) fn client(shared: &crate::Tunables) -> HttpClient {
    let mut conn = HttpConnector::new();
    conn.set_connect_timeout(Some(shared.connect_timeout));
    conn.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(shared.backend_idle_timeout)
        .pool_max_idle_per_host(1024)
        .build(conn)
}

/// Serves one client connection until it closes, or until a drain asks it to finish.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    pool: Arc<ArcSwap<Pool>>,
    shared: Arc<Shared>,
    client: HttpClient,
) {
    let _ = stream.set_nodelay(true);
    let mut drain = shared.drain.subscribe();
    let svc_shared = shared.clone();
    let svc = hyper::service::service_fn(move |req| {
        let (pool, shared, client) = (pool.clone(), svc_shared.clone(), client.clone());
        async move { Ok::<_, Infallible>(proxy(req, peer, &pool, &shared, &client).await) }
    });
    let conn = shared.server.serve_connection_with_upgrades(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    let res = tokio::select! {
        res = conn.as_mut() => res,
        _ = drain_started(&mut drain) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = res {
        tracing::debug!(%peer, error = %e, "client connection ended with error");
    }
}

/// Resolves once a drain has started (never, if the agent goes away first).
async fn drain_started(drain: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *drain.borrow_and_update() {
            return;
        }
        if drain.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn proxy(
    mut req: Request<Incoming>,
    peer: SocketAddr,
    pool: &ArcSwap<Pool>,
    shared: &Shared,
    client: &HttpClient,
) -> Response<Body> {
    shared.node.requests_total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let pool = pool.load_full();
    let upgrade = upgrade_protocol(req.headers());
    let client_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    prepare_request_headers(&mut parts.headers, &parts.uri, peer, upgrade.as_ref());
    let retryable = body.is_end_stream();
    // Looked up before the members: a fresh entry is served even when no member is up.
    let mut fill = None;
    if let (Some(cache), true) = (&pool.cache, retryable && upgrade.is_none()) {
        match cache.lookup(&parts, &shared.node) {
            Lookup::Hit(resp) => return resp,
            Lookup::Miss(key) => fill = Some(key),
            Lookup::Bypass => {}
        }
    }
    if !pool.any_up() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "no member is up");
    }
    let mut body = Some(body.boxed());
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();

    let mut tried = Vec::new();
    loop {
        let Some(i) = pool.pick(&tried) else {
            return error(StatusCode::BAD_GATEWAY, "no member could be reached");
        };
        tried.push(i);
        let m = &pool.members[i];
        let uri: Uri = match format!("http://{}{}", m.addr, path).parse() {
            Ok(u) => u,
            Err(_) => return error(StatusCode::BAD_REQUEST, "bad request target"),
        };
        let b = if retryable { empty() } else { body.take().unwrap_or_else(empty) };
        let mut out = Request::new(b);
        *out.method_mut() = parts.method.clone();
        *out.uri_mut() = uri;
        // Members speak HTTP/1.1 whatever the client spoke; the pool multiplexes by keep-alive.
        *out.version_mut() = Version::HTTP_11;
        *out.headers_mut() = parts.headers.clone();

        let active = m.state.begin();
        let start = Instant::now();
        let res = tokio::time::timeout(shared.tunables.response_timeout, client.request(out)).await;
        let elapsed = start.elapsed();
        match res {
            Err(_) => {
                m.state.record_failure(elapsed, &pool.policy);
                tracing::debug!(member = %m.config.id, "member timed out");
                return error(StatusCode::GATEWAY_TIMEOUT, "member did not answer in time");
            }
            Ok(Err(e)) if e.is_connect() => {
                m.state.record_failure(elapsed, &pool.policy);
                tracing::debug!(member = %m.config.id, error = %e, "connect to member failed");
                if retryable && tried.len() < MAX_TRIES {
                    continue;
                }
                return error(StatusCode::BAD_GATEWAY, "member could not be reached");
            }
            Ok(Err(e)) => {
                m.state.record_failure(elapsed, &pool.policy);
                tracing::debug!(member = %m.config.id, error = %e, "member request failed");
                return error(StatusCode::BAD_GATEWAY, "member failed");
            }
            Ok(Ok(mut resp)) => {
                if resp.status().is_server_error() {
                    m.state.record_failure(elapsed, &pool.policy);
                } else {
                    m.state.record_success(elapsed);
                }
                let switching = resp.status() == StatusCode::SWITCHING_PROTOCOLS;
                if let (true, Some(client_up)) = (switching, client_upgrade) {
                    let member_up = hyper::upgrade::on(&mut resp);
                    let id = m.config.id.clone();
                    let idle = shared.tunables.tunnel_idle_timeout;
                    tokio::spawn(async move {
                        let _active = active;
                        match tokio::try_join!(client_up, member_up) {
                            Ok((c, b)) => {
                                let (mut c, mut b) = (TokioIo::new(c), TokioIo::new(b));
                                let _ = crate::tcp::splice(&mut c, &mut b, idle).await;
                            }
                            Err(e) => tracing::debug!(member = %id, error = %e, "upgrade failed"),
                        }
                    });
                    let (mut p, _) = resp.into_parts();
                    strip_hop_by_hop(&mut p.headers);
                    p.headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
                    if let Some(u) = upgrade {
                        p.headers.insert(header::UPGRADE, u);
                    }
                    add_member_header(&mut p.headers, &m.config.id);
                    return Response::from_parts(p, empty());
                }
                let (mut p, b) = resp.into_parts();
                strip_hop_by_hop(&mut p.headers);
                add_member_header(&mut p.headers, &m.config.id);
                let mut body = Tracked { inner: b, _active: active }.boxed();
                if let Some(cache) = &pool.cache {
                    p.headers.insert(X_CACHE, HeaderValue::from_static("MISS"));
                    if let Some(key) = fill {
                        body = cache.admit(key, &parts.headers, p.status, &p.headers, body);
                    }
                }
                return Response::from_parts(p, body);
            }
        }
    }
}

/// The `Upgrade` value when the client asks for a protocol switch (`Connection: upgrade`).
fn upgrade_protocol(h: &HeaderMap) -> Option<HeaderValue> {
    let asks = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if asks {
        h.get(header::UPGRADE).cloned()
    } else {
        None
    }
}

fn prepare_request_headers(
    h: &mut HeaderMap,
    uri: &Uri,
    peer: SocketAddr,
    upgrade: Option<&HeaderValue>,
) {
    strip_hop_by_hop(h);
    if let Some(u) = upgrade {
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, u.clone());
    }
    // h2 clients carry the host in :authority; members expect a Host header.
    if !h.contains_key(header::HOST) {
        if let Some(v) = uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
            h.insert(header::HOST, v);
        }
    }
    let ip = peer.ip().to_canonical().to_string();
    let xff = match h.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prev) => format!("{prev}, {ip}"),
        None => ip,
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        h.insert("x-forwarded-for", v);
    }
    h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
}

/// Removes the RFC 9110 §7.6.1 connection-specific headers and any header named in `Connection`.
fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    for n in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        h.remove(n);
    }
}

fn add_member_header(h: &mut HeaderMap, id: &str) {
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert("x-lbaas-member", v);
    }
}

fn empty() -> Body {
    Empty::<Bytes>::new().map_err(|never| match never {}).boxed()
}

fn error(status: StatusCode, msg: &'static str) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from_static(msg.as_bytes())).map_err(|n| match n {}).boxed(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// A member's response body that keeps the member's `active` count until the body is fully sent
/// (or the client goes away), so least-connections sees streaming responses as load.
struct Tracked {
    inner: Incoming,
    _active: ActiveGuard,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_headers_are_rewritten() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("keep-alive, x-hop"));
        h.insert("x-hop", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("host", HeaderValue::from_static("web.example"));
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.9"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let peer: SocketAddr = "[::ffff:127.0.0.1]:4000".parse().unwrap();
        prepare_request_headers(&mut h, &Uri::from_static("/x"), peer, None);
        assert!(h.get("x-hop").is_none() && h.get("connection").is_none());
        assert!(h.get("keep-alive").is_none());
        assert_eq!(h["host"], "web.example");
        assert_eq!(h["x-forwarded-for"], "10.0.0.9, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
    }

    #[test]
    fn upgrade_requests_keep_their_upgrade() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("Upgrade"));
        h.insert("upgrade", HeaderValue::from_static("websocket"));
        let up = upgrade_protocol(&h);
        assert_eq!(up.as_ref().unwrap(), "websocket");
        prepare_request_headers(
            &mut h,
            &Uri::from_static("/"),
            "1.2.3.4:5".parse().unwrap(),
            up.as_ref(),
        );
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
    }
}
