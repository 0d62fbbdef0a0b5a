//! Links to the agents inside the node VMs, behind the [`Agents`] trait.
//!
//! One task per node holds the host end of the virtio-serial channel (a unix socket libvirt
//! binds): it reconnects forever (the VM may still be booting, the controller may have
//! restarted), says `Ping` on every connect so the agent answers `Hello` with the generation it
//! runs, records acks and heartbeats, and wakes the reconciler when something it waits for
//! happens (hello, ack). The reconciler decides what to push; the link only carries it.
//!
//! Reads are bounded: a line may hold at most [`lbaas_proto::MAX_LINE`] bytes, enforced while
//! reading (not after), so a guest cannot grow the controller's memory by never sending a
//! newline; a link that exceeds it is dropped and reconnects.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use lbaas_proto::{AgentConfig, FromAgent, Heartbeat, ToAgent};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::sync::{mpsc, Notify};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

#[derive(Debug, Clone, Default)]
pub struct AgentState {
    pub connected: bool,
    pub hello: bool,
    /// The config generation the agent says it runs.
    pub generation: u64,
    pub last_error: Option<String>,
    pub last_heartbeat: Option<Instant>,
    pub heartbeat: Option<Heartbeat>,
    /// The agent reported that a drain finished: nothing in flight any more.
    pub drained: bool,
}

pub trait Agents: Send + Sync + 'static {
    /// Starts a link to the agent of `node` over `socket` unless one runs.
    fn ensure(&self, node: &str, socket: &Path);
    fn state(&self, node: &str) -> Option<AgentState>;
    /// Sends a config (delivered if connected; the reconciler resends until acknowledged).
    fn push(&self, node: &str, generation: u64, config: AgentConfig);
    /// Asks the agent to stop accepting and finish in-flight work within `seconds`.
    fn drain(&self, node: &str, seconds: u32);
    fn forget(&self, node: &str);
    fn nodes(&self) -> Vec<String>;
    /// Nodes whose link said something since the last call (hello, ack, drained, a drop): a
    /// change-driven pass looks at them.
    fn take_changed(&self) -> Vec<String> {
        Vec::new()
    }
}

type Changed = Arc<Mutex<std::collections::BTreeSet<String>>>;

struct Link {
    state: Arc<Mutex<AgentState>>,
    tx: mpsc::UnboundedSender<ToAgent>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
pub struct AgentLinks {
    links: Arc<Mutex<HashMap<String, Link>>>,
    wake: Arc<Notify>,
    changed: Changed,
}

impl AgentLinks {
    pub fn new(wake: Arc<Notify>) -> Self {
        AgentLinks { links: Arc::default(), wake, changed: Arc::default() }
    }
}

impl Agents for AgentLinks {
    fn ensure(&self, node: &str, socket: &Path) {
        let mut links = self.links.lock().unwrap();
        if links.get(node).is_some_and(|l| !l.task.is_finished()) {
            return;
        }
        let state = Arc::new(Mutex::new(AgentState::default()));
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(link_task(
            node.to_string(),
            socket.to_path_buf(),
            state.clone(),
            rx,
            self.wake.clone(),
            self.changed.clone(),
        ));
        links.insert(node.to_string(), Link { state, tx, task });
    }

    fn state(&self, node: &str) -> Option<AgentState> {
        self.links.lock().unwrap().get(node).map(|l| l.state.lock().unwrap().clone())
    }

    fn push(&self, node: &str, generation: u64, config: AgentConfig) {
        if let Some(l) = self.links.lock().unwrap().get(node) {
            let _ = l.tx.send(ToAgent::Config { generation, config });
        }
    }

    fn drain(&self, node: &str, seconds: u32) {
        if let Some(l) = self.links.lock().unwrap().get(node) {
            let _ = l.tx.send(ToAgent::Drain { seconds });
        }
    }

    fn forget(&self, node: &str) {
        if let Some(l) = self.links.lock().unwrap().remove(node) {
            l.task.abort();
        }
    }

    fn nodes(&self) -> Vec<String> {
        self.links.lock().unwrap().keys().cloned().collect()
    }

