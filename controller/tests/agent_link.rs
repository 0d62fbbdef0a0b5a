//! The agent link against a misbehaving guest: a line that never ends is cut at
//! `lbaas_proto::MAX_LINE` while it is read (the controller's memory stays bounded), the link
//! is dropped, and it reconnects and works with a well-behaved agent afterwards.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lbaas_controller::agent_link::{AgentLinks, Agents};
use lbaas_proto::FromAgent;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;

#[tokio::test]
async fn a_line_over_the_limit_drops_the_link_which_then_reconnects() {
    let dir = std::env::temp_dir().join(format!("lbaas-link-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("agent.sock");
    // Plays libvirt's part: it binds the socket, the controller connects as a client.
    let listener = UnixListener::bind(&sock).unwrap();
    let links = AgentLinks::new(Arc::new(tokio::sync::Notify::new()));
    links.ensure("node-1", &sock);

    let (conn, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("the link connects")
        .unwrap();
    let (r, mut w) = conn.into_split();
    let mut ping = String::new();
    BufReader::new(r).read_line(&mut ping).await.unwrap();
    assert!(ping.contains("ping"), "{ping}");

    // A flood without a newline: the controller must stop reading (close) once MAX_LINE bytes
    // are buffered, so writes fail after about that much, not after everything we have.
    let chunk = vec![b'x'; 64 * 1024];
    let limit = lbaas_proto::MAX_LINE;
    let mut sent = 0usize;
    let start = Instant::now();
    let cut = loop {
        match tokio::time::timeout(Duration::from_secs(5), w.write_all(&chunk)).await {
            Ok(Ok(())) => sent += chunk.len(),
            Ok(Err(_)) => break true,
            Err(_) => break false, // blocked: the controller stopped reading without closing
        }
        if sent > 8 * limit || start.elapsed() > Duration::from_secs(30) {
            break false;
        }
    };
    assert!(cut, "the link kept reading or stalled instead of closing (sent {sent} bytes)");
    // The socket buffers hold a few hundred KiB beyond what the controller read.
    assert!(sent < limit + limit / 2, "read {sent} bytes of one line, limit {limit}");
    drop(w);
    assert!(!links.state("node-1").unwrap().hello);

    // It reconnects and a well-behaved agent is heard.
    let (conn, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("the link reconnects")
        .unwrap();
    let (_r, mut w) = conn.into_split();
    let hello = FromAgent::Hello { node: "node-1".into(), version: "test".into(), generation: 7 };
    w.write_all(&lbaas_proto::encode(&hello)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !links.state("node-1").is_some_and(|s| s.hello && s.generation == 7) {
        assert!(Instant::now() < deadline, "hello after reconnect not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    links.forget("node-1");
    let _ = std::fs::remove_dir_all(&dir);
}
