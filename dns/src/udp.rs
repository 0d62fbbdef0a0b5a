//! The UDP side of the server: a few OS threads blocked on one UDP socket, answering from the
//! fast path's table ([`crate::fast`]) and handing everything else to the same request handler
//! hickory uses for TCP, on the tokio runtime.
//!
//! Why not hickory's UDP loop: it spawns a tokio task per datagram (with no bound on how many)
//! and parses every query into owned objects before a lookup, which made it answer 0.4x of BIND's
//! queries per second on this project's benchmark. Threads in a blocking `recv_from` cost a
//! system call per datagram and nothing else; a table lookup and a copy make the answer.
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

use std::io;
use std::net::{SocketAddr, UdpSocket};
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

fn serve(socket: &UdpSocket, stop: &AtomicBool, slow: &Slow, counters: &Counters) {
    // A query is small, but a datagram larger than the buffer would be cut silently and then
    // misread; the largest UDP payload fits.
    let mut buf = vec![0u8; 65535];
    let mut out = Vec::with_capacity(4096);
    while !stop.load(Ordering::Relaxed) {
        let (len, src) = match socket.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                continue
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                // Nothing a UDP receive reports is fatal to the socket; do not spin on it.
                tracing::debug!(%error, "receive on the DNS UDP socket");
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
        };
        // As hickory: nothing is sent to port 0.
        if src.port() == 0 {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let query = &buf[..len];
        let verdict = match &*slow.handler.zone.current() {
            Some(published) => published.fast.answer(query, &mut out),
            None => Verdict::Slow,
        };
        match verdict {
            Verdict::Answer => {
                counters.fast.fetch_add(1, Ordering::Relaxed);
                if let Err(error) = socket.send_to(&out, src) {
                    tracing::debug!(%error, %src, "send DNS answer");
                }
            }
            Verdict::Drop => {
                counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Verdict::Slow => {
                let Ok(permit) = slow.limit.clone().try_acquire_owned() else {
                    counters.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                counters.slow.fetch_add(1, Ordering::Relaxed);
                let (handler, socket, raw) = (slow.handler.clone(), slow.socket.clone(), query.to_vec());
                slow.runtime.spawn(async move {
                    answer_slow(&handler, raw, src, socket).await;
                    drop(permit);
                });
            }
        }
    }
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
