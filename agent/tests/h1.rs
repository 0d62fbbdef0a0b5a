//! The HTTP/1.1 fast path byte for byte, against a scripted member on 127.0.0.1: chunked and
//! close-delimited responses, a streamed request body, pipelining, a pooled member socket the
//! member closed (retried for a GET, not for a POST), and a connection handed to the hyper path
//! half-way (HTTP/1.0, a chunked request body) keeping its earlier requests' answers intact; and
//! the same requests, L7 policies included, answered alike with and without the fast path.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use lbaas_proto::{Algorithm, MemberConfig, Protocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A member answering by path, with framing chosen by the test:
/// `/len` a `Content-Length` body naming the connection's request count; `/chunked` a chunked
/// body with a trailer; `/close` a body delimited by closing; `/echo` the length and byte sum
/// of the request body; `/last` answers, then closes the connection at the next request
/// without answering it (a keep-alive socket closed under the proxy). Request bodies are
/// read by `Content-Length` or chunked framing.
struct Scripted {
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
}

impl Scripted {
    async fn start() -> Scripted {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let accepted = Arc::new(AtomicU64::new(0));
        let acc = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (s, _) = l.accept().await.unwrap();
                acc.fetch_add(1, Relaxed);
                tokio::spawn(member_conn(s));
            }
        });
        Scripted { addr, accepted }
    }

    fn member(&self) -> MemberConfig {
        MemberConfig {
            id: "s".into(),
            address: self.addr.ip(),
            port: self.addr.port(),
            weight: 1,
            up: true,
        }
    }
}

async fn member_conn(mut s: TcpStream) {
    let mut buf = Vec::new();
    let mut n = 0u64;
    let mut closing = false;
    loop {
        let Some((path, body)) = read_request(&mut s, &mut buf).await else { return };
        if closing {
            return; // Closed at this request, unanswered.
        }
        n += 1;
        let resp = match path.as_str() {
            "/chunked" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n\
                           5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
                .to_string(),
            "/close" => {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\nuntil the end").await;
                return;
            }
            "/echo" => {
                let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
                let text = format!("{} {sum}", body.len());
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{text}", text.len())
            }
            "/big" => {
                let body = big_body();
                let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                r.push_str(&body);
                r
            }
            "/bigchunked" => {
                let body = big_body();
                let mut r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_string();
                for piece in body.as_bytes().chunks(10_000) {
                    r.push_str(&format!(
                        "{:x}\r\n{}\r\n",
                        piece.len(),
                        std::str::from_utf8(piece).unwrap()
                    ));
                }
                r.push_str("0\r\nX-T: 1\r\n\r\n");
                r
            }
            "/last" => {
                closing = true;
                "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast".to_string()
            }
            _ => {
                let text = format!("request {n}");
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{text}", text.len())
            }
        };
        if s.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A megabyte of text that shows any byte lost, doubled or reordered.
fn big_body() -> String {
    (0..100_000).map(|i| format!("{i:09}\n")).collect()
}

/// One request (path, body) from `s`, or `None` at its end.
async fn read_request(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(n)) = req.parse(buf) {
            let path = req.path.unwrap_or("/").to_string();
            let header = |name: &str| {
                req.headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).to_string())
            };
            let len: Option<usize> = header("content-length").and_then(|v| v.parse().ok());
            let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
            buf.drain(..n);
            let body = if chunked {
                read_chunked(s, buf).await?
            } else {
                let len = len.unwrap_or(0);
                while buf.len() < len {
                    read_more(s, buf).await?;
                }
                buf.drain(..len).collect()
            };
            return Some((path, body));
        }
        read_more(s, buf).await?;
    }
}

async fn read_chunked(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(p) = buf.windows(2).position(|w| w == b"\r\n") {
                break p;
            }
            read_more(s, buf).await?;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&buf[..line_end]).ok()?, 16).ok()?;
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            read_more(s, buf).await?;
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
        if size == 0 {
            return Some(body);
        }
    }
}

async fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut b = [0u8; 16384];
    match s.read(&mut b).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&b[..n]);
            Some(())
        }
    }
}

/// Reads one response from the proxy: (head, body), the body by the response's framing
/// (`Content-Length`, chunked kept as sent, or until close).
async fn response(c: &mut TcpStream, buf: &mut Vec<u8>) -> (String, String) {
    let fut = async {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            if let Ok(httparse::Status::Complete(n)) = resp.parse(buf) {
                let header = |name: &str| {
                    resp.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).to_string())
                };
                let len: Option<usize> = header("content-length").and_then(|v| v.parse().ok());
                let chunked = header("transfer-encoding").is_some();
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                buf.drain(..n);
                let body: Vec<u8> = if chunked {
                    while !buf.windows(5).any(|w| w == b"0\r\nX-") || !buf.ends_with(b"\r\n\r\n") {
                        read_more(c, buf).await.expect("chunked body");
                    }
                    std::mem::take(buf)
                } else if let Some(len) = len {
                    while buf.len() < len {
                        read_more(c, buf).await.expect("body");
                    }
                    buf.drain(..len).collect()
                } else {
                    while read_more(c, buf).await.is_some() {}
                    std::mem::take(buf)
                };
                return (head, String::from_utf8(body).unwrap());
            }
            read_more(c, buf).await.expect("response head");
        }
    };
    tokio::time::timeout(Duration::from_secs(5), fut).await.expect("a response within 5 s")
}

async fn agent_for(m: &Scripted) -> (std::sync::Arc<lbaas_agent::Agent>, u16) {
    let port = free_port();
    let agent =
        start_agent(&listener(Protocol::Http, port, Algorithm::RoundRobin, vec![m.member()])).await;
    (agent, port)
}

const GET: &str = "GET {} HTTP/1.1\r\nHost: web\r\n\r\n";

