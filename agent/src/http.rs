//! The HTTP (layer 7) proxy: a hyper server per client connection (HTTP/1.1 keep-alive or h2,
//! in clear or behind the TLS an HTTPS listener terminated), pooled keep-alive HTTP/1.1
//! connections towards the members ([`crate::upstream`]), one member pick per request. Every
//! connection starts on the HTTP/1.1 fast path ([`crate::h1`]), which serves plain requests
//! itself and hands the connection here at the first one it does not take (ARCHITECTURE §15).
//!
//! Per request, the listener's L7 policies ([`crate::l7`]) run first, when it has any: they may
//! answer the request themselves (redirect, reject, the HTTPS redirect of an HTTP listener) or
//! choose one of the listener's L7 pools instead of the default one; then the response cache,
//! then the member pick in the chosen pool.
//!
//! Contract with clients: `Host` is passed through (a request with two is a 400),
//! `X-Forwarded-For` gets the client address appended, `X-Forwarded-Proto` is set to the
//! listener's scheme, `http` or `https` (never trusted from the client), hop-by-hop headers are
//! removed both ways, and every proxied response carries `x-lbaas-member: <member id>`. Failures are answered by the proxy itself: 503 when no member is
//! up, 502 when the member failed, 504 when it did not answer in time. A request is retried on
//! another member when the *connect* fails, and on a fresh connection when a pooled one turns out
//! closed before anything was written: nothing was sent either way (a body is read only once a
//! connection takes it), so this is safe even for non-idempotent methods, and nothing is buffered
//! for it. `Upgrade` (WebSocket) requests are passed through: on a 101 both upgraded connections
//! are spliced.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::balancer::{ActiveGuard, Member};
use crate::body::{self, empty, Body};
use crate::cache::{Lookup, X_CACHE};
use crate::h1;
use crate::l7::Decision;
use crate::route::{Route, Scheme};
use crate::upstream::{Lease, Upstream};
use crate::{drain_started, Shared};

pub(crate) type HttpClient = Upstream;

/// Tries per request when connects fail: enough to step over a dead member or two without
/// turning one client request into a storm of connects.
const MAX_TRIES: usize = 3;

pub(crate) fn client(t: &crate::Tunables) -> HttpClient {
    Upstream::new(t.connect_timeout, t.backend_idle_timeout)
}

