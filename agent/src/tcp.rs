//! The TCP (layer 4) proxy: one client connection ↔ one backend connection.
//!
//! The member is chosen once per connection; a member that refuses or does not answer within the
//! connect timeout is charged a failure and the next one is tried, so a dead backend costs the
//! client a little latency rather than a failed connection. Half-close is preserved: when one
//! side sends FIN, the proxy shuts down its write side towards the other and keeps copying the
//! other direction (tokio's `copy_bidirectional` does exactly this), so request/response protocols
//! that signal "end of request" with a FIN keep working. A session in which nothing moved either
//! way for `tunnel_idle_timeout` is closed ([`splice`], also used for upgraded HTTP connections).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::balancer::Pool;
use crate::Shared;

pub(crate) async fn serve(mut client: TcpStream, pool: Arc<ArcSwap<Pool>>, shared: Arc<Shared>) {
    let pool = pool.load_full();
    let mut tried = Vec::new();
    let (mut backend, _active, member) = loop {
        let Some(i) = pool.pick(&tried) else {
            tracing::debug!(tried = tried.len(), "no member available; closing client");
            return;
        };
        tried.push(i);
        let m = &pool.members[i];
        let guard = m.state.begin();
        let start = Instant::now();
        match tokio::time::timeout(shared.tunables.connect_timeout, TcpStream::connect(m.addr))
            .await
        {
            Ok(Ok(s)) => {
                m.state.record_success(start.elapsed());
                break (s, guard, m.config.id.clone());
            }
            Ok(Err(e)) => {
                tracing::debug!(member = %m.config.id, error = %e, "connect failed");
                m.state.record_failure(start.elapsed(), &pool.policy);
            }
            Err(_) => {
                tracing::debug!(member = %m.config.id, "connect timed out");
                m.state.record_failure(start.elapsed(), &pool.policy);
            }
        }
    };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    if let Err(e) = splice(&mut client, &mut backend, shared.tunables.tunnel_idle_timeout).await {
        // Resets from either peer are normal traffic for a proxy; not an agent error.
        tracing::debug!(%member, error = %e, "tcp session ended with error");
    }
}

/// Copies both ways (half-close preserved) until both directions are done, or until nothing
/// moved for an idle period, which is a `TimedOut` error.
///
/// Activity is a counter bumped by every read and write on `a` (both directions pass through
/// it), checked once per `idle`: no clock read per I/O, and no timer reset per I/O (rejected: a
/// `Sleep::reset` per read costs a timer-wheel update on the hot path). So a silent session
/// closes after between one and two periods.
pub(crate) async fn splice<A, B>(a: &mut A, b: &mut B, idle: Duration) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let activity = AtomicU64::new(0);
    let mut a = Counted { io: a, activity: &activity };
    let copy = tokio::io::copy_bidirectional(&mut a, b);
    tokio::pin!(copy);
    let mut seen = 0;
    loop {
        tokio::select! {
            res = &mut copy => return res,
            _ = tokio::time::sleep(idle) => {
                let now = activity.load(Relaxed);
                if now == seen {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "idle timeout"));
                }
                seen = now;
            }
        }
    }
}

/// An I/O object that counts its successful reads and writes.
struct Counted<'a, T: ?Sized> {
    io: &'a mut T,
    activity: &'a AtomicU64,
}

impl<T: AsyncRead + Unpin + ?Sized> AsyncRead for Counted<'_, T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let res = Pin::new(&mut *self.io).poll_read(cx, buf);
        if res.is_ready() {
            self.activity.fetch_add(1, Relaxed);
        }
        res
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> AsyncWrite for Counted<'_, T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut *self.io).poll_write(cx, data);
        if res.is_ready() {
            self.activity.fetch_add(1, Relaxed);
        }
        res
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.io).poll_shutdown(cx)
    }
}
