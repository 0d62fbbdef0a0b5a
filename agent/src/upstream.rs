//! One worker's pool of HTTP/1.1 keep-alive connections to members.
//!
//! Why not hyper-util's pooled `Client`: per request it formats and parses an absolute URI,
//! hashes the authority (SipHash) into a pool shared behind a lock, runs a checkout future and a
//! "when idle" future, and still cannot tell us whether a failed request was ever written. On
//! the bench that machinery was about a third of the agent's user-space CPU per request. Here a
//! worker keeps, per member address, a stack of idle `SendRequest`s (most recently used first:
//! its socket is warm); a connection goes back on the stack only once its response body has been
//! read to the end ([`Lease::release`]), so a checked-out connection is always free for the next
//! request, and a connection whose response was abandoned mid-body is dropped (closed) rather
//! than reused. Beside those, for the HTTP/1.1 fast path ([`crate::h1`]), the same per-member
//! stacks of bare sockets, which that path reads and writes in the client connection's task; one
//! goes back only after a response that ended exactly where its framing said, and comes out only
//! if nothing arrived on it meanwhile ([`still_open`]: no EOF, no stray bytes).
//!
//! Invariants: at most [`MAX_IDLE_PER_MEMBER`] idle connections per member per worker (in each
//! kind); idle
//! connections older than the idle timeout are closed (on checkout, and by a sweep every idle
//! period, which also forgets members that are gone). A request that hyper hands back unsent
//! (the pooled connection closed under us) is retried by the caller on a fresh connection.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::Body;

/// Enough for a member behind a busy listener on one worker; beyond it returning connections are
/// closed instead of pooled.
const MAX_IDLE_PER_MEMBER: usize = 512;

struct Idle {
    sender: SendRequest<Body>,
    since: Instant,
}

/// A member connection of the HTTP/1.1 fast path ([`crate::h1`]): the socket alone, since that
/// path reads and writes it in the client connection's own task.
struct IdleRaw {
    stream: TcpStream,
    since: Instant,
}

struct Inner {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
    raw: Mutex<HashMap<SocketAddr, Vec<IdleRaw>>>,
    connect_timeout: Duration,
    idle_timeout: Duration,
}

/// Cheap to clone; one per worker runtime (with the shared runtime its threads share it; the lock
/// is held only to push or pop one connection).
#[derive(Clone)]
pub(crate) struct Upstream(Arc<Inner>);

/// A connection checked out for one request.
pub(crate) struct Lease {
    pub sender: SendRequest<Body>,
    pub addr: SocketAddr,
    /// Taken from the pool (as opposed to just connected): a send failure may be a stale socket.
    pub reused: bool,
}

impl Upstream {
    /// Creates the pool and its sweeper; needs the worker's runtime.
    pub fn new(connect_timeout: Duration, idle_timeout: Duration) -> Upstream {
        let inner = Arc::new(Inner {
            idle: Default::default(),
            raw: Default::default(),
            connect_timeout,
            idle_timeout,
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(sweep(weak, idle_timeout));
        Upstream(inner)
    }

    /// A connection to `addr` ready for a request: the most recently used idle one, or a new one.
    /// Errors are connect errors (refused, unreachable, timed out): nothing was sent.
    pub async fn checkout(&self, addr: SocketAddr) -> io::Result<Lease> {
        loop {
            let Some(mut idle) = self.pop(addr) else { break };
            if idle.since.elapsed() >= self.0.idle_timeout || idle.sender.is_closed() {
                continue;
            }
            // Released only after its body ended, so this resolves at once unless the member
            // closed the connection (then: error, try the next one).
            if idle.sender.ready().await.is_ok() {
                return Ok(Lease { sender: idle.sender, addr, reused: true });
            }
        }
        self.connect(addr).await
    }

    /// A new connection, bypassing the idle ones.
    pub async fn connect(&self, addr: SocketAddr) -> io::Result<Lease> {
        let stream = self.connect_raw(addr).await?;
        let (sender, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(%addr, error = %e, "member connection ended with error");
            }
        });
        Ok(Lease { sender, addr, reused: false })
    }

