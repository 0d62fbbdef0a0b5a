//! The response cache (hit/miss, `no-store`, `private`, `max-age` expiry, `Vary`), the local
//! admin endpoint, and the bounds on connections: client keep-alive idle, TCP idle, the per
//! listener connection limit. All on 127.0.0.1 with real backends.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hyper::StatusCode;
use lbaas_proto::{AgentConfig, Algorithm, Protocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn caching(port: u16, b: &Backend) -> AgentConfig {
    let mut cfg = listener(Protocol::Http, port, Algorithm::RoundRobin, vec![b.member()]);
    cfg.listeners[0].cache = true;
    cfg
}

fn x_cache(r: &Reply) -> &str {
    r.headers.get("x-cache").map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_hits_misses_and_honours_no_store_and_private() {
    let a = Backend::http("a").await;
    let port = free_port();
    let agent = start_agent(&caching(port, &a)).await;
    let c = client();
    let cc = |v| [("x-reply-cache-control", v)];

    let r = get_with(&c, port, "/page", &cc("public, max-age=60")).await.unwrap();
    assert_eq!((r.status, x_cache(&r), r.body.as_str()), (StatusCode::OK, "MISS", "a"));
    let r = get_with(&c, port, "/page", &cc("public, max-age=60")).await.unwrap();
    assert_eq!((r.status, x_cache(&r), r.body.as_str()), (StatusCode::OK, "HIT", "a"));
    assert_eq!(r.member, "a", "a hit keeps the headers of the stored response");
    assert!(r.headers.contains_key("age"));
    assert_eq!(a.requests(), 1, "the hit never reached the member");
    // The query is part of the key.
    let r = get_with(&c, port, "/page?x=1", &cc("max-age=60")).await.unwrap();
    assert_eq!(x_cache(&r), "MISS");

    // Responses the rules forbid to store: every request reaches the member.
    for (path, directive) in
        [("/ns", "no-store"), ("/priv", "private, max-age=60"), ("/nc", "no-cache, max-age=60")]
    {
        let before = a.requests();
        for _ in 0..3 {
            let r = get_with(&c, port, path, &cc(directive)).await.unwrap();
            assert_eq!(x_cache(&r), "MISS", "{directive}");
        }
        assert_eq!(a.requests() - before, 3, "{directive} was cached");
    }
    // No explicit lifetime: not cached either.
    get(&c, port, "/plain").await.unwrap();
    assert_eq!(x_cache(&get(&c, port, "/plain").await.unwrap()), "MISS");

    // A client's no-cache goes to the member (and refreshes the entry); its no-store bypasses.
    let before = a.requests();
    let r = get_with(
        &c,
        port,
        "/page",
        &[("cache-control", "no-cache"), ("x-reply-cache-control", "max-age=60")],
    )
    .await
    .unwrap();
    assert_eq!(x_cache(&r), "MISS");
    assert_eq!(a.requests(), before + 1);
    let r = get_with(&c, port, "/page", &[("cache-control", "no-store")]).await.unwrap();
    assert_eq!(x_cache(&r), "MISS");
    assert_eq!(x_cache(&get(&c, port, "/page").await.unwrap()), "HIT");

    // Counters: in the heartbeat (node totals).
    let hb = agent.heartbeat().await;
    assert_eq!(hb.cache_hits, 2, "{hb:?}");
    assert!(hb.cache_misses >= 12, "{hb:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_entries_expire_after_max_age() {
    let a = Backend::http("a").await;
    let port = free_port();
    let _agent = start_agent(&caching(port, &a)).await;
    let c = client();
    let h = [("x-reply-cache-control", "max-age=1")];
    let stored = Instant::now();
    assert_eq!(x_cache(&get_with(&c, port, "/e", &h).await.unwrap()), "MISS");
    assert_eq!(x_cache(&get_with(&c, port, "/e", &h).await.unwrap()), "HIT");
    // Fresh for one second, then a miss again.
    let expired = wait_for(Duration::from_millis(50), Duration::from_secs(5), || async {
        x_cache(&get_with(&c, port, "/e", &h).await.unwrap()) == "MISS"
    })
    .await;
    assert!(expired);
    assert!(stored.elapsed() >= Duration::from_secs(1), "expired early: {:?}", stored.elapsed());
    // And the refreshed entry is served again.
    assert_eq!(x_cache(&get_with(&c, port, "/e", &h).await.unwrap()), "HIT");

    // A zero lifetime is never stored.
    let h = [("x-reply-cache-control", "max-age=0")];
    get_with(&c, port, "/z", &h).await.unwrap();
    assert_eq!(x_cache(&get_with(&c, port, "/z", &h).await.unwrap()), "MISS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_keys_on_vary_headers() {
    let a = Backend::http("a").await;
    let port = free_port();
    let _agent = start_agent(&caching(port, &a)).await;
    let c = client();
    let req = |lang| {
        [
            ("x-reply-cache-control", "max-age=60"),
            ("x-reply-vary", "Accept-Language"),
            ("accept-language", lang),
        ]
    };
    let seen =
        |r: &Reply| (x_cache(r).to_owned(), r.headers["x-seen-lang"].to_str().unwrap().to_owned());
    let r = get_with(&c, port, "/v", &req("en")).await.unwrap();
    assert_eq!(seen(&r), ("MISS".into(), "en".into()));
    let r = get_with(&c, port, "/v", &req("en")).await.unwrap();
    assert_eq!(seen(&r), ("HIT".into(), "en".into()));
    let r = get_with(&c, port, "/v", &req("fr")).await.unwrap();
    assert_eq!(seen(&r), ("MISS".into(), "fr".into()), "a French client got the English page");
    let r = get_with(&c, port, "/v", &req("fr")).await.unwrap();
    assert_eq!(seen(&r), ("HIT".into(), "fr".into()));
    let r = get_with(&c, port, "/v", &req("en")).await.unwrap();
    assert_eq!(seen(&r), ("HIT".into(), "en".into()));
    assert_eq!(a.requests(), 2);

    // `Vary: *` is never stored.
    let star = [("x-reply-cache-control", "max-age=60"), ("x-reply-vary", "*")];
    get_with(&c, port, "/star", &star).await.unwrap();
    assert_eq!(x_cache(&get_with(&c, port, "/star", &star).await.unwrap()), "MISS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_without_cache_do_not_cache() {
    let a = Backend::http("a").await;
    let port = free_port();
    let _agent =
        start_agent(&listener(Protocol::Http, port, Algorithm::RoundRobin, vec![a.member()])).await;
    let c = client();
    for _ in 0..3 {
        let r = get_with(&c, port, "/", &[("x-reply-cache-control", "max-age=60")]).await.unwrap();
        assert!(!r.headers.contains_key("x-cache"));
    }
    assert_eq!(a.requests(), 3);
}

/// `run` with `admin_listen`: `GET /stats` serves the heartbeat's statistics as JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoint_serves_stats_on_loopback_only() {
    let a = Backend::http("a").await;
    let (port, admin) = (free_port(), free_port());
    let cfg = caching(port, &a);
    let path =
        std::env::temp_dir().join(format!("lbaas-agent-admin-{}-{port}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&cfg).unwrap()).unwrap();
    let mut opts = options();
    opts.config = Some(path.clone());
    opts.admin_listen = Some(format!("127.0.0.1:{admin}").parse().unwrap());
    let task = tokio::spawn(lbaas_agent::run(opts));
    let c = client();
    let up = wait_for(Duration::from_millis(20), Duration::from_secs(5), || async {
        get(&c, admin, "/healthz").await.is_ok_and(|r| r.status == StatusCode::OK)
    })
    .await;
    std::fs::remove_file(&path).unwrap();
    assert!(up, "admin endpoint never answered");
    let h = [("x-reply-cache-control", "max-age=60")];
    for _ in 0..3 {
        assert_eq!(get_with(&c, port, "/", &h).await.unwrap().status, StatusCode::OK);
    }
    let r = get(&c, admin, "/stats").await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["node"], "test-node");
    assert_eq!(v["requests_total"], 3);
    assert_eq!((v["cache_hits"].as_u64(), v["cache_misses"].as_u64()), (Some(2), Some(1)));
    assert!(v["cpu"].is_number() && v["requests_per_second"].is_number(), "{v}");
    let m = &v["members"][0];
    assert_eq!((m["id"].as_str(), m["requests"].as_u64()), (Some("a"), Some(1)), "{v}");
    assert!(m["p50_ms"].as_f64().unwrap() > 0.0 && m["ejected"] == false, "{v}");
    let l = &v["listeners"][0];
    assert_eq!((l["name"].as_str(), l["port"].as_u64()), (Some("web"), Some(port as u64)));
    assert_eq!((l["cache"]["hits"].as_u64(), l["cache"]["entries"].as_u64()), (Some(2), Some(1)));
    // Reading the endpoint does not decay the heartbeat's latency window.
    let again: serde_json::Value =
        serde_json::from_str(&get(&c, admin, "/stats").await.unwrap().body).unwrap();
    assert_eq!(again["members"][0]["p50_ms"], m["p50_ms"]);
    assert_eq!(get(&c, admin, "/nope").await.unwrap().status, StatusCode::NOT_FOUND);
    task.abort();

    // Never on a non-loopback address.
    let mut opts = options();
    opts.admin_listen = Some("0.0.0.0:0".parse().unwrap());
    let err = lbaas_agent::run(opts).await.unwrap_err();
    assert!(format!("{err:#}").contains("loopback"), "{err:#}");
}

/// Reads until EOF or an error; returns how long that took (bounded by `limit`).
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_client_and_tcp_connections_are_closed() {
    let (a, t) = (Backend::http("a").await, Backend::tcp("t").await);
    let (hp, tp) = (free_port(), free_port());
    let mut opts = options();
    opts.tunables.client_idle_timeout = Duration::from_millis(300);
    opts.tunables.tunnel_idle_timeout = Duration::from_millis(200);
    let mut cfg = listener(Protocol::Http, hp, Algorithm::RoundRobin, vec![a.member()]);
    let mut tcp = listener(Protocol::Tcp, tp, Algorithm::RoundRobin, vec![t.member()]);
    tcp.listeners[0].name = "tcp".into();
    cfg.listeners.append(&mut tcp.listeners);
    let _agent = start_agent_with(&opts, &cfg).await;

    // A keep-alive client that goes quiet after its response.
    let mut s = TcpStream::connect(("127.0.0.1", hp)).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let t_idle = closed_within(&mut s, Duration::from_secs(5)).await.expect("idle client kept");
    assert!(t_idle >= Duration::from_millis(250), "closed too early: {t_idle:?}");

    // A TCP session where nothing moves after a few bytes (no FIN, so the backend waits).
    let mut s = TcpStream::connect(("127.0.0.1", tp)).await.unwrap();
    s.write_all(b"hello").await.unwrap();
    let t_idle = closed_within(&mut s, Duration::from_secs(5)).await.expect("idle session kept");
    assert!(t_idle >= Duration::from_millis(150), "closed too early: {t_idle:?}");

    // A session that keeps talking outlives the idle period.
    let mut s = TcpStream::connect(("127.0.0.1", tp)).await.unwrap();
    for _ in 0..8 {
        s.write_all(b"x").await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    s.shutdown().await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert_eq!(out, "t:8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_listener_limit_wait() {
    let a = Backend::http("a").await;
    let port = free_port();
    let mut opts = options();
    opts.tunables.max_connections_per_listener = 1;
    let agent = start_agent_with(
        &opts,
        &listener(Protocol::Http, port, Algorithm::RoundRobin, vec![a.member()]),
    )
    .await;
    let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    first.write_all(req).await.unwrap();
    let mut head = [0u8; 12];
    first.read_exact(&mut head).await.unwrap();
    // The second connection sits in the backlog: no answer while the first is open.
    let mut second = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    second.write_all(req).await.unwrap();
    let waited =
        tokio::time::timeout(Duration::from_millis(300), second.read_exact(&mut head)).await;
    assert!(waited.is_err(), "served beyond the limit");
    assert_eq!(agent.stats().await.listeners[0].connections, 1);
    drop(first);
    tokio::time::timeout(Duration::from_secs(5), second.read_exact(&mut head))
        .await
        .expect("second connection never served")
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
}