fn get(path: &str) -> String {
    GET.replace("{}", path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_and_close_delimited_responses_pass_through() {
    let m = Scripted::start().await;
    let (_agent, port) = agent_for(&m).await;
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    c.write_all(get("/chunked").as_bytes()).await.unwrap();
    let (head, body) = response(&mut c, &mut buf).await;
    assert!(
        head.contains("Transfer-Encoding: chunked") && head.contains("x-lbaas-member: s"),
        "{head}"
    );
    assert_eq!(body, "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-T: 1\r\n\r\n");
    // The same client connection goes on: the chunked end was found.
    c.write_all(get("/").as_bytes()).await.unwrap();
    let (_, body) = response(&mut c, &mut buf).await;
    assert_eq!(body, "request 2", "the member socket was reused after the chunked body");

    // Bodies far larger than a read, by length and chunked, on the same connection.
    c.write_all(get("/big").as_bytes()).await.unwrap();
    assert!(response(&mut c, &mut buf).await.1 == big_body(), "the 1 MB body arrived intact");
    c.write_all(get("/bigchunked").as_bytes()).await.unwrap();
    let (_, body) = response(&mut c, &mut buf).await;
    assert_eq!(body.len(), big_body().len() + 100 * 8 + 13, "chunk framing passed as sent");

    // Delimited by the member closing: forwarded, and the client is told the connection ends.
    c.write_all(get("/close").as_bytes()).await.unwrap();
    let (head, body) = response(&mut c, &mut buf).await;
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    assert_eq!(body, "until the end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_and_a_streamed_body_keep_their_order() {
    let m = Scripted::start().await;
    let (_agent, port) = agent_for(&m).await;
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    // Three requests in one write; the second has a body.
    let pipelined = format!(
        "{}POST /echo HTTP/1.1\r\nHost: web\r\nContent-Length: 3\r\n\r\nabc{}",
        get("/"),
        get("/")
    );
    c.write_all(pipelined.as_bytes()).await.unwrap();
    assert_eq!(response(&mut c, &mut buf).await.1, "request 1");
    assert_eq!(response(&mut c, &mut buf).await.1, format!("3 {}", 97 + 98 + 99));
    assert_eq!(response(&mut c, &mut buf).await.1, "request 3");

    // A body far larger than one read, sent in pieces.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sum: u64 = body.iter().map(|&b| u64::from(b)).sum();
    let head =
        format!("POST /echo HTTP/1.1\r\nHost: web\r\nContent-Length: {}\r\n\r\n", body.len());
    c.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(70_000) {
        c.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(response(&mut c, &mut buf).await.1, format!("{} {sum}", body.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_socket_closed_by_the_member_is_retried_only_when_safe() {
    let m = Scripted::start().await;
    let (_agent, port) = agent_for(&m).await;
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    // `/last` leaves a pooled socket the member closes at its next request, unanswered.
    c.write_all(get("/last").as_bytes()).await.unwrap();
    assert_eq!(response(&mut c, &mut buf).await.1, "last");
    c.write_all(get("/").as_bytes()).await.unwrap();
    let (head, body) = response(&mut c, &mut buf).await;
    assert!(head.starts_with("HTTP/1.1 200"), "a GET is sent again on a fresh socket: {head}");
    assert_eq!(body, "request 1", "answered on a new member connection");
    assert_eq!(m.accepted.load(Relaxed), 2);

    // A POST may have been acted on: not sent twice, a 502 instead.
    c.write_all(get("/last").as_bytes()).await.unwrap();
    assert_eq!(response(&mut c, &mut buf).await.1, "last");
    c.write_all(b"POST /echo HTTP/1.1\r\nHost: web\r\nContent-Length: 1\r\n\r\nx").await.unwrap();
    let (head, body) = response(&mut c, &mut buf).await;
    assert!(head.starts_with("HTTP/1.1 502"), "{head}");
    assert_eq!(body, "member failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_is_handed_to_the_hyper_path_mid_way() {
    let m = Scripted::start().await;
    let (_agent, port) = agent_for(&m).await;
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    c.write_all(get("/").as_bytes()).await.unwrap();
    assert_eq!(response(&mut c, &mut buf).await.1, "request 1");
    // A chunked request body is not the fast path's: hyper takes the connection from here, with
    // the bytes already read, and re-frames the body for the member.
    c.write_all(b"POST /echo HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n")
        .await
        .unwrap();
    let (head, body) = response(&mut c, &mut buf).await;
    assert!(head.contains("x-lbaas-member: s"), "{head}");
    assert_eq!(body, format!("2 {}", 97 + 98));
    c.write_all(get("/").as_bytes()).await.unwrap();
    assert!(response(&mut c, &mut buf).await.1.starts_with("request "));

    // HTTP/1.0 from the start.
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    c.write_all(b"GET / HTTP/1.0\r\nHost: web\r\n\r\n").await.unwrap();
    let (head, body) = response(&mut c, &mut Vec::new()).await;
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(body.starts_with("request "), "{body}");

    // A head the fast path cannot parse gets hyper's 400.
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost web\r\n\r\n").await.unwrap();
    let (head, _) = response(&mut c, &mut Vec::new()).await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stalling_mid_body_gets_a_504_and_frees_the_member() {
    let m = Scripted::start().await;
    let (agent, port) = agent_for(&m).await;
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    c.write_all(b"POST /echo HTTP/1.1\r\nHost: web\r\nContent-Length: 1000\r\n\r\n0123456789")
        .await
        .unwrap();
    // The response timeout (2 s in the tests) covers the send as it does the answer.
    let (head, body) = response(&mut c, &mut Vec::new()).await;
    assert!(head.starts_with("HTTP/1.1 504"), "{head}");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    assert_eq!(body, "member did not answer in time");
    let hb = agent.heartbeat().await;
    assert_eq!((hb.members[0].active, hb.members[0].errors), (0, 1), "{hb:?}");
}

/// A member that answers each request with what it received, normalised (method, target,
/// version, headers lowercased and sorted, body), framed by the path: `/r/chunked` chunked,
/// `/r/hop` with hop-by-hop and `Connection`-named headers, `/r/204` no content, else a length.
async fn mirror() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let Some((view, path, head_only)) = read_view(&mut s, &mut buf).await else {
                        return;
                    };
                    let body = if head_only { String::new() } else { view.clone() };
                    let resp = match path.as_str() {
                        "/r/chunked" => format!(
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                            body.len()
                        ),
                        "/r/hop" => format!(
                            "HTTP/1.1 200 OK\r\nConnection: x-resp-hop\r\nX-Resp-Hop: 1\r\n\
                             Keep-Alive: timeout=5\r\nX-Lbaas-Member: forged\r\n\
                             Proxy-Authenticate: Basic\r\nX-Kept: yes\r\nContent-Length: {}\r\n\r\n{body}",
                            view.len()
                        ),
                        "/r/204" => "HTTP/1.1 204 No Content\r\nX-Kept: yes\r\n\r\n".to_string(),
                        _ => format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            view.len()
                        ),
                    };
                    if s.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// One request as the mirror describes it, its path, and whether it was a HEAD.
async fn read_view(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, String, bool)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(n)) = req.parse(buf) {
            let method = req.method.unwrap_or("").to_string();
            let target = req.path.unwrap_or("").to_string();
            let mut lines: Vec<String> = req
                .headers
                .iter()
                .map(|h| {
                    format!("{}: {}", h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value))
                })
                .collect();
            lines.sort();
            let len: usize = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.parse().ok())
                .unwrap_or(0);
            let version = req.version.unwrap_or(9);
            buf.drain(..n);
            while buf.len() < len {
                read_more(s, buf).await?;
            }
            let body: Vec<u8> = buf.drain(..len).collect();
            let view = format!(
                "{method} {target} HTTP/1.{version}\n{}\n\n{}",
                lines.join("\n"),
                String::from_utf8_lossy(&body)
            );
            let path = target.split('?').next().unwrap_or("").to_string();
            return Some((view, path, method == "HEAD"));
        }
        read_more(s, buf).await?;
    }
}

/// A whole response on a connection the client closes after: status, headers (lowercased,
/// sorted, without the ones framing or the date legitimately make differ), decoded body.
async fn exchange_raw(port: u16, request: &[u8], head_request: bool) -> String {
    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    c.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let fut = async {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut resp = httparse::Response::new(&mut headers);
            if let Ok(httparse::Status::Complete(n)) = resp.parse(&buf) {
                let status = resp.code.unwrap_or(0);
                let get = |name: &str| {
                    resp.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).to_string())
                };
                let len: Option<usize> = get("content-length").and_then(|v| v.parse().ok());
                let chunked = get("transfer-encoding").is_some_and(|v| v.contains("chunked"));
                let skip = ["date", "content-length", "transfer-encoding", "connection"];
                let mut lines: Vec<String> = resp
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value)))
                    .filter(|(n, _)| !skip.contains(&n.as_str()))
                    .map(|(n, v)| format!("{n}: {v}"))
                    .collect();
                lines.sort();
                buf.drain(..n);
                let no_body = head_request || status == 204 || status == 304;
                let body = if no_body {
                    Vec::new()
                } else if chunked {
                    let mut body = Vec::new();
                    loop {
                        let line_end = loop {
                            if let Some(p) = buf.windows(2).position(|w| w == b"\r\n") {
                                break p;
                            }
                            read_more(&mut c, &mut buf).await.expect("chunk size");
                        };
                        let size = usize::from_str_radix(
                            std::str::from_utf8(&buf[..line_end]).unwrap(),
                            16,
                        )
                        .unwrap();
                        buf.drain(..line_end + 2);
                        while buf.len() < size + 2 {
                            read_more(&mut c, &mut buf).await.expect("chunk");
                        }
                        body.extend(buf.drain(..size));
                        buf.drain(..2);
                        if size == 0 {
                            break body;
                        }
                    }
                } else if let Some(len) = len {
                    while buf.len() < len {
                        read_more(&mut c, &mut buf).await.expect("body");
                    }
                    buf.drain(..len).collect()
                } else {
                    while read_more(&mut c, &mut buf).await.is_some() {}
                    std::mem::take(&mut buf)
                };
                return format!(
                    "{status}\n{}\n\n{}",
                    lines.join("\n"),
                    String::from_utf8_lossy(&body)
                );
            }
            read_more(&mut c, &mut buf).await.expect("response head");
        }
    };
    tokio::time::timeout(Duration::from_secs(5), fut).await.expect("a response within 5 s")
}

