//! The controller channel: finds and opens the transport, speaks `lbaas-proto` over it, and
//! reopens it forever when it breaks.
//!
//! Transports: in a VM, the virtio-serial port named [`lbaas_proto::CHANNEL_NAME`] (`auto`); in
//! development and tests, a unix socket the controller (or the test) listens on. A session sends
//! `Hello`, answers every `Config` with an `Ack` and every `Ping` with a `Hello`, and heartbeats
//! on a timer. Invariants: the channel never blocks traffic (the listeners do not wait on it); a
//! write that does not complete within [`WRITE_TIMEOUT`] ends the session, because a virtio port
//! whose host side is gone can block writes indefinitely.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use anyhow::{bail, Context as _};
use lbaas_proto::{FromAgent, ToAgent, CHANNEL_NAME, MAX_LINE};
use tokio::io::unix::AsyncFd;
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf,
};
use tokio::sync::mpsc;
use tracing::Instrument as _;

use crate::Agent;

const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between reopen attempts: the controller restarting takes seconds; a tight loop would
/// only burn the VM's one CPU.
const REOPEN_DELAY: Duration = Duration::from_millis(500);

/// Where the controller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelSpec {
    /// The virtio-serial port named [`CHANNEL_NAME`], found under `/sys/class/virtio-ports`.
    Auto,
    /// A unix socket to connect to.
    Unix(PathBuf),
}

impl std::str::FromStr for ChannelSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(ChannelSpec::Auto),
            _ => match s.strip_prefix("unix:") {
                Some(p) if !p.is_empty() => Ok(ChannelSpec::Unix(p.into())),
                _ => Err(format!("expected `auto` or `unix:/path`, got {s:?}")),
            },
        }
    }
}

type Reader = Box<dyn AsyncRead + Unpin + Send>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// Serves the channel forever, reopening it whenever it breaks.
pub async fn run(agent: Arc<Agent>, spec: ChannelSpec) {
    let mut last_error = String::new();
    loop {
        match open(&spec).await {
            Ok((r, w)) => {
                last_error.clear();
                tracing::info!(?spec, "controller channel open");
                let res = session(&agent, r, w).instrument(tracing::info_span!("channel")).await;
                match res {
                    // A virtio port whose host side is not connected reads EOF at once; that is
                    // "no controller yet", not news, twice a second.
                    Ok(0) => tracing::debug!("controller channel closed before any message"),
                    Ok(n) => tracing::info!(messages = n, "controller channel closed; reopening"),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "controller channel broke; reopening")
                    }
                }
            }
            Err(e) => {
                // Log each distinct failure once: a controller that is down for minutes must not
                // fill the console with one line per retry.
                let msg = format!("{e:#}");
                if msg != last_error {
                    tracing::warn!(error = %msg, "cannot open controller channel; retrying");
                    last_error = msg;
                }
            }
        }
        tokio::time::sleep(REOPEN_DELAY).await;
    }
}

async fn open(spec: &ChannelSpec) -> anyhow::Result<(Reader, Writer)> {
    match spec {
        ChannelSpec::Unix(path) => {
            let s = tokio::net::UnixStream::connect(path)
                .await
                .with_context(|| format!("connect to {}", path.display()))?;
            let (r, w) = s.into_split();
            Ok((Box::new(r), Box::new(w)))
        }
        ChannelSpec::Auto => {
            let dev = find_port(Path::new("/sys/class/virtio-ports"), CHANNEL_NAME)?;
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(O_NONBLOCK)
                .open(&dev)
                .with_context(|| format!("open {}", dev.display()))?;
            let port = Arc::new(Port::new(f).with_context(|| format!("poll {}", dev.display()))?);
            Ok((Box::new(PortHalf(port.clone())), Box::new(PortHalf(port))))
        }
    }
}

/// `O_NONBLOCK` on x86_64 and aarch64 Linux (the VM's architectures); spelled out because the
/// workspace has no libc dependency for the agent.
const O_NONBLOCK: i32 = 0o4000;

/// A virtio-serial port driven by epoll readiness rather than blocking reads and writes.
///
/// Why not `tokio::fs::File`: it runs each read or write on a blocking thread, and on a port
/// whose host side is not connected a blocking write never returns, so every reconnect attempt
/// would strand a thread and queue a stale `Hello`. Non-blocking, the kernel answers at once:
/// reads return EOF (host gone: reopen later), writes `EAGAIN` until the host side is there.
struct Port(AsyncFd<std::fs::File>);

impl Port {
    fn new(f: std::fs::File) -> std::io::Result<Port> {
        // `AsyncFd::new` is deprecated for types whose `as_raw_fd` could change or close under
        // it; a `File` owns its descriptor for its whole life, which is exactly the contract of
        // the unsafe `AsyncFd::register`, and the workspace denies unsafe code.
        #[allow(deprecated)]
        Ok(Port(AsyncFd::new(f)?))
    }
}

/// One direction of a shared [`Port`] (readiness for reading and writing is tracked separately).
struct PortHalf(Arc<Port>);