    fn take_changed(&self) -> Vec<String> {
        std::mem::take(&mut *self.changed.lock().unwrap()).into_iter().collect()
    }
}

#[tracing::instrument(skip_all, fields(node = %node))]
async fn link_task(
    node: String,
    socket: PathBuf,
    state: Arc<Mutex<AgentState>>,
    mut rx: mpsc::UnboundedReceiver<ToAgent>,
    wake: Arc<Notify>,
    changed: Changed,
) {
    loop {
        let stream = match UnixStream::connect(&socket).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let (r, mut w) = stream.into_split();
        let mut lines = FramedRead::new(r, LinesCodec::new_with_max_length(lbaas_proto::MAX_LINE));
        state.lock().unwrap().connected = true;
        if w.write_all(&lbaas_proto::encode(&ToAgent::Ping)).await.is_err() {
            continue;
        }
        loop {
            tokio::select! {
                line = lines.next() => {
                    let line = match line {
                        Some(Ok(l)) => l,
                        Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                            tracing::warn!(max = lbaas_proto::MAX_LINE,
                                "agent sent a line over the limit; dropping the link");
                            break;
                        }
                        _ => break,
                    };
                    match lbaas_proto::decode::<FromAgent>(line.as_bytes()) {
                        Ok(msg) => {
                            if !matches!(msg, FromAgent::Heartbeat(_)) {
                                changed.lock().unwrap().insert(node.clone());
                            }
                            on_message(&node, &state, &wake, msg)
                        }
                        // Boot noise before the agent runs is not ours to parse.
                        Err(_) => continue,
                    }
                }
                out = rx.recv() => {
                    let Some(msg) = out else { return };
                    if w.write_all(&lbaas_proto::encode(&msg)).await.is_err() { break; }
                }
            }
        }
        {
            let mut s = state.lock().unwrap();
            s.connected = false;
            s.hello = false;
        }
        // A link that drops usually means the VM died: the reconciler looks at once rather
        // than at its next timer, which is what makes failover start within a second.
        changed.lock().unwrap().insert(node.clone());
        wake.notify_one();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn on_message(node: &str, state: &Mutex<AgentState>, wake: &Notify, msg: FromAgent) {
    let mut s = state.lock().unwrap();
    match msg {
        FromAgent::Hello { generation, version, .. } => {
            tracing::info!(node, generation, version, "agent hello");
            s.hello = true;
            s.generation = generation;
            wake.notify_one();
        }
        FromAgent::Ack { generation, error } => {
            match &error {
                None => s.generation = s.generation.max(generation),
                Some(e) => tracing::warn!(node, generation, error = %e, "agent refused config"),
            }
            s.last_error = error;
            wake.notify_one();
        }
        FromAgent::Heartbeat(hb) => {
            s.generation = hb.generation.max(s.generation);
            s.last_heartbeat = Some(Instant::now());
            s.heartbeat = Some(hb);
        }
        FromAgent::Drained => {
            tracing::info!(node, "agent drained");
            s.drained = true;
            wake.notify_one();
        }
    }
}

/// For reconciler tests: an agent that is up as soon as asked and applies every config.
#[derive(Clone, Default)]
pub struct FakeAgents {
    pub states: Arc<Mutex<HashMap<String, AgentState>>>,
}

impl Agents for FakeAgents {
    fn ensure(&self, node: &str, _socket: &Path) {
        self.states.lock().unwrap().entry(node.to_string()).or_insert_with(|| AgentState {
            connected: true,
            hello: true,
            ..Default::default()
        });
    }

    fn state(&self, node: &str) -> Option<AgentState> {
        self.states.lock().unwrap().get(node).cloned()
    }

    fn push(&self, node: &str, generation: u64, _config: AgentConfig) {
        if let Some(s) = self.states.lock().unwrap().get_mut(node) {
            s.generation = generation;
        }
    }

    fn drain(&self, node: &str, _seconds: u32) {
        if let Some(s) = self.states.lock().unwrap().get_mut(node) {
            s.drained = true;
        }
    }

    fn forget(&self, node: &str) {
        self.states.lock().unwrap().remove(node);
    }

    fn nodes(&self) -> Vec<String> {
        self.states.lock().unwrap().keys().cloned().collect()
    }
}