/// The same config served by two agents, one with the fast path and one without it
/// (`--no-http1-fast-path`, every request through hyper), on the same member.
async fn fast_and_hyper(
    cfg: &lbaas_proto::AgentConfig,
) -> (Vec<Arc<lbaas_agent::Agent>>, u16, u16) {
    let (fast, slow) = (free_port(), free_port());
    let mut f = cfg.clone();
    f.listeners[0].port = fast;
    let mut h = cfg.clone();
    h.listeners[0].port = slow;
    let mut opts = options();
    opts.tunables.http1_fast_path = false;
    let agents = vec![start_agent(&f).await, start_agent_with(&opts, &h).await];
    // The two do take different paths: hyper dates its responses, the fast path passes the
    // member's head on (the mirror sends no `Date`).
    let dated = |port| async move {
        let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n").await.unwrap();
        let head = response(&mut c, &mut Vec::new()).await.0.to_ascii_lowercase();
        head.contains("\ndate: ")
    };
    assert!(!dated(fast).await && dated(slow).await, "one agent each way");
    (agents, fast, slow)
}

/// The same requests through the fast path and through the hyper path reach the member alike
/// and come back alike: the two paths keep one contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_path_and_the_hyper_path_keep_one_contract() {
    let m = mirror().await;
    let member =
        MemberConfig { id: "m".into(), address: m.ip(), port: m.port(), weight: 1, up: true };
    let cfg = listener(Protocol::Http, 0, Algorithm::RoundRobin, vec![member]);
    let (_agents, fast, slow) = fast_and_hyper(&cfg).await;

    let corpus: Vec<(&str, String)> = vec![
        ("plain", "GET /a?b=c HTTP/1.1\r\nHost: web\r\nAccept: */*\r\n\r\n".into()),
        (
            "hop-by-hop and named",
            "GET / HTTP/1.1\r\nHost: web\r\nConnection: keep-alive, X-Hop, x-other\r\nX-Hop: 1\r\n\
             X-Other: 2\r\nKeep-Alive: 5\r\nTE: trailers\r\nProxy-Authorization: Basic x\r\n\
             Proxy-Connection: keep-alive\r\nX-Stays: 3\r\n\r\n"
                .into(),
        ),
        (
            "forwarded headers",
            "GET / HTTP/1.1\r\nHost: web\r\nX-Forwarded-For: 203.0.113.7\r\n\
             X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n\r\n"
                .into(),
        ),
        (
            "a body",
            "POST /form HTTP/1.1\r\nHost: web\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"
                .into(),
        ),
        ("an empty body", "PUT /x HTTP/1.1\r\nHost: web\r\nContent-Length: 0\r\n\r\n".into()),
        ("HEAD", "HEAD /h HTTP/1.1\r\nHost: web\r\n\r\n".into()),
        ("values with tabs and obs-text", "GET / HTTP/1.1\r\nHost: web\r\nX-T: a\tb \u{e9}\r\n\r\n".into()),
        ("bare LF lines", "GET /lf HTTP/1.1\nHost: web\nX-A: 1\n\n".into()),
        ("chunked answer", "GET /r/chunked HTTP/1.1\r\nHost: web\r\n\r\n".into()),
        ("hop-by-hop answer", "GET /r/hop HTTP/1.1\r\nHost: web\r\n\r\n".into()),
        ("no content", "DELETE /r/204 HTTP/1.1\r\nHost: web\r\n\r\n".into()),
        ("close asked", "GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n".into()),
    ];
    for (what, req) in &corpus {
        let bytes: Vec<u8> = req.chars().map(|c| c as u32 as u8).collect();
        let head = req.starts_with("HEAD");
        let via_fast = exchange_raw(fast, &bytes, head).await;
        let via_hyper = exchange_raw(slow, &bytes, head).await;
        assert_eq!(via_fast, via_hyper, "{what}: fast path (left) and hyper path (right) differ");
        assert!(via_fast.contains("x-lbaas-member: m"), "{what}: {via_fast}");
        match *what {
            "hop-by-hop and named" => {
                assert!(
                    via_fast.contains("x-stays: 3") && !via_fast.contains("x-hop"),
                    "{via_fast}"
                );
                assert!(
                    !via_fast.contains("proxy-") && !via_fast.contains("keep-alive"),
                    "{via_fast}"
                );
            }
            "forwarded headers" => {
                assert!(
                    via_fast.contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n"),
                    "{via_fast}"
                );
                assert!(via_fast.contains("x-forwarded-proto: http\n"), "{via_fast}");
            }
            "a body" => assert!(via_fast.ends_with("\n\nhello world"), "{via_fast}"),
            "hop-by-hop answer" => {
                assert!(
                    via_fast.contains("x-kept: yes") && !via_fast.contains("forged"),
                    "{via_fast}"
                );
                assert!(
                    !via_fast.contains("x-resp-hop") && !via_fast.contains("proxy-"),
                    "{via_fast}"
                );
            }
            _ => {}
        }
    }
}

