//! The HTTP/1.1 fast path: plain requests proxied in the client connection's own task
//! (ARCHITECTURE §15).
//!
//! Why: through hyper a request crossed two tasks (the client connection's and the member
//! connection's, joined by a channel), each woken per request, and was parsed and serialised
//! into `http` types twice. `perf` put the gap to HAProxy there (the system calls per request
//! were already the same: two reads, two writes). Here one task reads the client's request head,
//! parses it in place (`httparse`), writes the rewritten head and the body to a pooled member
//! socket, reads the member's response head, writes the rewritten head and forwards the body by
//! its own framing, with no copy into header maps and no second task: the loop HAProxy runs.
//!
//! What it takes: an HTTP/1.1 request with `Host`, an origin-form target, no body or one of a
//! `Content-Length`, on a listener without a response cache. L7 policies run on the parsed head
//! ([`crate::l7::Head`]) and pick the pool. Anything else (HTTP/1.0, h2, `Transfer-Encoding`,
//! `Expect`, `Upgrade`, a head it cannot parse, a request a policy answers by itself, a listener
//! that gained a cache, an agent started with `--no-http1-fast-path`) is *handed off*: the
//! connection, with the bytes read so far, goes to the hyper path in [`crate::http`] for the rest
//! of its life, which answers it exactly as before (including its 400s). A handoff happens only
//! between requests, so nothing is half-sent.
//!
//! The contract is [`crate::http`]'s: `Host` passed through, `X-Forwarded-For` appended,
//! `X-Forwarded-Proto` set, hop-by-hop headers (and those `Connection` names) removed both ways,
//! `x-lbaas-member` on every proxied response, 503 / 502 / 504 of the proxy's own, the next
//! member on a failed connect. A chunked response is forwarded with its framing as it is (the
//! client speaks HTTP/1.1), its end found by following the chunk sizes; a response delimited by
//! the member closing is forwarded and the client connection closed after it. A pooled member
//! socket that turns out closed before any byte of the response came back is retried once on a
//! fresh one when the request is idempotent and was sent whole from memory.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::{Buf, BytesMut};
use hyper::header::{HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::balancer::{Member, Pool};
use crate::l7::{Choice, Head};
use crate::route::{Route, Scheme};
use crate::upstream::Upstream;
use crate::{drain_started, Shared};

/// Headers per message the fast path parses, as hyper: a request with more is handed off (hyper
/// answers it), a response with more is a 502.
const MAX_HEADERS: usize = 100;
/// A request or response head larger than this is not the fast path's: handed off (a request)
/// or answered 502 (a response).
const MAX_HEAD: usize = 16 << 10;
/// Read size for bodies, both ways.
const CHUNK: usize = 16 << 10;
/// What a connection keeps between requests in each of its read buffers: enough for the usual
/// head and a small answer. A large body grows a buffer to [`CHUNK`] reads while it runs; it is
/// given back after, so a thousand idle keep-alive clients cost ~10 MiB, not ~34 (the VM has
/// tens of MiB, ARCHITECTURE §5).
const SMALL: usize = 4 << 10;
/// Connect tries per request (as [`crate::http`]).
const MAX_TRIES: usize = 3;

/// How [`serve`] ended.
pub(crate) enum Outcome<S> {
    /// The connection is finished (closed by either side, timed out, or drained).
    Done,
    /// The rest of the connection is not the fast path's: serve it with hyper, starting with the
    /// bytes already read.
    Handoff(Prefixed<S>),
}

/// Per-connection context.
pub(crate) struct Conn<'a> {
    pub peer_ip: &'a HeaderValue,
    pub scheme: Scheme,
    pub route: &'a ArcSwap<Route>,
    pub shared: &'a Shared,
    pub client: &'a Upstream,
}

