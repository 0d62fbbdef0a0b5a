//! The UDP side of the server: a few OS threads blocked on one UDP socket, answering from the
//! fast path's table ([`crate::fast`]) and handing everything else to the same request handler
//! hickory uses for TCP, on the tokio runtime.
//!
//! Why not hickory's UDP loop: it spawns a tokio task per datagram (with no bound on how many)
//! and parses every query into owned objects before a lookup, which made it answer 0.4x of BIND's
//! queries per second on this project's benchmark. Threads blocked in `recvmmsg` cost two system
//! calls per batch of datagrams (one in, one out with `sendmmsg`) and nothing else; a table lookup
//! and a copy make each answer. `nix` wraps both calls, so this crate needs no `unsafe`.
//! Rejected: tokio tasks on the socket (readiness polling costs a wake-up and an extra system
//! call per burst, for no gain: nothing here waits on anything but the socket), and one socket
//! per thread with SO_REUSEPORT (the kernel spreads by flow hash, so a few busy clients can load
//! one thread while another idles; threads sharing one socket share its queue instead).
//!
//! Bounds: the only queue is the socket's receive buffer (sized by `Config::udp_recv_buffer`,
//! capped by the kernel's `net.core.rmem_max`); datagrams beyond it are dropped by the kernel, as
//! they would be for any UDP server. The slow path holds at most `max_in_flight` datagrams at
//! once; past that a datagram is dropped (counted), so a flood of queries hickory must parse costs
//! bounded memory and CPU.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Header, MessageType, ResponseCode};
use hickory_proto::rr::Record;
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};
use hickory_server::net::runtime::TokioTime;
use hickory_server::net::xfer::Protocol;
use hickory_server::net::NetError;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::{MessageResponse, MessageResponseBuilder, Queries};
use nix::errno::Errno;
use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};
use tokio::sync::Semaphore;

use crate::fast::{self, Verdict};
use crate::handler::Handler;

/// How often a blocked thread looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// What the UDP threads did, summed over threads. Read by tests and operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UdpStats {
    /// Answered from the table.
    pub fast: u64,
    /// Handed to hickory.
    pub slow: u64,
    /// Dropped: shorter than a header, a response, or the slow path was full.
    pub dropped: u64,
}

/// One thread's counters, on a cache line of its own so that threads never contend.
#[derive(Default)]
#[repr(align(64))]
struct Counters {
    fast: AtomicU64,
    slow: AtomicU64,
    dropped: AtomicU64,
}

/// The running threads. Dropping it stops them (within [`STOP_POLL`]) without waiting.
pub(crate) struct UdpServer {
    stop: Arc<AtomicBool>,
    counters: Vec<Arc<Counters>>,
    threads: Vec<JoinHandle<()>>,
}

/// Binds the UDP socket: a receive buffer large enough for bursts (the kernel caps it at
/// `net.core.rmem_max`), blocking reads that wake up to look at the stop flag.
pub(crate) fn bind(listen: SocketAddr, recv_buffer: usize) -> io::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(listen),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    if let Err(error) = socket.set_recv_buffer_size(recv_buffer) {
        tracing::warn!(%error, recv_buffer, "set the UDP receive buffer size; keeping the default");
    }
    socket.set_read_timeout(Some(STOP_POLL))?;
    socket.bind(&listen.into())?;
    tracing::debug!(
        requested = recv_buffer,
        granted = socket.recv_buffer_size().unwrap_or(0),
        "UDP receive buffer"
    );
    Ok(socket.into())
}

impl UdpServer {
    /// Starts `threads` threads on `socket`. Must be called inside a tokio runtime, which runs
    /// the slow path.
    pub(crate) fn start(
        socket: UdpSocket,
        threads: usize,
        handler: Handler,
        slow_limit: usize,
    ) -> io::Result<Self> {
        let socket = Arc::new(socket);
        let stop = Arc::new(AtomicBool::new(false));
        let slow = Arc::new(Slow {
            handler,
            runtime: tokio::runtime::Handle::current(),
            limit: Arc::new(Semaphore::new(slow_limit.max(1))),
            socket: socket.clone(),
        });
        let mut server = Self { stop: stop.clone(), counters: Vec::new(), threads: Vec::new() };
        for i in 0..threads.max(1) {
            let counters = Arc::new(Counters::default());
            server.counters.push(counters.clone());
            let (socket, stop, slow) = (socket.clone(), stop.clone(), slow.clone());
            let span = tracing::Span::current();
            let thread = std::thread::Builder::new()
                .name(format!("dns-udp-{i}"))
                .spawn(move || span.in_scope(|| serve(&socket, &stop, &slow, &counters)))?;
            server.threads.push(thread);
        }
        Ok(server)
    }