/// L7 policies pick the same pool on both paths (host folded and without its port, cookies,
/// path and header rules, an inverted rule), and what a policy answers itself (a redirect, a
/// rejection) comes back alike: the fast path hands such a request to hyper.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l7_policies_choose_alike_on_both_paths() {
    use lbaas_proto::{ActionConfig, Compare, PolicyConfig, PoolConfig, RuleConfig, RuleKind};
    let m = mirror().await;
    let member = |id: &str| MemberConfig {
        id: id.into(),
        address: m.ip(),
        port: m.port(),
        weight: 1,
        up: true,
    };
    let rule = |kind, compare, key: Option<&str>, value: &str, invert| RuleConfig {
        kind,
        compare,
        key: key.map(Into::into),
        value: value.into(),
        invert,
    };
    let policy = |id: &str, rules, action| PolicyConfig { id: id.into(), rules, action };
    let to = |pool: &str| ActionConfig::Forward { pool: pool.into() };
    let mut cfg = listener(Protocol::Http, 0, Algorithm::RoundRobin, vec![member("m")]);
    let l = &mut cfg.listeners[0];
    l.pools = ["a", "b"]
        .iter()
        .map(|id| PoolConfig {
            id: (*id).into(),
            algorithm: Algorithm::RoundRobin,
            members: vec![member(id)],
        })
        .collect();
    l.policies = vec![
        policy(
            "host",
            vec![rule(RuleKind::HostName, Compare::EqualTo, None, "API.example", false)],
            to("a"),
        ),
        policy(
            "cookie",
            vec![rule(RuleKind::Cookie, Compare::EqualTo, Some("tier"), "gold", false)],
            to("b"),
        ),
        policy(
            "static",
            vec![
                rule(RuleKind::Path, Compare::StartsWith, None, "/static", false),
                rule(RuleKind::Header, Compare::Contains, Some("X-Variant"), "b", false),
                rule(RuleKind::Header, Compare::EqualTo, Some("x-skip"), "1", true),
            ],
            to("b"),
        ),
        policy(
            "moved",
            vec![rule(RuleKind::Path, Compare::EqualTo, None, "/old", false)],
            ActionConfig::RedirectPrefix { prefix: "https://new.example/".into(), status: 301 },
        ),
        policy(
            "deny",
            vec![rule(RuleKind::Path, Compare::StartsWith, None, "/admin", false)],
            ActionConfig::Reject { status: 403 },
        ),
    ];
    let (_agents, fast, slow) = fast_and_hyper(&cfg).await;

    let req = |target: &str, headers: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: web\r\n{headers}\r\n").into_bytes()
    };
    let corpus: Vec<(&str, Vec<u8>, &str)> = vec![
        ("no policy matches", req("/", ""), "m"),
        (
            "host, other case, with a port",
            b"GET / HTTP/1.1\r\nHost: api.EXAMPLE:8080\r\n\r\n".to_vec(),
            "a",
        ),
        ("a cookie among others, quoted", req("/", "Cookie: a=1; tier=\"gold\"\r\n"), "b"),
        ("a cookie in a second header", req("/", "Cookie: a=1\r\nCookie: tier=gold\r\n"), "b"),
        ("the cookie's name is not a prefix", req("/", "Cookie: xtier=gold\r\n"), "m"),
        ("path and header", req("/static/x.css?v=1", "X-Variant: ab\r\n"), "b"),
        (
            "path and the header's second value",
            req("/static", "x-variant: a\r\nX-Variant: b\r\n"),
            "b",
        ),
        ("the inverted rule", req("/static/x", "X-Variant: b\r\nX-Skip: 1\r\n"), "m"),
        ("the query is not the path", req("/x?/static", "X-Variant: b\r\n"), "m"),
        ("a target hyper refuses", req("/static<x", "X-Variant: b\r\n"), ""),
        ("a fragment", req("/static#x", "X-Variant: b\r\n"), "b"),
        ("two Hosts", req("/", "Host: api.example\r\n"), ""),
        ("a redirect", req("/old?q=1", ""), ""),
        ("a rejection", req("/admin/x", ""), ""),
    ];
    for (what, bytes, pool) in &corpus {
        let via_fast = exchange_raw(fast, bytes, false).await;
        let via_hyper = exchange_raw(slow, bytes, false).await;
        assert_eq!(via_fast, via_hyper, "{what}: fast path (left) and hyper path (right) differ");
        match *what {
            "a redirect" => {
                assert!(via_fast.starts_with("301\n"), "{via_fast}");
                assert!(via_fast.contains("location: https://new.example/old?q=1"), "{via_fast}");
            }
            "a rejection" => assert!(via_fast.starts_with("403\n"), "{via_fast}"),
            "a target hyper refuses" | "two Hosts" => {
                assert!(via_fast.starts_with("400\n"), "{what}: {via_fast}")
            }
            _ => assert!(
                via_fast.contains(&format!("x-lbaas-member: {pool}\n")),
                "{what}: {via_fast}"
            ),
        }
    }

    // On one connection: requests routed by policies on the fast path (undated: the member's
    // head as it was), then one a policy answers (the connection goes to hyper from there:
    // dated), then one more, still routed by the policies.
    let mut c = TcpStream::connect(("127.0.0.1", fast)).await.unwrap();
    let mut buf = Vec::new();
    for (bytes, want, fast_path) in [
        (req("/", ""), "x-lbaas-member: m", true),
        (b"GET / HTTP/1.1\r\nHost: api.example\r\n\r\n".to_vec(), "x-lbaas-member: a", true),
        (req("/", "Cookie: tier=gold\r\n"), "x-lbaas-member: b", true),
        (req("/admin", ""), "http/1.1 403", false),
        (req("/", "Cookie: tier=gold\r\n"), "x-lbaas-member: b", false),
    ] {
        c.write_all(&bytes).await.unwrap();
        let head = response(&mut c, &mut buf).await.0.to_ascii_lowercase();
        assert!(head.contains(want), "want {want}: {head}");
        assert_eq!(!head.contains("\ndate: "), fast_path, "fast path {fast_path}: {head}");
    }
}