/// Serves requests on `io` until it closes or a request needs the hyper path.
pub(crate) async fn serve<S>(mut io: S, cx: Conn<'_>) -> Outcome<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !cx.shared.tunables.http1_fast_path {
        return handoff(io, BytesMut::new());
    }
    let mut drain = cx.shared.drain.subscribe();
    let drained = drain_started(&mut drain);
    tokio::pin!(drained);
    let mut draining = false;
    // One timer for the connection, moved forward per phase (the client's head, then the
    // member's): moving a registered timer later costs no lock in tokio, a new one per request
    // would.
    let timer = tokio::time::sleep(cx.shared.tunables.client_idle_timeout);
    tokio::pin!(timer);
    let mut buf = BytesMut::with_capacity(SMALL);
    let mut bufs = Bufs::default();
    let mut scratch = Scratch::default();
    loop {
        // 1. A complete request head (pipelined requests may already be in `buf`).
        timer.as_mut().reset((Instant::now() + cx.shared.tunables.client_idle_timeout).into());
        let head_len = loop {
            // Empty lines before a request line are ignored (RFC 9112 §2.2); `httparse` skips
            // them too, but the rewriting below wants the request line first.
            let blank = buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            buf.advance(blank);
            if !buf.is_empty() {
                match parse_request(&buf, &mut scratch) {
                    Parsed::Complete(n) => break n,
                    Parsed::Partial if buf.len() < MAX_HEAD => {}
                    Parsed::Partial | Parsed::Other => return handoff(io, buf),
                }
            }
            if buf.capacity() - buf.len() < 1024 {
                buf.reserve(SMALL);
            }
            tokio::select! {
                biased;
                r = io.read_buf(&mut buf) => match r {
                    Ok(0) | Err(_) => return Outcome::Done,
                    Ok(_) => {}
                },
                _ = &mut drained, if !draining => {
                    draining = true;
                    if buf.is_empty() {
                        return Outcome::Done;
                    }
                }
                _ = &mut timer => return Outcome::Done,
            }
        };
        let req = scratch.request(&buf[..head_len]);
        // 2. Only plain requests on listeners without a cache; the rest goes to hyper from here
        // on. L7 policies pick the pool from the head as it lies here; a request the proxy
        // answers itself (a redirect, a rejection) is hyper's, which builds the answer.
        let route = cx.route.load_full();
        if route.cache.is_some() || !req.plain {
            return handoff(io, buf);
        }
        let pool = match route.policies.is_empty() {
            true => &route.pool,
            false => match route.policies.choose(&View { head: &buf[..head_len], s: &scratch }) {
                Choice::Default => &route.pool,
                Choice::Pool(i) => &route.pools[i],
                Choice::Answer => return handoff(io, buf),
            },
        };
        cx.shared.node.requests_total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let close = req.close || draining;
        let body_len = req.content_length;
        let sent_whole = head_len as u64 + body_len <= buf.len() as u64;
        let out = &mut bufs.req;
        out.clear();
        write_request_head(out, &buf[..head_len], &req, cx.peer_ip, cx.scheme);
        let method_head = req.method_head;
        let idempotent = req.idempotent;
        buf.advance(head_len);
        // The body bytes already here travel with the head, in one write.
        let here = (body_len as usize).min(buf.len());
        out.extend_from_slice(&buf[..here]);
        buf.advance(here);
        let rest = body_len - here as u64;

        // 3. A member, and the exchange.
        let end = if !pool.any_up() {
            // A body left unread would be taken for the next request: close after the answer.
            answer(&mut io, 503, "no member is up", close || rest > 0).await
        } else {
            let ex = Exchange { rest, replayable: sent_whole && idempotent, method_head, close };
            exchange(&mut io, &mut buf, &mut bufs, timer.as_mut(), &cx, pool, ex).await
        };
        if buf.is_empty() && buf.capacity() > SMALL {
            buf = BytesMut::with_capacity(SMALL);
        }
        bufs.shrink();
        match end {
            End::KeepAlive if !close => {}
            _ => {
                let _ = io.shutdown().await;
                return Outcome::Done;
            }
        }
    }
}

/// Buffers a connection keeps across its requests.
struct Bufs {
    /// The rewritten request head plus the body bytes read with it (kept for a resend).
    req: Vec<u8>,
    /// The rewritten response head plus the body bytes read with it.
    resp: Vec<u8>,
    /// What was read from the member.
    member: BytesMut,
}

impl Default for Bufs {
    fn default() -> Self {
        Bufs {
            req: Vec::with_capacity(1024),
            resp: Vec::with_capacity(1024),
            member: BytesMut::with_capacity(SMALL),
        }
    }
}

impl Bufs {
    /// Gives back what a large request or response grew (see [`SMALL`]).
    fn shrink(&mut self) {
        if self.member.capacity() > SMALL {
            self.member = BytesMut::with_capacity(SMALL);
        }
        for v in [&mut self.req, &mut self.resp] {
            if v.capacity() > 2 * SMALL {
                *v = Vec::with_capacity(1024);
            }
        }
    }
}

/// What a request needs once its head was read.
struct Exchange {
    /// Body bytes still to come from the client.
    rest: u64,
    /// May be sent again on a fresh socket if a pooled one was closed under it.
    replayable: bool,
    method_head: bool,
    close: bool,
}

/// How the client connection goes on after a response.
enum End {
    KeepAlive,
    Close,
}