    pub(crate) fn stats(&self) -> UdpStats {
        let mut out = UdpStats::default();
        for c in &self.counters {
            out.fast += c.fast.load(Ordering::Relaxed);
            out.slow += c.slow.load(Ordering::Relaxed);
            out.dropped += c.dropped.load(Ordering::Relaxed);
        }
        out
    }

    /// Stops the threads and waits for them; the socket closes with the last one.
    pub(crate) async fn shutdown(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let threads = std::mem::take(&mut self.threads);
        let _ = tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        })
        .await;
    }
}

impl Drop for UdpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What the threads need to hand a datagram to hickory.
struct Slow {
    handler: Handler,
    runtime: tokio::runtime::Handle,
    /// Datagrams in the slow path; full means drop.
    limit: Arc<Semaphore>,
    socket: Arc<UdpSocket>,
}

/// Datagrams read (and answers sent) per system call at most.
const BATCH: usize = 32;
/// Bytes read of a datagram. Queries are a few dozen bytes; one longer than this is cut by the
/// kernel (MSG_TRUNC) and dropped rather than misread.
const MAX_QUERY: usize = 4096;

/// One thread: reads up to [`BATCH`] datagrams per `recvmmsg` (blocking for the first only, so a
/// lone query is not delayed), answers what the table can, and sends those answers with one
/// `sendmmsg`. Under load that is two system calls per batch instead of two per query.
fn serve(socket: &UdpSocket, stop: &AtomicBool, slow: &Slow, counters: &Counters) {
    let fd = socket.as_raw_fd();
    let mut bufs = vec![[0u8; MAX_QUERY]; BATCH];
    let mut outs: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
    let mut recv_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut received: Vec<(usize, Option<SockaddrStorage>, bool)> = Vec::with_capacity(BATCH);
    let mut dsts: Vec<Option<SockaddrStorage>> = Vec::with_capacity(BATCH);
    while !stop.load(Ordering::Relaxed) {
        received.clear();
        {
            let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
                bufs.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
            match recvmmsg(fd, &mut recv_headers, iovs.iter_mut(), MsgFlags::MSG_WAITFORONE, None) {
                Ok(results) => received.extend(
                    results.map(|r| (r.bytes, r.address, r.flags.contains(MsgFlags::MSG_TRUNC))),
                ),
                // The read timeout (the stop flag's poll) or a signal.
                Err(Errno::EAGAIN | Errno::EINTR) => continue,
                Err(error) => {
                    // Nothing a UDP receive reports is fatal to the socket; do not spin on it.
                    tracing::debug!(%error, "receive on the DNS UDP socket");
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
            }
        }

        let published = slow.handler.zone.current();
        let (mut fast, mut to_slow, mut dropped) = (0, 0, 0);
        let mut answered = [0u64; crate::stats::SLOTS];
        dsts.clear();
        for (i, (len, addr, truncated)) in received.iter().enumerate() {
            let src = addr.as_ref().and_then(socket_addr).filter(answerable);
            let Some(src) = src.filter(|_| !truncated) else {
                dropped += 1;
                continue;
            };
            let query = &bufs[i][..*len];
            let out = &mut outs[dsts.len()];
            let verdict = match &*published {
                Some(published) => published.fast.answer(query, out),
                None => Verdict::Slow,
            };
            match verdict {
                Verdict::Answer => {
                    fast += 1;
                    let qtype = crate::stats::qtype(query).unwrap_or(0);
                    answered[crate::stats::slot(qtype, out[3] & 0x0F)] += 1;
                    dsts.push(*addr);
                }
                Verdict::Drop => dropped += 1,
                Verdict::Slow => {
                    let Ok(permit) = slow.limit.clone().try_acquire_owned() else {
                        dropped += 1;
                        continue;
                    };
                    to_slow += 1;
                    let (handler, socket) = (slow.handler.clone(), slow.socket.clone());
                    let raw = query.to_vec();
                    slow.runtime.spawn(async move {
                        answer_slow(&handler, raw, src, socket).await;
                        drop(permit);
                    });
                }
            }
        }
        drop(published);
        // Counted before sending, so that whoever got an answer sees it counted.
        counters.fast.fetch_add(fast, Ordering::Relaxed);
        counters.slow.fetch_add(to_slow, Ordering::Relaxed);
        counters.dropped.fetch_add(dropped, Ordering::Relaxed);
        if fast > 0 {
            slow.handler.stats.add(&answered);
        }
        send_all(fd, &mut send_headers, &outs[..dsts.len()], &dsts);
    }
}

/// Sends `outs[i]` to `dsts[i]`, as many per `sendmmsg` as the kernel takes. A datagram the
/// kernel refuses (the first of a call failing) is skipped: the client will retry.
fn send_all(
    fd: RawFd,
    headers: &mut MultiHeaders<SockaddrStorage>,
    outs: &[Vec<u8>],
    dsts: &[Option<SockaddrStorage>],
) {
    let mut sent = 0;
    while sent < outs.len() {
        let slices: Vec<[IoSlice<'_>; 1]> =
            outs[sent..].iter().map(|o| [IoSlice::new(o)]).collect();
        let no_cmsgs: [ControlMessage<'_>; 0] = [];
        match sendmmsg(fd, headers, slices.iter(), &dsts[sent..], no_cmsgs, MsgFlags::empty()) {
            Ok(results) => match results.count() {
                0 => return,
                n => sent += n,
            },
            Err(Errno::EINTR) => {}
            Err(error) => {
                tracing::debug!(%error, "send DNS answers");
                sent += 1;
            }
        }
    }
}

/// As hickory's `sanitize_src_address`: never answer port 0, an unspecified address or the
/// IPv4 broadcast address (a spoofed source there would turn the answer into a reflection).
fn answerable(src: &SocketAddr) -> bool {
    src.port() != 0
        && !src.ip().is_unspecified()
        && !matches!(src.ip(), std::net::IpAddr::V4(v4) if v4.is_broadcast())
}

fn socket_addr(addr: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    addr.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into()))
}

/// hickory's UDP request path (`ServerContext::handle_request`, private to hickory): drop what has
/// no header, FORMERR what does not parse, drop responses, hand the rest to the handler.
async fn answer_slow(handler: &Handler, raw: Vec<u8>, src: SocketAddr, socket: Arc<UdpSocket>) {
    let Ok(header) = Header::read(&mut BinDecoder::new(&raw)) else {
        return;
    };
    let mut reply = UdpReply { socket, dst: src };
    match Request::from_bytes(raw, src, Protocol::Udp) {
        Ok(request) => {
            if request.metadata.message_type == MessageType::Response {
                return;
            }
            handler.handle_request::<_, TokioTime>(&request, reply).await;
        }
        Err(error) => {
            tracing::debug!(%error, %src, "malformed DNS query; FORMERR");
            let Ok(queries) = Queries::read(&mut BinDecoder::new(&[]), 0) else {
                return;
            };
            let response = MessageResponseBuilder::new(&queries, None)
                .error_msg(&header.metadata, ResponseCode::FormErr);
            let _ = reply.send_response(response).await;
        }
    }
}

/// Sends a slow-path response on the shared socket. The send blocks only if the socket's send
/// buffer is full, which for UDP means the interface queue is; the datagram is then dropped
/// rather than queued anywhere else.
#[derive(Clone)]
struct UdpReply {
    socket: Arc<UdpSocket>,
    dst: SocketAddr,
}

#[async_trait::async_trait]
impl ResponseHandler for UdpReply {
    async fn send_response<'a>(
        &mut self,
        response: MessageResponse<
            '_,
            'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
            impl Iterator<Item = &'a Record> + Send + 'a,
        >,
    ) -> Result<ResponseInfo, NetError> {
        let (info, bytes) = fast::encode_udp(response);
        self.socket.send_to(&bytes, self.dst).map_err(NetError::from)?;
        Ok(info)
    }
}
