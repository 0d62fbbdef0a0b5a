//! The HTTP/1.1 fast path byte for byte, against a scripted member on 127.0.0.1: chunked and
//! close-delimited responses, a streamed request body, pipelining, a pooled member socket the
//! member closed (retried for a GET, not for a POST), and a connection handed to the hyper path
//! half-way (HTTP/1.0, a chunked request body) keeping its earlier requests' answers intact.

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