async fn exchange<S>(
    io: &mut S,
    buf: &mut BytesMut,
    bufs: &mut Bufs,
    mut timer: Pin<&mut tokio::time::Sleep>,
    cx: &Conn<'_>,
    pool: &Pool,
    ex: Exchange,
) -> End
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // Until the body has been read from the client, an answer of ours must close: the unread
    // rest would be taken for the next request.
    let mut body_read = ex.rest == 0;
    let mut tried = [usize::MAX; MAX_TRIES];
    let mut n_tried = 0;
    let mut stale = 0;
    loop {
        let Some(i) = pool.pick(&tried[..n_tried]) else {
            return answer(io, 502, "no member could be reached", ex.close || !body_read).await;
        };
        let m = &pool.members[i];
        let active = m.state.begin();
        let start = Instant::now();
        // After a stale pooled socket, a new one: the others in the pool may be stale too.
        let socket = if stale == 0 {
            cx.client.checkout_raw(m.addr).await
        } else {
            cx.client.connect_raw(m.addr).await.map(|s| (s, false))
        };
        let (mut member, reused) = match socket {
            Ok(c) => c,
            Err(e) => {
                m.state.record_failure(start.elapsed(), &pool.policy);
                tracing::debug!(member = %m.config.id, error = %e, "connect to member failed");
                tried[n_tried] = i;
                n_tried += 1;
                if n_tried < MAX_TRIES {
                    continue;
                }
                return answer(io, 502, "member could not be reached", ex.close || !body_read)
                    .await;
            }
        };
        // Send: the head (and the body bytes already read), then the rest of the body.
        let sent = async {
            member.write_all(&bufs.req).await.map_err(Relay::Member)?;
            if ex.rest > 0 {
                copy_exact(io, &mut member, buf, ex.rest).await?;
            }
            Ok::<_, Relay>(())
        };
        // One budget for the send and the response head, as the hyper path's: a client that
        // stops mid-body, or a member that stops reading, must not hold the socket for ever.
        timer.as_mut().reset((Instant::now() + cx.shared.tunables.response_timeout).into());
        let sent = tokio::select! {
            biased;
            s = sent => s,
            _ = timer.as_mut() => {
                m.state.record_failure(start.elapsed(), &pool.policy);
                // The body may be half read: the connection cannot go on.
                return answer(io, 504, "member did not answer in time", true).await;
            }
        };
        body_read |= sent.is_ok();
        if let Err(e) = sent {
            match e {
                Relay::Client => return End::Close,
                Relay::Member(_) if reused && ex.replayable && stale < 1 => {
                    stale += 1;
                    continue;
                }
                Relay::Member(e) => {
                    m.state.record_failure(start.elapsed(), &pool.policy);
                    tracing::debug!(member = %m.config.id, error = %e, "member request failed");
                    return answer(io, 502, "member failed", ex.close || !body_read).await;
                }
            }
        }
        // The response head, within the response timeout.
        let mbuf = &mut bufs.member;
        mbuf.clear();
        let head = tokio::select! {
            biased;
            h = read_response_head(&mut member, mbuf) => Some(h),
            _ = timer.as_mut() => None,
        };
        let head = match head {
            None => {
                m.state.record_failure(start.elapsed(), &pool.policy);
                tracing::debug!(member = %m.config.id, "member timed out");
                return answer(io, 504, "member did not answer in time", ex.close).await;
            }
            Some(Err(e)) => {
                // Closed before a byte came back: a pooled socket the member had closed.
                if reused && mbuf.is_empty() && ex.replayable && stale < 1 {
                    stale += 1;
                    continue;
                }
                m.state.record_failure(start.elapsed(), &pool.policy);
                tracing::debug!(member = %m.config.id, error = %e, "member response failed");
                return answer(io, 502, "member failed", ex.close).await;
            }
            Some(Ok(h)) => h,
        };
        let elapsed = start.elapsed();
        if head.status >= 500 {
            m.state.record_failure(elapsed, &pool.policy);
        } else {
            m.state.record_success(elapsed);
        }
        let framing = head.framing(ex.method_head);
        let close = ex.close || matches!(framing, Framing::UntilClose);
        let out = &mut bufs.resp;
        out.clear();
        write_response_head(out, &mbuf[..head.len], &head, m, close);
        mbuf.advance(head.len);
        let body = forward_body(io, &mut member, mbuf, out, framing).await;
        drop(active);
        return match body {
            Ok(()) => {
                if head.reusable && mbuf.is_empty() && !matches!(framing, Framing::UntilClose) {
                    cx.client.release_raw(m.addr, member);
                }
                if close {
                    End::Close
                } else {
                    End::KeepAlive
                }
            }
            Err(_) => End::Close,
        };
    }
}

/// Which side of a relay failed.
enum Relay {
    Client,
    Member(io::Error),
}

/// Copies exactly `n` request body bytes from the client to the member.
async fn copy_exact<S>(
    client: &mut S,
    member: &mut TcpStream,
    buf: &mut BytesMut,
    mut n: u64,
) -> Result<(), Relay>
where
    S: AsyncRead + Unpin,
{
    while n > 0 {
        buf.clear();
        buf.reserve(CHUNK);
        let want = (n as usize).min(CHUNK);
        let mut limited = (&mut *client).take(want as u64);
        let got = limited.read_buf(buf).await.map_err(|_| Relay::Client)?;
        if got == 0 {
            return Err(Relay::Client);
        }
        member.write_all(&buf[..got]).await.map_err(Relay::Member)?;
        n -= got as u64;
    }
    buf.clear();
    Ok(())
}