/// Serves one client connection (TCP, or TLS over it) until it closes, or until a drain asks it
/// to finish.
pub(crate) async fn serve<S>(
    stream: S,
    peer: SocketAddr,
    scheme: Scheme,
    route: Arc<ArcSwap<Route>>,
    shared: Arc<Shared>,
    client: HttpClient,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Formatted once per connection rather than per request.
    let peer_ip = client_ip_header(peer);
    // Plain HTTP/1.1 requests take the fast path; the first one that needs more hands the
    // connection (with what was read of it) to hyper below for the rest of its life.
    let cx =
        h1::Conn { peer_ip: &peer_ip, scheme, route: &route, shared: &shared, client: &client };
    let stream = match h1::serve(stream, cx).await {
        h1::Outcome::Done => return,
        h1::Outcome::Handoff(stream) => stream,
    };
    let mut drain = shared.drain.subscribe();
    let svc_shared = shared.clone();
    let svc = hyper::service::service_fn(move |req| {
        let (route, shared, client) = (route.clone(), svc_shared.clone(), client.clone());
        let peer_ip = peer_ip.clone();
        async move {
            let resp = proxy(req, &peer_ip, scheme, &route, &shared, &client).await;
            Ok::<_, Infallible>(resp)
        }
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

async fn proxy(
    mut req: Request<Incoming>,
    peer_ip: &HeaderValue,
    scheme: Scheme,
    route: &ArcSwap<Route>,
    shared: &Shared,
    client: &Upstream,
) -> Response<Body> {
    shared.node.requests_total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // RFC 9112 §3.2: more than one `Host` is a 400. Rules read the first, a member may read
    // the last: a `Host` policy (deny `admin.example`) would be stepped round with two.
    if req.headers().get_all(header::HOST).iter().nth(1).is_some() {
        return error(StatusCode::BAD_REQUEST, "a request has one Host header, not more");
    }
    let route = route.load_full();
    let mut pool = &route.pool;
    if !route.policies.is_empty() {
        match route.policies.decide(&req) {
            Decision::Default => {}
            Decision::Pool(i) => pool = &route.pools[i],
            Decision::Answer(resp) => return resp,
        }
    }
    let upgrade = upgrade_protocol(req.headers());
    let client_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    prepare_request_headers(&mut parts.headers, &parts.uri, peer_ip, scheme, upgrade.as_ref());
    // Looked up before the members: a fresh entry is served even when no member is up.
    let mut fill = None;
    if let (Some(cache), true) = (&route.cache, body.is_end_stream() && upgrade.is_none()) {
        match cache.lookup(&parts, &shared.node) {
            Lookup::Hit(resp) => return resp,
            Lookup::Miss(key) => fill = Some((key, parts.headers.clone())),
            Lookup::Bypass => {}
        }
    }
    if !pool.any_up() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "no member is up");
    }
    // Members get origin-form targets (`/path?q`); h2 and absolute-form requests carry more.
    if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
        parts.uri = match parts.uri.path_and_query() {
            Some(pq) => Uri::from(pq.clone()),
            None => Uri::from_static("/"),
        };
    }
    // Members speak HTTP/1.1 whatever the client spoke; the pool multiplexes by keep-alive.
    parts.version = Version::HTTP_11;
    // Built once: a connect failure leaves it unsent, so it can go to the next member as is (even
    // with a body, which nothing has read yet).
    let mut out = Some(Request::from_parts(parts, body.boxed()));

    let mut tried = Tried::default();
    let mut stale = 0;
    loop {
        let Some(i) = pool.pick(tried.as_slice()) else {
            return error(StatusCode::BAD_GATEWAY, "no member could be reached");
        };
        let m = &pool.members[i];
        let active = m.state.begin();
        let start = Instant::now();
        let mut lease = match client.checkout(m.addr).await {
            Ok(l) => l,
            Err(e) => {
                m.state.record_failure(start.elapsed(), &pool.policy);
                tracing::debug!(member = %m.config.id, error = %e, "connect to member failed");
                tried.push(i);
                if tried.len() < MAX_TRIES {
                    continue;
                }
                return error(StatusCode::BAD_GATEWAY, "member could not be reached");
            }
        };
        let req = out.take().expect("the request is sent once");
        let sent = lease.sender.try_send_request(req);
        let res = tokio::time::timeout(shared.tunables.response_timeout, sent).await;
        let elapsed = start.elapsed();
        let mut resp = match res {
            Err(_) => {
                m.state.record_failure(elapsed, &pool.policy);
                tracing::debug!(member = %m.config.id, "member timed out");
                return error(StatusCode::GATEWAY_TIMEOUT, "member did not answer in time");
            }
            Ok(Err(mut e)) => match e.take_message() {
                // A pooled connection the member had closed: nothing was sent, not the member's
                // fault; again on a fresh connection (bounded, in case every one is stale).
                Some(req) if lease.reused && stale < MAX_TRIES => {
                    stale += 1;
                    out = Some(req);
                    continue;
                }
                _ => {
                    m.state.record_failure(elapsed, &pool.policy);
                    let e = e.into_error();
                    tracing::debug!(member = %m.config.id, error = %e, "member request failed");
                    return error(StatusCode::BAD_GATEWAY, "member failed");
                }
            },
            Ok(Ok(resp)) => resp,
        };
        if resp.status().is_server_error() {
            m.state.record_failure(elapsed, &pool.policy);
        } else {
            m.state.record_success(elapsed);
        }
        let switching = resp.status() == StatusCode::SWITCHING_PROTOCOLS;
        if let (true, Some(client_up)) = (switching, client_upgrade) {
            // The member connection becomes the tunnel: never back to the pool.
            let member_up = hyper::upgrade::on(&mut resp);
            let id = m.config.id.clone();
            let idle = shared.tunables.tunnel_idle_timeout;
            tokio::spawn(async move {
                let _active = active;
                match tokio::try_join!(client_up, member_up) {
                    Ok((c, b)) => {
                        let (mut c, mut b) = (TokioIo::new(c), TokioIo::new(b));
                        let _ = crate::splice::splice(&mut c, &mut b, idle).await;
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
            add_member_header(&mut p.headers, m);
            return Response::from_parts(p, empty());
        }
        let (mut p, b) = resp.into_parts();
        strip_hop_by_hop(&mut p.headers);
        add_member_header(&mut p.headers, m);
        let mut tracked =
            Tracked { inner: b, _active: active, lease: Some(lease), client: client.clone() };
        if tracked.inner.is_end_stream() {
            tracked.release(); // No body (204, 304, HEAD): free for the next request now.
        }
        let mut body = tracked.boxed();
        if let Some(cache) = &route.cache {
            p.headers.insert(X_CACHE, HeaderValue::from_static("MISS"));
            if let Some((key, req_headers)) = fill {
                body = cache.admit(key, &req_headers, p.status, &p.headers, body);
            }
        }
        return Response::from_parts(p, body);
    }
}

/// Members already tried for one request, without allocating.
#[derive(Default)]
struct Tried {
    members: [usize; MAX_TRIES],
    len: usize,
}

impl Tried {
    fn push(&mut self, i: usize) {
        if self.len < MAX_TRIES {
            self.members[self.len] = i;
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn as_slice(&self) -> &[usize] {
        &self.members[..self.len]
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
    peer_ip: &HeaderValue,
    scheme: Scheme,
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
    let xff = match h.get(X_FORWARDED_FOR) {
        Some(prev) => {
            let mut v = Vec::with_capacity(prev.len() + 2 + peer_ip.len());
            v.extend_from_slice(prev.as_bytes());
            v.extend_from_slice(b", ");
            v.extend_from_slice(peer_ip.as_bytes());
            HeaderValue::from_maybe_shared(Bytes::from(v)).ok()
        }
        None => Some(peer_ip.clone()),
    };
    if let Some(v) = xff {
        h.insert(X_FORWARDED_FOR, v);
    }
    h.insert(X_FORWARDED_PROTO, scheme.header_value());
}

/// The client's address as `X-Forwarded-For` names it (IPv4-mapped IPv6 shown as IPv4).
fn client_ip_header(peer: SocketAddr) -> HeaderValue {
    HeaderValue::from_str(&peer.ip().to_canonical().to_string())
        .expect("an IP address is a valid header value")
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_LBAAS_MEMBER: HeaderName = HeaderName::from_static("x-lbaas-member");

/// RFC 9110 §7.6.1 connection-specific headers, parsed once.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the RFC 9110 §7.6.1 connection-specific headers and any header named in `Connection`.
fn strip_hop_by_hop(h: &mut HeaderMap) {
    if h.contains_key(header::CONNECTION) {
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
    }
    for n in &HOP_BY_HOP {
        h.remove(n);
    }
}

fn add_member_header(h: &mut HeaderMap, m: &Member) {
    if let Some(v) = &m.id_header {
        h.insert(X_LBAAS_MEMBER, v.clone());
    }
}

fn error(status: StatusCode, msg: &'static str) -> Response<Body> {
    body::plain(status, msg)
}

/// A member's response body that keeps the member's `active` count until the body is fully sent
/// (or the client goes away), so least-connections sees streaming responses as load, and gives
/// the member connection back to the pool once the body has been read to the end (never when it
/// was abandoned half-way: that connection is dropped, which closes it).
struct Tracked {
    inner: Incoming,
    _active: ActiveGuard,
    lease: Option<Lease>,
    client: Upstream,
}

impl Tracked {
    fn release(&mut self) {
        if let Some(lease) = self.lease.take() {
            self.client.release(lease);
        }
    }
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let res = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        match &res {
            // hyper stops polling a body of known length once it has it all: the end shows as
            // `is_end_stream` after the last frame rather than as a `None`.
            Some(Ok(_)) if self.inner.is_end_stream() => self.release(),
            None => self.release(),
            Some(Err(_)) => self.lease = None,
            Some(Ok(_)) => {}
        }
        Poll::Ready(res)
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
        let peer = client_ip_header("[::ffff:127.0.0.1]:4000".parse().unwrap());
        let mut h2 = h.clone();
        h2.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        prepare_request_headers(&mut h, &Uri::from_static("/x"), &peer, Scheme::Http, None);
        assert!(h.get("x-hop").is_none() && h.get("connection").is_none());
        assert!(h.get("keep-alive").is_none());
        assert_eq!(h["host"], "web.example");
        assert_eq!(h["x-forwarded-for"], "10.0.0.9, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "http");
        prepare_request_headers(&mut h2, &Uri::from_static("/x"), &peer, Scheme::Https, None);
        assert_eq!(h2["x-forwarded-proto"], "https");
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
            &client_ip_header("1.2.3.4:5".parse().unwrap()),
            Scheme::Http,
            up.as_ref(),
        );
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
    }
}