    /// A socket to `addr` for the fast path and whether it came from the pool: the most recently
    /// used idle one that is still open, or a new one. Errors are connect errors.
    pub async fn checkout_raw(&self, addr: SocketAddr) -> io::Result<(TcpStream, bool)> {
        loop {
            let mut raw = self.0.raw.lock().unwrap_or_else(|e| e.into_inner());
            let Some(idle) = raw.get_mut(&addr).and_then(Vec::pop) else { break };
            drop(raw);
            if idle.since.elapsed() < self.0.idle_timeout && still_open(&idle.stream) {
                return Ok((idle.stream, true));
            }
        }
        Ok((self.connect_raw(addr).await?, false))
    }

    /// A new socket to `addr`, connected within the connect timeout, Nagle off.
    pub async fn connect_raw(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = tokio::time::timeout(self.0.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    /// Returns a fast-path socket whose last response was read to the end and nothing more.
    pub fn release_raw(&self, addr: SocketAddr, stream: TcpStream) {
        let mut raw = self.0.raw.lock().unwrap_or_else(|e| e.into_inner());
        let stack = raw.entry(addr).or_default();
        if stack.len() < MAX_IDLE_PER_MEMBER {
            stack.push(IdleRaw { stream, since: Instant::now() });
        }
    }

    /// Returns a connection whose last response was read to the end.
    pub fn release(&self, lease: Lease) {
        if lease.sender.is_closed() {
            return;
        }
        let mut idle = self.0.idle.lock().unwrap_or_else(|e| e.into_inner());
        let stack = idle.entry(lease.addr).or_default();
        if stack.len() < MAX_IDLE_PER_MEMBER {
            stack.push(Idle { sender: lease.sender, since: Instant::now() });
        }
    }

    fn pop(&self, addr: SocketAddr) -> Option<Idle> {
        self.0.idle.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&addr)?.pop()
    }

    #[cfg(test)]
    fn idle_count(&self, addr: SocketAddr) -> usize {
        self.0.idle.lock().unwrap().get(&addr).map_or(0, Vec::len)
    }
}

/// Every idle period: closes connections idle for longer, forgets empty members.
async fn sweep(pool: Weak<Inner>, period: Duration) {
    let mut tick = tokio::time::interval(period.max(Duration::from_millis(100)));
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(pool) = pool.upgrade() else { return };
        let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.retain(|_, stack| {
            stack.retain(|i| i.since.elapsed() < pool.idle_timeout && !i.sender.is_closed());
            !stack.is_empty()
        });
        drop(idle);
        let mut raw = pool.raw.lock().unwrap_or_else(|e| e.into_inner());
        raw.retain(|_, stack| {
            stack.retain(|i| i.since.elapsed() < pool.idle_timeout && still_open(&i.stream));
            !stack.is_empty()
        });
    }
}

/// An idle member socket with nothing to read: neither closed by the member (EOF, reset) nor
/// carrying bytes nobody asked for. Costs no system call while the socket has not been seen
/// readable since its last read: tokio answers `WouldBlock` from its readiness state.
fn still_open(s: &TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.try_read(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    /// A connection comes back after its body is read, is reused, and is dropped after the idle
    /// timeout; a refused connect is an error.
    #[tokio::test]
    async fn leases_are_reused_then_expire() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let acc = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                acc.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(|_req| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(bytes::Bytes::from_static(b"ok")),
                        ))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(s), svc)
                        .await;
                });
            }
        });
        let up = Upstream::new(Duration::from_secs(1), Duration::from_millis(300));
        for _ in 0..3 {
            let mut lease = up.checkout(addr).await.unwrap();
            let req = hyper::Request::get("/").header("host", "x").body(crate::body::empty());
            let resp = lease.sender.send_request(req.unwrap()).await.unwrap();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"ok");
            up.release(lease);
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(up.idle_count(addr), 1);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let lease = up.checkout(addr).await.unwrap();
        assert!(!lease.reused, "an expired idle connection was reused");

        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        assert!(up.checkout(dead).await.is_err());
    }
}
