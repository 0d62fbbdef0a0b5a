//! The controller channel over a unix socket, the test playing the controller: hello, config →
//! ack → traffic, idempotent and stale generations, heartbeats, ping, reconnect after the
//! controller goes away (traffic keeps flowing meanwhile), drain.

mod common;

use std::time::Duration;

use common::*;
use lbaas_agent::{channel, Agent, ChannelSpec};
use lbaas_proto::{Algorithm, FromAgent, Protocol, ToAgent};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};

struct Controller {
    lines: Lines<BufReader<OwnedReadHalf>>,
    w: OwnedWriteHalf,
}

impl Controller {
    async fn accept(l: &UnixListener) -> Controller {
        let (s, _): (UnixStream, _) = tokio::time::timeout(Duration::from_secs(5), l.accept())
            .await
            .expect("agent connects")
            .unwrap();
        let (r, w) = s.into_split();
        Controller { lines: BufReader::new(r).lines(), w }
    }

    async fn send(&mut self, msg: &ToAgent) {
        self.w.write_all(&lbaas_proto::encode(msg)).await.unwrap();
    }

    async fn recv(&mut self) -> FromAgent {
        let line = tokio::time::timeout(Duration::from_secs(5), self.lines.next_line())
            .await
            .expect("agent speaks within 5 s")
            .unwrap()
            .expect("channel open");
        lbaas_proto::decode(line.as_bytes()).unwrap()
    }

    /// The next message that is not a heartbeat.
    async fn recv_reply(&mut self) -> FromAgent {
        loop {
            match self.recv().await {
                FromAgent::Heartbeat(_) => continue,
                m => return m,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_channel_drives_the_agent() {
    let dir = std::env::temp_dir().join(format!("lbaas-agent-chan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("agent.sock");
    let l = UnixListener::bind(&path).unwrap();
    let agent = Agent::new(&options());
    let task = tokio::spawn(channel::run(agent.clone(), ChannelSpec::Unix(path.clone())));

    let mut ctl = Controller::accept(&l).await;
    let version = env!("CARGO_PKG_VERSION").to_owned();
    assert_eq!(
        ctl.recv().await,
        FromAgent::Hello { node: "test-node".into(), version: version.clone(), generation: 0 }
    );

    let backend = Backend::http("a").await;
    let port = free_port();
    let config = listener(Protocol::Http, port, Algorithm::LeastLatency, vec![backend.member()]);
    ctl.send(&ToAgent::Config { generation: 5, config: config.clone() }).await;
    assert_eq!(ctl.recv_reply().await, FromAgent::Ack { generation: 5, error: None });
    let c = client();
    assert_eq!(get(&c, port, "/").await.unwrap().member, "a");

    // Same generation: acknowledged, nothing changes. Older: acknowledged with the current one.
    ctl.send(&ToAgent::Config { generation: 5, config: config.clone() }).await;
    assert_eq!(ctl.recv_reply().await, FromAgent::Ack { generation: 5, error: None });
    ctl.send(&ToAgent::Config { generation: 3, config: Default::default() }).await;
    assert_eq!(ctl.recv_reply().await, FromAgent::Ack { generation: 5, error: None });
    assert_eq!(get(&c, port, "/").await.unwrap().member, "a");

    // Heartbeats: within ~1.5 s, carrying the generation and the member's traffic.
    let start = tokio::time::Instant::now();
    let hb = loop {
        if let FromAgent::Heartbeat(hb) = ctl.recv().await {
            if hb.requests_total >= 2 {
                break hb;
            }
        }
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "no heartbeat with traffic in 1.5 s"
        );
    };
    assert_eq!(hb.generation, 5);
    let m = hb.members.iter().find(|m| m.id == "a").unwrap();
    assert!(m.requests >= 2 && m.errors == 0 && m.p99_ms > 0.0, "{hb:?}");

    ctl.send(&ToAgent::Ping).await;
    assert_eq!(
        ctl.recv_reply().await,
        FromAgent::Hello { node: "test-node".into(), version: version.clone(), generation: 5 }
    );

    // Controller goes away: traffic keeps flowing, and the agent comes back with its generation.
    drop(ctl);
    assert_eq!(get(&c, port, "/").await.unwrap().member, "a");
    let mut ctl = Controller::accept(&l).await;
    assert_eq!(
        ctl.recv().await,
        FromAgent::Hello { node: "test-node".into(), version, generation: 5 }
    );

    // Drain: the port closes and Drained arrives once in-flight work is done.
    ctl.send(&ToAgent::Drain { seconds: 2 }).await;
    drop(c);
    assert_eq!(ctl.recv_reply().await, FromAgent::Drained);
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err());

    task.abort();
    std::fs::remove_dir_all(&dir).unwrap();
}