impl AsyncRead for PortHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            let mut ready = ready!(self.0 .0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match ready.try_io(|f| (&mut f.get_ref()).read(unfilled)) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for PortHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        loop {
            let mut ready = ready!(self.0 .0.poll_write_ready(cx))?;
            match ready.try_io(|f| (&mut f.get_ref()).write(data)) {
                Ok(res) => return Poll::Ready(res),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// `/dev/<port>` for the virtio port whose `name` is `name` (e.g. `/dev/vport1p1`).
pub fn find_port(sys: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let entries = std::fs::read_dir(sys).with_context(|| format!("list {}", sys.display()))?;
    for e in entries.flatten() {
        let Ok(n) = std::fs::read_to_string(e.path().join("name")) else { continue };
        if n.trim_end() == name {
            return Ok(Path::new("/dev").join(e.file_name()));
        }
    }
    bail!("no virtio port named {name} under {}", sys.display())
}

/// One connection's life; returns how many messages the controller sent.
async fn session(agent: &Arc<Agent>, r: Reader, mut w: Writer) -> anyhow::Result<u64> {
    let (in_tx, mut inbox) = mpsc::channel::<ToAgent>(16);
    // Reading in its own task keeps `select!` below free of a half-read line on cancellation.
    let reader = tokio::spawn(read_loop(r, in_tx).in_current_span());
    let mut reader = AbortOnDrop(reader);
    let (out_tx, mut outbox) = mpsc::channel::<FromAgent>(4);

    let mut received = 0u64;
    // Raced against the reader: on a virtio port with no host side the write waits while the
    // read sees EOF at once, and EOF is the answer we want (close quietly, retry), not a timeout.
    let first = hello(agent).await;
    tokio::select! {
        res = send(&mut w, &first) => res?,
        _ = &mut reader.0 => return Ok(0),
    }
    let mut tick = tokio::time::interval(agent.shared.tunables.heartbeat_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = inbox.recv() => {
                let Some(msg) = msg else { return Ok(received) };
                received += 1;
                match msg {
                    ToAgent::Config { generation, config } => {
                        let ack = agent.apply(generation, &config).await;
                        send(&mut w, &ack).await?;
                    }
                    ToAgent::Ping => send(&mut w, &hello(agent).await).await?,
                    ToAgent::Drain { seconds } => {
                        let (a, tx) = (agent.clone(), out_tx.clone());
                        tokio::spawn(async move {
                            a.drain(Duration::from_secs(seconds.into())).await;
                            let _ = tx.send(FromAgent::Drained).await;
                        }.in_current_span());
                    }
                }
            }
            Some(msg) = outbox.recv() => send(&mut w, &msg).await?,
            _ = tick.tick() => send(&mut w, &FromAgent::Heartbeat(agent.heartbeat().await)).await?,
        }
    }
}

async fn hello(agent: &Agent) -> FromAgent {
    FromAgent::Hello {
        node: agent.node().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        generation: agent.generation().await,
    }
}

async fn send(w: &mut Writer, msg: &FromAgent) -> anyhow::Result<()> {
    let line = lbaas_proto::encode(msg);
    tokio::time::timeout(WRITE_TIMEOUT, async {
        w.write_all(&line).await?;
        w.flush().await
    })
    .await
    .context("write to controller timed out")?
    .context("write to controller")
}

/// Decodes lines into the inbox until EOF, an I/O error or an over-long line. A line that does
/// not decode is logged and skipped: a newer controller may send messages this agent predates.
async fn read_loop(r: Reader, tx: mpsc::Sender<ToAgent>) {
    let mut r = BufReader::new(r);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = match (&mut r).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "read from controller failed");
                return;
            }
        };
        if n == 0 {
            return;
        }
        if buf.last() != Some(&b'\n') {
            if buf.len() > MAX_LINE {
                tracing::warn!(len = buf.len(), "line from controller too long; closing");
            }
            return; // Over-long, or EOF in the middle of a line.
        }
        let line = &buf[..buf.len() - 1];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match lbaas_proto::decode::<ToAgent>(line) {
            Ok(msg) => {
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!(error = %e, "undecodable message from controller skipped"),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs_and_finds_the_named_port() {
        assert_eq!("auto".parse(), Ok(ChannelSpec::Auto));
        assert_eq!("unix:/a/b".parse(), Ok(ChannelSpec::Unix("/a/b".into())));
        assert!("unix:".parse::<ChannelSpec>().is_err());
        assert!("tcp:1".parse::<ChannelSpec>().is_err());

        let dir = std::env::temp_dir().join(format!("lbaas-agent-vports-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (port, name) in
            [("vport0p0", ""), ("vport1p1", "org.qemu.guest_agent.0"), ("vport2p1", CHANNEL_NAME)]
        {
            std::fs::create_dir_all(dir.join(port)).unwrap();
            std::fs::write(dir.join(port).join("name"), format!("{name}\n")).unwrap();
        }
        assert_eq!(find_port(&dir, CHANNEL_NAME).unwrap(), Path::new("/dev/vport2p1"));
        assert!(find_port(&dir, "nope").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The non-blocking port wrapper, over a socketpair standing in for the virtio device.
    #[tokio::test]
    async fn port_reads_and_writes_without_blocking_threads() {
        let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let f = std::fs::File::from(std::os::fd::OwnedFd::from(ours));
        let port = Arc::new(Port::new(f).unwrap());
        let (mut r, mut w) = (PortHalf(port.clone()), PortHalf(port));
        w.write_all(b"hello\n").await.unwrap();
        let mut got = [0u8; 6];
        std::io::Read::read_exact(&mut theirs, &mut got).unwrap();
        assert_eq!(&got, b"hello\n");
        std::io::Write::write_all(&mut theirs, b"ping\n").unwrap();
        let mut line = String::new();
        BufReader::new(&mut r).read_line(&mut line).await.unwrap();
        assert_eq!(line, "ping\n");
        drop(theirs);
        assert_eq!(r.read(&mut [0u8; 8]).await.unwrap(), 0, "peer gone reads as EOF");
    }
}