/// Writes the response head (with the body bytes that came with it) and the rest of the body,
/// as its framing delimits it. Errors end the client connection.
async fn forward_body<S>(
    client: &mut S,
    member: &mut TcpStream,
    mbuf: &mut BytesMut,
    out: &mut Vec<u8>,
    framing: Framing,
) -> io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    let mut left = match framing {
        Framing::None => 0,
        Framing::Length(n) => n,
        Framing::Chunked(_) | Framing::UntilClose => u64::MAX,
    };
    let mut chunked = match framing {
        Framing::Chunked(c) => Some(c),
        _ => None,
    };
    let mut reads = 0;
    loop {
        let take = match &mut chunked {
            Some(c) => c.feed(mbuf).map_err(|()| io::Error::other("bad chunked framing"))?,
            None => (left.min(mbuf.len() as u64)) as usize,
        };
        out.extend_from_slice(&mbuf[..take]);
        mbuf.advance(take);
        if chunked.is_none() && left != u64::MAX {
            left -= take as u64;
        }
        let done = match &chunked {
            Some(c) => c.done(),
            None => left == 0,
        };
        if !out.is_empty() {
            client.write_all(out).await?;
            out.clear();
        }
        if done {
            return Ok(());
        }
        // More from the member; what it sends after the end stays in `mbuf` (then the socket
        // is not pooled). Small reads while the rest may be small; full ones for a large body.
        let large = match framing {
            Framing::Length(_) => left > SMALL as u64,
            _ => reads > 0,
        };
        reads += 1;
        mbuf.reserve(if large { CHUNK } else { SMALL });
        if member.read_buf(mbuf).await? == 0 {
            return if matches!(framing, Framing::UntilClose) {
                Ok(())
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
    }
}

/// An answer of the proxy's own, in the same words as [`crate::body::plain`].
async fn answer<S>(io: &mut S, status: u16, msg: &str, close: bool) -> End
where
    S: AsyncWrite + Unpin,
{
    let reason = match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    let conn = if close { "connection: close\r\n" } else { "" };
    let text = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{conn}\r\n{msg}",
        msg.len()
    );
    match io.write_all(text.as_bytes()).await {
        Ok(()) if !close => End::KeepAlive,
        _ => End::Close,
    }
}

fn handoff<S>(io: S, buf: BytesMut) -> Outcome<S> {
    Outcome::Handoff(Prefixed { pre: buf, io })
}

// ---- Request heads ------------------------------------------------------------------------

/// Header indexes not passed on, as bits ([`MAX_HEADERS`] fit), so a head never allocates.
#[derive(Default, Clone, Copy)]
struct Skip(u128);

impl Skip {
    fn push(&mut self, i: usize) {
        self.0 |= 1 << i;
    }

    fn contains(&self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
}

enum Parsed {
    Complete(usize),
    Partial,
    /// Not HTTP/1.x as `httparse` reads it (h2's preface, a bad head, too many headers).
    Other,
}

/// Header positions of the last parsed head, kept per connection so parsing allocates nothing.
#[derive(Default)]
struct Scratch {
    method: (usize, usize),
    target: (usize, usize),
    version: u8,
    /// (name start, name end, value start, value end), offsets into the head.
    headers: Vec<(usize, usize, usize, usize)>,
}

fn parse_request(buf: &[u8], s: &mut Scratch) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let n = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    let base = buf.as_ptr() as usize;
    let at = |x: &[u8]| (x.as_ptr() as usize - base, x.as_ptr() as usize - base + x.len());
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Parsed::Other;
    };
    s.method = at(method.as_bytes());
    s.target = at(target.as_bytes());
    s.version = version;
    s.headers.clear();
    for h in req.headers.iter() {
        let (ns, ne) = at(h.name.as_bytes());
        let (vs, ve) = at(h.value);
        s.headers.push((ns, ne, vs, ve));
    }
    Parsed::Complete(n)
}

/// A parsed request head as L7 rules read it (the hyper path reads its `Request` alike).
struct View<'a> {
    head: &'a [u8],
    s: &'a Scratch,
}

impl View<'_> {
    fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.s.headers.iter().map(|&(ns, ne, vs, ve)| (&self.head[ns..ne], &self.head[vs..ve]))
    }
}

