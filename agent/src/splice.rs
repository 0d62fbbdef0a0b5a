//! Byte copying between two connections: a TCP listener's session, and an HTTP connection once
//! upgraded (WebSocket). No protocol knowledge here.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