impl Head for View<'_> {
    fn host_raw(&self) -> Option<&[u8]> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case(b"host")).map(|(_, v)| v)
    }

    fn path(&self) -> &[u8] {
        // As `http::Uri` reads an origin-form target (one with a fragment is hyper's): the path
        // ends at the query.
        let t = &self.head[self.s.target.0..self.s.target.1];
        &t[..t.iter().position(|&b| b == b'?').unwrap_or(t.len())]
    }

    fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a {
        let name = name.as_str().as_bytes();
        self.headers().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// What the fast path needs to know of a request head.
struct Request {
    /// HTTP/1.1, one `Host`, an origin-form target `http::Uri` takes as it is, no
    /// `Transfer-Encoding` / `Expect` / `Upgrade`, one valid `Content-Length` if any: the fast
    /// path can take it.
    plain: bool,
    close: bool,
    content_length: u64,
    method_head: bool,
    idempotent: bool,
    /// Indexes (into `Scratch::headers`) of the headers not passed on.
    skip: Skip,
    /// The first `X-Forwarded-For` value, to append to.
    xff: Option<(usize, usize)>,
}

impl Scratch {
    fn request(&self, head: &[u8]) -> Request {
        let slice = |(a, b): (usize, usize)| &head[a..b];
        let method = slice(self.method);
        let target = slice(self.target);
        let mut r = Request {
            plain: self.version == 1
                && target.first() == Some(&b'/')
                && method != b"CONNECT"
                && target_as_hyper_reads_it(target),
            close: false,
            content_length: 0,
            method_head: method == b"HEAD",
            idempotent: matches!(
                method,
                b"GET" | b"HEAD" | b"OPTIONS" | b"PUT" | b"DELETE" | b"TRACE"
            ),
            skip: Skip::default(),
            xff: None,
        };
        let mut host = false;
        let mut length: Option<u64> = None;
        let mut named: Vec<(usize, usize)> = Vec::new();
        for (i, &(ns, ne, vs, ve)) in self.headers.iter().enumerate() {
            let name = &head[ns..ne];
            let value = &head[vs..ve];
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            if is("host") {
                // Two are hyper's to refuse (crate::http, RFC 9112 §3.2).
                r.plain &= !host;
                host = true;
            } else if is("content-length") {
                match (parse_u64(value), length) {
                    (Some(v), None) => length = Some(v),
                    // hyper folds an equal repeat into one header: so would the rules have to.
                    (Some(v), Some(l)) if v == l => r.plain = false,
                    _ => r.plain = false,
                }
            } else if is("transfer-encoding") || is("expect") || is("upgrade") {
                r.plain = false;
            } else if is("connection") {
                r.skip.push(i);
                for token in value.split(|&b| b == b',') {
                    let t = token.trim_ascii();
                    if t.eq_ignore_ascii_case(b"close") {
                        r.close = true;
                    } else if t.eq_ignore_ascii_case(b"upgrade")
                        || t.eq_ignore_ascii_case(b"content-length")
                    {
                        // Dropping a length we still frame the body by would desync the
                        // member; hyper re-frames such a request.
                        r.plain = false;
                    } else if !t.is_empty() && !t.eq_ignore_ascii_case(b"keep-alive") {
                        let start = t.as_ptr() as usize - head.as_ptr() as usize;
                        named.push((start, start + t.len()));
                    }
                }
            } else if is("x-forwarded-for") {
                if r.xff.is_none() {
                    r.xff = Some((vs, ve));
                }
                r.skip.push(i);
            } else if is("x-forwarded-proto") || is_hop_by_hop(name) {
                r.skip.push(i);
            }
        }
        if !named.is_empty() {
            for (i, &(ns, ne, _, _)) in self.headers.iter().enumerate() {
                if named.iter().any(|&(a, b)| head[a..b].eq_ignore_ascii_case(&head[ns..ne])) {
                    r.skip.push(i);
                }
            }
        }
        r.plain &= host;
        r.content_length = length.unwrap_or(0);
        r
    }
}

/// Whether `http::Uri` takes this origin-form target as it is (`http` 1.x `scan_path_and_query`):
/// hyper answers 400 to one it rejects, and drops a fragment. The fast path hands both to hyper,
/// so such a target is neither routed by L7 rules nor proxied differently. `httparse` already
/// refused controls, spaces and invalid UTF-8.
fn target_as_hyper_reads_it(target: &[u8]) -> bool {
    let Some(q) = target.iter().position(|&b| b == b'?') else {
        return !target.iter().any(|&b| matches!(b, b'<' | b'>' | b'`' | b'#'));
    };
    let (path, query) = target.split_at(q);
    !path.iter().any(|&b| matches!(b, b'<' | b'>' | b'`' | b'#'))
        && !query.iter().any(|&b| matches!(b, b'<' | b'>' | b'"' | b'#'))
}

/// RFC 9110 §7.6.1 connection-specific headers other than `Connection` itself (handled apart)
/// and `Upgrade` and `Transfer-Encoding` (which keep a request off the fast path).
fn is_hop_by_hop(name: &[u8]) -> bool {
    ["keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
}

fn parse_u64(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

fn write_request_head(
    out: &mut Vec<u8>,
    head: &[u8],
    req: &Request,
    peer_ip: &HeaderValue,
    scheme: Scheme,
) {
    // The request line as the client sent it (method, origin-form target), as HTTP/1.1.
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = head[..line_end].strip_suffix(b"\r").unwrap_or(&head[..line_end]);
    let version_at = line.iter().rposition(|&b| b == b' ').unwrap_or(line.len());
    out.extend_from_slice(&line[..version_at]);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for_each_header(head, |i, raw| {
        if !req.skip.contains(i) {
            out.extend_from_slice(raw);
            out.extend_from_slice(b"\r\n");
        }
    });
    out.extend_from_slice(b"x-forwarded-for: ");
    if let Some((a, b)) = req.xff {
        out.extend_from_slice(&head[a..b]);
        out.extend_from_slice(b", ");
    }
    out.extend_from_slice(peer_ip.as_bytes());
    out.extend_from_slice(match scheme {
        Scheme::Http => b"\r\nx-forwarded-proto: http\r\n\r\n",
        Scheme::Https => b"\r\nx-forwarded-proto: https\r\n\r\n",
    });
}

/// Calls `f(index, line)` for each header line of a head (without its line ending: callers
/// write CRLF, so a bare LF a lenient parser let through never reaches the other side), in order.
/// Header lines are what follows the start line up to the empty line; `httparse` has already
/// rejected obsolete line folding, so one line is one header.
fn for_each_header(head: &[u8], mut f: impl FnMut(usize, &[u8])) {
    let mut rest = match head.iter().position(|&b| b == b'\n') {
        Some(p) => &head[p + 1..],
        None => return,
    };
    let mut i = 0;
    while let Some(p) = rest.iter().position(|&b| b == b'\n') {
        let line = &rest[..p];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return;
        }
        f(i, line);
        i += 1;
        rest = &rest[p + 1..];
    }
}

// ---- Response heads -----------------------------------------------------------------------

/// What the fast path needs to know of a response head.
struct ResponseHead {
    len: usize,
    status: u16,
    /// HTTP/1.1 without `Connection: close`: the socket may serve another request.
    reusable: bool,
    content_length: Option<u64>,
    chunked: bool,
    /// `Transfer-Encoding` present but not ending in chunked: delimited by close.
    other_coding: bool,
    skip: Skip,
}

#[derive(Clone, Copy)]
enum Framing {
    None,
    Length(u64),
    Chunked(Chunked),
    UntilClose,
}

impl ResponseHead {
    /// RFC 9112 §6.3: how this response's body ends.
    fn framing(&self, method_head: bool) -> Framing {
        if method_head || self.status == 204 || self.status == 304 {
            Framing::None
        } else if self.chunked {
            Framing::Chunked(Chunked::default())
        } else if self.other_coding {
            Framing::UntilClose
        } else {
            match self.content_length {
                Some(0) => Framing::None,
                Some(n) => Framing::Length(n),
                None => Framing::UntilClose,
            }
        }
    }
}

/// Reads until a final (non-1xx) response head is in `mbuf`. A 1xx other than 101 is dropped
/// (the fast path never sends `Expect`, so none is owed to the client); 101 was never asked for.
async fn read_response_head(
    member: &mut TcpStream,
    mbuf: &mut BytesMut,
) -> io::Result<ResponseHead> {
    loop {
        let blank = mbuf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        mbuf.advance(blank);
        if !mbuf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(mbuf) {
                Ok(httparse::Status::Complete(n)) => {
                    let status = resp.code.unwrap_or(0);
                    if status == 101 {
                        return Err(io::Error::other("unexpected 101 Switching Protocols"));
                    }
                    if (100..200).contains(&status) {
                        mbuf.advance(n);
                        continue;
                    }
                    return response_head(&resp, n);
                }
                Ok(httparse::Status::Partial) if mbuf.len() < MAX_HEAD => {}
                Ok(httparse::Status::Partial) => {
                    return Err(io::Error::other("response head too large"))
                }
                Err(e) => return Err(io::Error::other(format!("bad response head: {e}"))),
            }
        }
        mbuf.reserve(SMALL);
        if member.read_buf(mbuf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

fn response_head(resp: &httparse::Response<'_, '_>, len: usize) -> io::Result<ResponseHead> {
    let mut h = ResponseHead {
        len,
        status: resp.code.unwrap_or(0),
        reusable: resp.version == Some(1),
        content_length: None,
        chunked: false,
        other_coding: false,
        skip: Skip::default(),
    };
    let mut named: Vec<&[u8]> = Vec::new();
    for (i, hd) in resp.headers.iter().enumerate() {
        let name = hd.name.as_bytes();
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        if is("content-length") {
            match (parse_u64(hd.value), h.content_length) {
                (Some(v), None) => h.content_length = Some(v),
                (Some(v), Some(l)) if v == l => h.skip.push(i),
                _ => return Err(io::Error::other("bad Content-Length")),
            }
        } else if is("transfer-encoding") {
            // The last coding of all the lines together decides (a later line wins).
            let last =
                hd.value.rsplit(|&b| b == b',').map(<[u8]>::trim_ascii).find(|t| !t.is_empty());
            if let Some(last) = last {
                h.chunked = last.eq_ignore_ascii_case(b"chunked");
                h.other_coding = !h.chunked;
            }
        } else if is("connection") {
            h.skip.push(i);
            for token in hd.value.split(|&b| b == b',') {
                let t = token.trim_ascii();
                if t.eq_ignore_ascii_case(b"close") {
                    h.reusable = false;
                } else if !t.is_empty()
                    && !t.eq_ignore_ascii_case(b"keep-alive")
                    // The body is framed by these as they reach the client: kept.
                    && !t.eq_ignore_ascii_case(b"content-length")
                    && !t.eq_ignore_ascii_case(b"transfer-encoding")
                {
                    named.push(t);
                }
            }
        } else if is("upgrade") || is_hop_by_hop(name) || is("x-lbaas-member") {
            // `Trailer` included: harmless to drop, as the hyper path does.
            h.skip.push(i);
        }
    }
    // Chunked wins over a length (RFC 9112 §6.3), and the length is not passed on then.
    if h.chunked || h.other_coding {
        h.content_length = None;
        for (i, hd) in resp.headers.iter().enumerate() {
            if hd.name.eq_ignore_ascii_case("content-length") {
                h.skip.push(i);
            }
        }
    }
    for (i, hd) in resp.headers.iter().enumerate() {
        if named.iter().any(|n| hd.name.as_bytes().eq_ignore_ascii_case(n)) {
            h.skip.push(i);
        }
    }
    Ok(h)
}

fn write_response_head(out: &mut Vec<u8>, head: &[u8], h: &ResponseHead, m: &Member, close: bool) {
    // The status line as the member sent it, as HTTP/1.1 (the client's version).
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let after_version = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    out.extend_from_slice(b"HTTP/1.1");
    out.extend_from_slice(&line[after_version..]);
    out.extend_from_slice(b"\r\n");
    for_each_header(head, |i, raw| {
        if !h.skip.contains(i) {
            out.extend_from_slice(raw);
            out.extend_from_slice(b"\r\n");
        }
    });
    if let Some(v) = &m.id_header {
        out.extend_from_slice(b"x-lbaas-member: ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

// ---- Chunked framing ----------------------------------------------------------------------

/// Follows a chunked body's framing (RFC 9112 §7.1) to find where it ends; the bytes are
/// forwarded as they are, so it is strict (CRLF only, as hyper's decoder): a client must never
/// find an end where this did not.
#[derive(Clone, Copy, Debug, Default)]
struct Chunked {
    state: ChunkState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum ChunkState {
    #[default]
    SizeStart,
    Size(u64),
    /// A chunk extension (ignored) up to the line's CR; the size read.
    Ext(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line (the empty one ends the message).
    TrailerStart,
    Trailer,
    /// The LF of a trailer line's CRLF.
    TrailerLineLf,
    /// The LF of the final empty line.
    TrailerLf,
    Done,
}

impl Chunked {
    /// Consumes from `b` what belongs to the body and returns how much; stops at its end.
    fn feed(&mut self, b: &[u8]) -> Result<usize, ()> {
        use ChunkState::*;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            self.state = match self.state {
                Done => return Ok(i),
                Data(n) => {
                    let take = n.min((b.len() - i) as u64);
                    i += take as usize;
                    self.state = if n == take { DataCr } else { Data(n - take) };
                    continue;
                }
                SizeStart | Size(_) => {
                    let n = match self.state {
                        Size(n) => n,
                        _ => 0,
                    };
                    match (c as char).to_digit(16) {
                        Some(d) if n >> 60 == 0 => Size(n * 16 + u64::from(d)),
                        Some(_) => return Err(()),
                        None if self.state == SizeStart => return Err(()),
                        None => match c {
                            b';' | b' ' | b'\t' => Ext(n),
                            b'\r' => SizeLf(n),
                            _ => return Err(()),
                        },
                    }
                }
                Ext(n) => match c {
                    b'\r' => SizeLf(n),
                    b'\n' => return Err(()),
                    _ => Ext(n),
                },
                SizeLf(n) => match c {
                    b'\n' => after_size(n),
                    _ => return Err(()),
                },
                DataCr => match c {
                    b'\r' => DataLf,
                    _ => return Err(()),
                },
                DataLf => match c {
                    b'\n' => SizeStart,
                    _ => return Err(()),
                },
                TrailerStart => match c {
                    b'\r' => TrailerLf,
                    b'\n' => return Err(()),
                    _ => Trailer,
                },
                Trailer => match c {
                    b'\r' => TrailerLineLf,
                    b'\n' => return Err(()),
                    _ => Trailer,
                },
                TrailerLineLf => match c {
                    b'\n' => TrailerStart,
                    _ => return Err(()),
                },
                TrailerLf => match c {
                    b'\n' => Done,
                    _ => return Err(()),
                },
            };
            i += 1;
        }
        Ok(i)
    }

    fn done(&self) -> bool {
        self.state == ChunkState::Done
    }
}

fn after_size(n: u64) -> ChunkState {
    if n == 0 {
        ChunkState::TrailerStart
    } else {
        ChunkState::Data(n)
    }
}

// ---- Handoff ------------------------------------------------------------------------------

/// A connection with bytes already read from it: reads return those first.
pub(crate) struct Prefixed<S> {
    pre: BytesMut,
    io: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.pre.is_empty() {
            let n = self.pre.len().min(buf.remaining());
            buf.put_slice(&self.pre[..n]);
            self.pre.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        b: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, b)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked_end(parts: &[&[u8]]) -> Result<(bool, usize), ()> {
        let mut c = Chunked::default();
        let mut used = 0;
        for p in parts {
            used += c.feed(p)?;
            if c.done() {
                break;
            }
        }
        Ok((c.done(), used))
    }

    #[test]
    fn chunked_framing_finds_the_end_across_any_split() {
        let body: &[u8] =
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        let end = body.len() - 4;
        for split in 0..body.len() {
            let (a, b) = body.split_at(split);
            assert_eq!(chunked_end(&[a, b]), Ok((true, end)), "split at {split}");
        }
        let bytewise: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(chunked_end(&bytewise), Ok((true, end)));
        assert_eq!(chunked_end(&[b"0\r\n\r\n"]), Ok((true, 5)));
        assert_eq!(chunked_end(&[b"3\r\nab"]), Ok((false, 5)));
        assert!(chunked_end(&[b"zz\r\n"]).is_err());
        assert!(chunked_end(&[b"3\r\nabcX"]).is_err());
        assert!(chunked_end(&[b"fffffffffffffffff\r\n"]).is_err(), "size overflow");
        // CRLF only, as a strict client reads it.
        for lenient in [&b"3\nabc\r\n0\r\n\r\n"[..], b"3\r\nabc\n0\r\n\r\n", b"0\r\n\n", b"1;a\nx"]
        {
            assert!(chunked_end(&[lenient]).is_err(), "{}", String::from_utf8_lossy(lenient));
        }
    }

    fn rewrite(raw: &[u8]) -> (Request, String) {
        let mut s = Scratch::default();
        let Parsed::Complete(n) = parse_request(raw, &mut s) else { panic!("parse") };
        let req = s.request(&raw[..n]);
        let mut out = Vec::new();
        let ip = HeaderValue::from_static("10.0.0.9");
        write_request_head(&mut out, &raw[..n], &req, &ip, Scheme::Http);
        (req, String::from_utf8(out).unwrap())
    }

    #[test]
    fn request_heads_are_rewritten_like_the_hyper_path() {
        let (req, out) = rewrite(
            b"GET /a?b=1 HTTP/1.1\r\nHost: web\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\
              Keep-Alive: 5\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\
              Accept: */*\r\n\r\n",
        );
        assert!(req.plain && !req.close && req.idempotent);
        assert_eq!(
            out,
            "GET /a?b=1 HTTP/1.1\r\nHost: web\r\nAccept: */*\r\n\
             x-forwarded-for: 203.0.113.7, 10.0.0.9\r\nx-forwarded-proto: http\r\n\r\n"
        );
        let (req, _) = rewrite(
            b"POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 12\r\nConnection: close\r\n\r\n",
        );
        assert!(req.plain && req.close && !req.idempotent);
        assert_eq!(req.content_length, 12);
        for off in [
            &b"GET / HTTP/1.0\r\nHost: w\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET http://w/ HTTP/1.1\r\nHost: w\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: w\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: w\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            // Would drop the length the body is framed by (a smuggling vector).
            b"POST / HTTP/1.1\r\nHost: w\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\n",
            // hyper folds the repeat into one header, which L7 rules would then see once.
            b"POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            // Targets hyper answers 400 (or strips a fragment from).
            b"GET /a<b HTTP/1.1\r\nHost: w\r\n\r\n",
            b"GET /a?b\"c HTTP/1.1\r\nHost: w\r\n\r\n",
            b"GET /x#frag HTTP/1.1\r\nHost: w\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: w\r\nHost: admin\r\n\r\n",
        ] {
            assert!(!rewrite(off).0.plain, "{}", String::from_utf8_lossy(off));
        }
        for on in [
            &b"GET /a\"b?c`d HTTP/1.1\r\nHost: w\r\n\r\n"[..],
            b"GET /{x}|y HTTP/1.1\r\nHost: w\r\n\r\n",
        ] {
            assert!(rewrite(on).0.plain, "{}", String::from_utf8_lossy(on));
        }
        let mut s = Scratch::default();
        assert!(matches!(
            parse_request(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &mut s),
            Parsed::Other
        ));
    }

    /// Every printable byte in a path and in a query: the fast path takes the target exactly when
    /// `http::Uri` (hyper's parser) takes it unchanged.
    #[test]
    fn targets_are_taken_as_hyper_takes_them() {
        for b in 0x21u8..0x7f {
            for t in [vec![b'/', b'a', b, b'c'], vec![b'/', b'a', b'?', b'x', b, b'y']] {
                let hyper_takes = hyper::Uri::try_from(&t[..]).is_ok() && !t.contains(&b'#');
                assert_eq!(
                    target_as_hyper_reads_it(&t),
                    hyper_takes,
                    "{:?}",
                    String::from_utf8_lossy(&t)
                );
            }
        }
    }

    #[test]
    fn response_heads_lose_hop_by_hop_headers_and_gain_the_member() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\n\
                    X-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-Kept: yes\r\n\r\nok";
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(n) = resp.parse(raw).unwrap() else { panic!() };
        let h = response_head(&resp, n).unwrap();
        assert!(h.reusable);
        assert!(matches!(h.framing(false), Framing::Length(2)));
        assert!(matches!(h.framing(true), Framing::None));
        let m = Member {
            config: lbaas_proto::MemberConfig {
                id: "m1".into(),
                address: "127.0.0.1".parse().unwrap(),
                port: 1,
                weight: 1,
                up: true,
            },
            addr: "127.0.0.1:1".parse().unwrap(),
            state: Default::default(),
            id_header: Some(HeaderValue::from_static("m1")),
        };
        let mut out = Vec::new();
        write_response_head(&mut out, &raw[..n], &h, &m, true);
        let framing_of = |raw: &[u8]| {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            let httparse::Status::Complete(n) = resp.parse(raw).unwrap() else { panic!() };
            let h = response_head(&resp, n).unwrap();
            let mut out = Vec::new();
            write_response_head(&mut out, raw, &h, &m, false);
            (h.framing(false), String::from_utf8(out).unwrap())
        };
        // The last coding over all lines decides; framing headers named in Connection stay.
        let (f, _) = framing_of(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
        );
        assert!(matches!(f, Framing::UntilClose));
        let (f, head) = framing_of(
            b"HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\n",
        );
        assert!(matches!(f, Framing::Length(3)) && head.contains("Content-Length: 3"), "{head}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Kept: yes\r\nx-lbaas-member: m1\r\n\
             connection: close\r\n\r\n"
        );
    }
}
