//! End-to-end tests of the DNS server: rows go into a throwaway PostgreSQL database with plain
//! SQL, the real server runs in-process on 127.0.0.1 with a kernel-chosen port, and the real `dig`
//! asks the questions a user would. No fixed sleeps: everything that waits polls with a deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lbaas_dns::{Cidr, Config, DnsServer};
use sqlx::PgPool;

async fn database() -> PgPool {
    let url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    lbaas_db::testing::fresh_database(&url).await.expect("create test database").0
}

fn config() -> Config {
    Config { listen: "127.0.0.1:0".parse().unwrap(), ..Config::default() }
}

async fn start(db: &PgPool, config: Config) -> DnsServer {
    DnsServer::start(db.clone(), config).await.expect("start DNS server")
}

/// Runs `dig @addr -p port args...` and returns stdout. One try, short timeout: the caller polls.
async fn dig(addr: SocketAddr, args: &[&str]) -> String {
    let out = tokio::process::Command::new("dig")
        .arg(format!("@{}", addr.ip()))
        .args(["-p", &addr.port().to_string(), "+time=2", "+tries=1"])
        .args(args)
        .output()
        .await
        .expect("run dig (install dnsutils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `dig +short` lines, sorted.
async fn short(addr: SocketAddr, name: &str, rtype: &str) -> Vec<String> {
    let out = dig(addr, &[name, rtype, "+short"]).await;
    let mut lines: Vec<String> = out.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

async fn serial(addr: SocketAddr) -> u32 {
    let out = dig(addr, &["lbaas.test.", "SOA", "+short"]).await;
    out.split_whitespace().nth(2).and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        panic!("no SOA serial in {out:?}");
    })
}

/// Polls `cond` every 20 ms until it holds or `deadline` passes.
async fn wait_for<F, Fut>(deadline: Duration, mut cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = Instant::now() + deadline;
    loop {
        if cond().await {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A tenant `acme`, project `web`, subnet and an ACTIVE load balancer `name`; returns its id.
async fn load_balancer(db: &PgPool, name: &str) -> String {
    sqlx::query(
        "INSERT INTO tenant (id, name) VALUES (gen_random_uuid(), 'acme') ON CONFLICT DO NOTHING",
    )
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO project (id, tenant_id, name)
         SELECT gen_random_uuid(), id, 'web' FROM tenant WHERE name = 'acme'
         ON CONFLICT DO NOTHING",
    )
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO subnet (id, tenant_id, project_id, name, cidr, gateway)
         SELECT gen_random_uuid(), p.tenant_id, p.id, 'net', '10.0.0.0/16', '10.0.0.1'
           FROM project p WHERE p.name = 'web'
         ON CONFLICT DO NOTHING",
    )
    .execute(db)
    .await
    .unwrap();
    sqlx::query_scalar::<_, String>(
        "INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name, provisioning_status)
         SELECT gen_random_uuid(), s.tenant_id, s.project_id, s.id, $1, 'ACTIVE'
           FROM subnet s WHERE s.name = 'net'
         RETURNING id::text",
    )
    .bind(name)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn node(db: &PgPool, lb: &str, name: &str, vip: Option<&str>, status: &str) {
    sqlx::query(
        "INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status)
         SELECT gen_random_uuid(), tenant_id, id, $2, $3::inet, $4
           FROM load_balancer WHERE id = $1::uuid",
    )
    .bind(lb)
    .bind(name)
    .bind(vip)
    .bind(status)
    .execute(db)
    .await
    .unwrap();
}

const LB1: &str = "lb1.web.acme.lbaas.test.";

#[tokio::test]
async fn name_resolves_to_active_vips_only() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    node(&db, &lb, "n2", Some("10.0.0.6"), "ACTIVE").await;
    node(&db, &lb, "n3", Some("10.0.0.7"), "BUILDING").await;
    node(&db, &lb, "n4", None, "ACTIVE").await;
    node(&db, &lb, "n5", Some("fd00::5"), "ACTIVE").await;
    sqlx::query(
        "INSERT INTO listener (id, tenant_id, load_balancer_id, name, protocol, port)
         SELECT gen_random_uuid(), tenant_id, id, 'http', 'HTTP', 80 FROM load_balancer",
    )
    .execute(&db)
    .await
    .unwrap();
    let server = start(&db, config()).await;
    let addr = server.local_addr();

    assert_eq!(short(addr, LB1, "A").await, ["10.0.0.5", "10.0.0.6"]);
    assert_eq!(short(addr, "LB1.Web.ACME.lbaas.TEST", "A").await, ["10.0.0.5", "10.0.0.6"]);
    assert_eq!(short(addr, LB1, "AAAA").await, ["fd00::5"]);
    assert_eq!(short(addr, LB1, "TXT").await, ["\"listener=http/80\""]);
    assert_eq!(short(addr, "ns1.lbaas.test.", "A").await, ["127.0.0.1"]);
    assert_eq!(short(addr, "lbaas.test.", "NS").await, ["ns1.lbaas.test."]);

    let full = dig(addr, &[LB1, "A"]).await;
    assert!(full.contains("status: NOERROR"), "{full}");
    assert!(full.contains(" aa"), "authoritative answer expected: {full}");
    assert!(full.contains("EDNS: version: 0"), "EDNS echoed: {full}");
    let ttl_5 = full
        .lines()
        .any(|l| l.split_whitespace().eq([LB1, "5", "IN", "A", "10.0.0.5"].iter().copied()));
    assert!(ttl_5, "TTL 5: {full}");

    let status = server.status();
    assert_eq!((status.names, status.skipped, status.last_error), (1, 0, None));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_names_are_nxdomain_and_other_zones_refused() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();

    let out = dig(addr, &["nope.web.acme.lbaas.test.", "A"]).await;
    assert!(out.contains("status: NXDOMAIN"), "{out}");
    assert!(out.contains("AUTHORITY SECTION:") && out.contains("\tSOA\t"), "{out}");

    // A name that exists with no record of that type: NOERROR, empty answer, SOA.
    let out = dig(addr, &[LB1, "MX"]).await;
    assert!(out.contains("status: NOERROR") && out.contains("ANSWER: 0"), "{out}");
    // So does an empty non-terminal: an NXDOMAIN there would deny everything below it to
    // resolvers that implement RFC 8020.
    for ent in ["web.acme.lbaas.test.", "acme.lbaas.test."] {
        let out = dig(addr, &[ent, "A"]).await;
        assert!(out.contains("status: NOERROR") && out.contains("ANSWER: 0"), "{ent}: {out}");
    }
    let out = dig(addr, &["x.lb1.web.acme.lbaas.test.", "A"]).await;
    assert!(out.contains("status: NXDOMAIN"), "{out}");

    for outside in ["example.com.", "test.", "."] {
        let out = dig(addr, &[outside, "A"]).await;
        assert!(out.contains("status: REFUSED"), "{outside}: {out}");
    }

    // A node going away, then the whole load balancer: NXDOMAIN with SOA again.
    node(&db, &lb, "n2", Some("10.0.0.6"), "ACTIVE").await;
    assert!(
        wait_for(Duration::from_secs(3), || async {
            short(addr, LB1, "A").await == ["10.0.0.5", "10.0.0.6"]
        })
        .await
    );
    sqlx::query("DELETE FROM node WHERE name = 'n1'").execute(&db).await.unwrap();
    assert!(
        wait_for(Duration::from_secs(3), || async { short(addr, LB1, "A").await == ["10.0.0.6"] })
            .await
    );
    sqlx::query("UPDATE node SET status = 'FAILED' WHERE name = 'n2'").execute(&db).await.unwrap();
    assert!(
        wait_for(Duration::from_secs(3), || async {
            let out = dig(addr, &[LB1, "A"]).await;
            out.contains("status: NXDOMAIN") && out.contains("\tSOA\t")
        })
        .await,
        "name of a load balancer without an ACTIVE node must be NXDOMAIN"
    );
    sqlx::query("UPDATE node SET status = 'ACTIVE' WHERE name = 'n2'").execute(&db).await.unwrap();
    assert!(
        wait_for(Duration::from_secs(3), || async { short(addr, LB1, "A").await == ["10.0.0.6"] })
            .await
    );
    sqlx::query("UPDATE load_balancer SET provisioning_status = 'PENDING_DELETE'")
        .execute(&db)
        .await
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(3), || async {
            dig(addr, &[LB1, "A"]).await.contains("status: NXDOMAIN")
        })
        .await,
        "a load balancer being deleted must be NXDOMAIN"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn change_is_visible_within_one_second() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    assert!(dig(addr, &[LB1, "A"]).await.contains("status: NXDOMAIN"));

    // Measured from the commit: the bound ARCHITECTURE §6 promises.
    node(&db, &lb, "n1", Some("10.0.0.9"), "ACTIVE").await;
    let committed = Instant::now();
    let seen =
        wait_for(Duration::from_secs(5), || async { short(addr, LB1, "A").await == ["10.0.0.9"] })
            .await;
    let took = committed.elapsed();
    assert!(seen, "change never visible");
    assert!(took <= Duration::from_secs(1), "change visible after {took:?}, more than 1 s");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn serial_grows_with_changes_and_survives_restart() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    let s0 = serial(addr).await;

    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    assert!(wait_for(Duration::from_secs(3), || async { serial(addr).await > s0 }).await);
    let s1 = serial(addr).await;
    assert_eq!(short(addr, LB1, "A").await, ["10.0.0.5"]);

    // A change that does not touch the records does not move the serial. (Heartbeat-only
    // updates are not even announced, migration 0004; a same-value status write is.)
    sqlx::query("UPDATE node SET status = status, last_heartbeat = now()")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("INSERT INTO event (id, kind, message) VALUES (gen_random_uuid(), 'x', 'y')")
        .execute(&db)
        .await
        .unwrap();
    let reloads = server.status().reloads;
    assert!(wait_for(Duration::from_secs(3), || async { server.status().reloads > reloads }).await);
    assert_eq!(serial(addr).await, s1);
    server.shutdown().await.unwrap();

    // A restarted server serves the same serial for the same records, then grows from there.
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    assert_eq!(serial(addr).await, s1);
    node(&db, &lb, "n2", Some("10.0.0.6"), "ACTIVE").await;
    assert!(wait_for(Duration::from_secs(3), || async { serial(addr).await > s1 }).await);

    // A second replica on the same database agrees on the serial instead of bumping it.
    let s2 = serial(addr).await;
    let replica = start(&db, config()).await;
    assert_eq!(serial(replica.local_addr()).await, s2);
    replica.shutdown().await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn axfr_only_from_the_allow_list() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let server = start(&db, config()).await;
    let out = dig(server.local_addr(), &["lbaas.test.", "AXFR"]).await;
    assert_eq!(out.matches("\tSOA\t").count(), 2, "SOA opens and closes the transfer: {out}");
    assert!(out.contains("10.0.0.5") && out.contains("\tNS\t"), "{out}");
    // IXFR over UDP: the SOA alone, meaning "ask over TCP" (RFC 1995 §4).
    let out = dig(server.local_addr(), &["lbaas.test.", "IXFR=1", "+notcp", "+short"]).await;
    assert!(out.starts_with("ns1.lbaas.test. hostmaster.lbaas.test. "), "{out}");
    // Transfers of a name that is not the zone apex are not ours to give.
    let out = dig(server.local_addr(), &[LB1, "AXFR"]).await;
    assert!(!out.contains("10.0.0.5"), "{out}");
    server.shutdown().await.unwrap();

    let closed = Config { axfr_allow: vec!["192.0.2.0/24".parse::<Cidr>().unwrap()], ..config() };
    let server = start(&db, closed).await;
    let out = dig(server.local_addr(), &["lbaas.test.", "AXFR"]).await;
    assert!(!out.contains("10.0.0.5"), "{out}");
    assert!(out.contains("Transfer failed") || out.contains("REFUSED"), "{out}");
    // Ordinary queries still work for that client.
    assert_eq!(short(server.local_addr(), LB1, "A").await, ["10.0.0.5"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn axfr_of_a_zone_larger_than_one_message() {
    let db = database().await;
    let lb = load_balancer(&db, "first").await;
    // 3000 load balancers, one node each: ~100 KB of records, more than one 64 KiB message.
    sqlx::query(
        "INSERT INTO load_balancer (id, tenant_id, project_id, subnet_id, name, provisioning_status)
         SELECT gen_random_uuid(), tenant_id, project_id, subnet_id, 'lb-' || i, 'ACTIVE'
           FROM load_balancer, generate_series(1, 3000) i WHERE id = $1::uuid",
    )
    .bind(&lb)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status)
         SELECT gen_random_uuid(), tenant_id, id, name || '-n',
                '10.0.0.0'::inet + row_number() OVER (), 'ACTIVE'
           FROM load_balancer",
    )
    .execute(&db)
    .await
    .unwrap();
    let server = start(&db, config()).await;
    let out = dig(server.local_addr(), &["lbaas.test.", "AXFR", "+onesoa"]).await;
    let records = out.lines().filter(|l| !l.starts_with(';') && !l.is_empty()).count();
    // 3001 A, NS, glue A, one SOA (+onesoa prints the closing one only once).
    assert_eq!(records, 3001 + 3, "{}", &out[out.len().saturating_sub(500)..]);
    assert!(out.contains("lb-3000.web.acme.lbaas.test."));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn large_answers_truncate_over_udp_and_work_over_tcp() {
    let db = database().await;
    let lb = load_balancer(&db, "big").await;
    sqlx::query(
        "INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status)
         SELECT gen_random_uuid(), tenant_id, id, 'big-' || i, ('10.0.1.' || i)::inet, 'ACTIVE'
           FROM load_balancer, generate_series(1, 100) i WHERE id = $1::uuid",
    )
    .bind(&lb)
    .execute(&db)
    .await
    .unwrap();
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    let name = "big.web.acme.lbaas.test.";

    let udp = dig(addr, &[name, "A", "+ignore", "+bufsize=512"]).await;
    assert!(udp.contains(" tc"), "TC bit expected over UDP: {udp}");
    let tcp = dig(addr, &[name, "A", "+tcp", "+short"]).await;
    assert_eq!(tcp.lines().count(), 100, "{tcp}");
    // Without +ignore dig retries over TCP by itself, as resolvers do.
    assert_eq!(short(addr, name, "A").await.len(), 100);
    server.shutdown().await.unwrap();
}

/// Waits for one DNS NOTIFY on `secondary` and returns the serial of its SOA.
async fn notified_serial(secondary: &tokio::net::UdpSocket) -> u32 {
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), secondary.recv_from(&mut buf))
        .await
        .expect("NOTIFY within 5 s")
        .unwrap();
    let msg = hickory_proto::op::Message::from_vec(&buf[..n]).expect("a DNS message");
    assert_eq!(msg.metadata.op_code, hickory_proto::op::OpCode::Notify);
    assert!(msg.metadata.authoritative);
    assert_eq!(msg.queries[0].name().to_ascii(), "lbaas.test.");
    match msg.answers.first().map(|r| &r.data) {
        Some(hickory_proto::rr::RData::SOA(soa)) => soa.serial,
        _ => panic!("SOA expected in the NOTIFY: {msg:?}"),
    }
}

#[tokio::test]
async fn notify_is_sent_to_secondaries_when_the_serial_grows() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    let secondary = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let config = Config { notify: vec![secondary.local_addr().unwrap()], ..config() };
    let server = start(&db, config).await;
    let s0 = serial(server.local_addr()).await;

    // One at start-up (the zone may have changed while the server was down)...
    assert_eq!(notified_serial(&secondary).await, s0);
    // ...and one per change.
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    assert!(notified_serial(&secondary).await > s0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_packets_do_not_stop_the_server() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();

    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let junk: [&[u8]; 5] = [
        b"",
        b"\x00",
        &[0xff; 12],
        &[0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1],
        &[0xab; 600],
    ];
    for packet in junk {
        sock.send_to(packet, addr).await.unwrap();
    }
    // Over TCP too: a length prefix promising more than is sent, then a close.
    {
        use tokio::io::AsyncWriteExt;
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(&[0xff, 0xff, 1, 2, 3]).await.unwrap();
    }
    assert_eq!(short(addr, LB1, "A").await, ["10.0.0.5"]);
    assert_eq!(dig(addr, &[LB1, "A", "+tcp", "+short"]).await.trim(), "10.0.0.5");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_failed_reload_keeps_the_previous_zone_and_reports_the_error() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let config = Config { refresh: Duration::from_millis(100), ..config() };
    let server = start(&db, config).await;
    let addr = server.local_addr();
    assert_eq!(server.status().last_error, None);

    // The server's pool is this pool: closing it makes every reload fail.
    db.close().await;
    assert!(
        wait_for(Duration::from_secs(5), || async { server.status().last_error.is_some() }).await
    );
    assert_eq!(short(addr, LB1, "A").await, ["10.0.0.5"]);
    assert!(dig(addr, &["nope.lbaas.test.", "A"]).await.contains("status: NXDOMAIN"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn dropping_the_server_frees_its_port() {
    let db = database().await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    drop(server);
    assert!(
        wait_for(Duration::from_secs(5), || async {
            tokio::net::TcpListener::bind(addr).await.is_ok()
                && tokio::net::UdpSocket::bind(addr).await.is_ok()
        })
        .await,
        "port {addr} still taken after drop"
    );
}

/// Kills the child when dropped, so a failed assert leaves no `named` behind.
struct Named(std::process::Child);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A stock BIND secondary (Debian's `named`) transfers the zone from lbaas-dns, then follows a
/// change through DNS NOTIFY: what an operator running several DNS servers relies on.
#[tokio::test]
async fn bind_secondary_transfers_and_follows_notify() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let named_port = free_port();
    let named_addr: SocketAddr = format!("127.0.0.1:{named_port}").parse().unwrap();
    let server = start(&db, Config { notify: vec![named_addr], ..config() }).await;
    let primary = server.local_addr();

    let dir = std::env::temp_dir().join(format!("lbaas-named-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("named.conf");
    std::fs::write(
        &conf,
        format!(
            r#"options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    listen-on port {named_port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    allow-notify {{ 127.0.0.1; }};
}};
controls {{ }};
zone "lbaas.test" {{
    type secondary;
    primaries {{ 127.0.0.1 port {primary_port}; }};
    file "{dir}/lbaas.test.db";
}};
"#,
            dir = dir.display(),
            primary_port = primary.port(),
        ),
    )
    .unwrap();
    let _named = Named(
        std::process::Command::new("named")
            .args(["-g", "-c"])
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run named (install bind9)"),
    );

    // The initial transfer.
    let ok = wait_for(Duration::from_secs(20), || async {
        short(named_addr, LB1, "A").await == ["10.0.0.5"]
    })
    .await;
    assert!(ok, "the BIND secondary never served the zone: {:?}", dig(named_addr, &[LB1]).await);

    // A change: the serial grows, NOTIFY goes out, the secondary transfers again.
    node(&db, &lb, "n2", Some("10.0.0.6"), "ACTIVE").await;
    let ok = wait_for(Duration::from_secs(15), || async {
        short(named_addr, LB1, "A").await == ["10.0.0.5", "10.0.0.6"]
    })
    .await;
    assert!(ok, "the secondary did not follow the NOTIFY: {:?}", short(named_addr, LB1, "A").await);
    assert_eq!(serial(named_addr).await, serial(primary).await);
    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `dig` and returns its output and whether the server's UDP fast path (not hickory)
/// answered it.
async fn dig_fast(server: &DnsServer, args: &[&str]) -> (String, bool) {
    let before = server.udp_stats();
    let out = dig(server.local_addr(), args).await;
    let after = server.udp_stats();
    (out, after.fast > before.fast && after.slow == before.slow)
}

/// The answers every user sees come from the UDP fast path, and keep the rules: 0x20 mixed case
/// echoed, EDNS answered with EDNS and plain with plain, NXDOMAIN with the SOA, REFUSED outside
/// the zone; what it cannot answer (truncation, ANY) is hickory's and still right.
#[tokio::test]
async fn fast_path_answers_by_the_rules() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let big = load_balancer(&db, "big").await;
    sqlx::query(
        "INSERT INTO node (id, tenant_id, load_balancer_id, name, vip, status)
         SELECT gen_random_uuid(), tenant_id, id, 'big-' || i, ('10.0.1.' || i)::inet, 'ACTIVE'
           FROM load_balancer, generate_series(1, 100) i WHERE id = $1::uuid",
    )
    .bind(&big)
    .execute(&db)
    .await
    .unwrap();
    let server = start(&db, config()).await;

    let (out, fast) = dig_fast(&server, &["Lb1.WEB.acme.LBaaS.test.", "A"]).await;
    assert!(fast, "{out}");
    let question = out
        .lines()
        .any(|l| l.split_whitespace().eq([";Lb1.WEB.acme.LBaaS.test.", "IN", "A"].iter().copied()));
    assert!(question, "question echoed as sent: {out}");
    assert!(out.contains("status: NOERROR") && out.contains(" aa") && out.contains("10.0.0.5"));
    assert!(out.contains("EDNS: version: 0") && out.contains("udp: 1232"), "EDNS answered: {out}");

    let (out, fast) = dig_fast(&server, &[LB1, "A", "+noedns"]).await;
    assert!(fast && out.contains("10.0.0.5") && !out.contains("OPT PSEUDOSECTION"), "{out}");

    let (out, fast) = dig_fast(&server, &["nope.web.acme.lbaas.test.", "A"]).await;
    assert!(fast && out.contains("status: NXDOMAIN"), "{out}");
    assert!(out.contains("AUTHORITY SECTION:") && out.contains("\tSOA\tns1.lbaas.test."), "{out}");

    let (out, fast) = dig_fast(&server, &["example.com.", "A"]).await;
    assert!(fast && out.contains("status: REFUSED"), "{out}");

    let (out, fast) = dig_fast(&server, &["web.acme.lbaas.test.", "TXT"]).await;
    assert!(fast && out.contains("status: NOERROR") && out.contains("ANSWER: 0"), "{out}");

    // 100 addresses fit a 4096-byte EDNS buffer: the fast path. Not 512 bytes: hickory truncates.
    let name = "big.web.acme.lbaas.test.";
    let (out, fast) = dig_fast(&server, &[name, "A", "+bufsize=4096", "+ignore"]).await;
    assert!(fast && out.contains("ANSWER: 100") && !out.contains(" tc"), "{out}");
    let (out, fast) = dig_fast(&server, &[name, "A", "+bufsize=512", "+ignore"]).await;
    assert!(!fast && out.contains(" tc"), "TC from hickory: {out}");
    let (out, fast) = dig_fast(&server, &[LB1, "ANY"]).await;
    assert!(!fast && out.contains("10.0.0.5"), "ANY is hickory's: {out}");
    server.shutdown().await.unwrap();
}

/// Junk at the UDP threads (fast path and the hickory path behind it) costs nothing but itself.
#[tokio::test]
async fn fast_path_survives_junk_and_bounds_the_slow_path() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    // One request in hickory at a time: a burst for it must be dropped, not queued.
    let server = start(&db, Config { max_in_flight: 1, ..config() }).await;
    let addr = server.local_addr();
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();

    let mut sent = 0u64;
    let mut junk: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0xff; 12],
        vec![0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1],
        vec![0xab; 600],
        vec![0; 5000],
    ];
    // A valid ANY query (slow path) many times over, as a flood would.
    let any = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'l', b'b', b'1', 0, 0, 255, 0, 1];
    junk.extend(std::iter::repeat_n(any.to_vec(), 2000));
    for packet in &junk {
        sock.send_to(packet, addr).await.unwrap();
        sent += 1;
    }
    assert!(
        wait_for(Duration::from_secs(5), || async {
            let s = server.udp_stats();
            s.fast + s.slow + s.dropped == sent
        })
        .await,
        "every datagram accounted for: {:?} of {sent}",
        server.udp_stats()
    );
    let (out, fast) = dig_fast(&server, &[LB1, "A", "+short"]).await;
    assert!(fast && out.trim() == "10.0.0.5", "{out}");
    server.shutdown().await.unwrap();
}

/// A change reaches the fast path's table within a second, like it reaches hickory's catalog.
#[tokio::test]
async fn change_is_visible_on_the_fast_path_within_one_second() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.8"), "ACTIVE").await;
    let server = start(&db, config()).await;
    assert!(dig_fast(&server, &[LB1, "A", "+short"]).await.1);

    sqlx::query("UPDATE node SET vip = '10.0.0.9' WHERE name = 'n1'").execute(&db).await.unwrap();
    let committed = Instant::now();
    let seen = wait_for(Duration::from_secs(5), || async {
        let (out, fast) = dig_fast(&server, &[LB1, "A", "+short"]).await;
        fast && out.trim() == "10.0.0.9"
    })
    .await;
    let took = committed.elapsed();
    assert!(seen, "change never visible on the fast path");
    assert!(took <= Duration::from_secs(1), "change visible after {took:?}, more than 1 s");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn answers_are_counted_by_query_type_and_response_code() {
    let db = database().await;
    let lb = load_balancer(&db, "lb1").await;
    node(&db, &lb, "n1", Some("10.0.0.5"), "ACTIVE").await;
    let server = start(&db, config()).await;
    let addr = server.local_addr();
    for _ in 0..3 {
        assert_eq!(short(addr, LB1, "A").await, ["10.0.0.5"]);
    }
    let out = dig(addr, &["nope.web.acme.lbaas.test.", "A"]).await;
    assert!(out.contains("status: NXDOMAIN"), "{out}");
    let out = dig(addr, &["example.com.", "A"]).await;
    assert!(out.contains("status: REFUSED"), "{out}");
    // Over TCP: the other path counts into the same table.
    let out = dig(addr, &[LB1, "AAAA", "+tcp"]).await;
    assert!(out.contains("status: NOERROR"), "{out}");

    let (status, queries) = server.observers();
    let mut counts = queries.snapshot();
    counts.sort();
    assert_eq!(
        counts,
        [("A", "NOERROR", 3), ("A", "NXDOMAIN", 1), ("A", "REFUSED", 1), ("AAAA", "NOERROR", 1)]
    );
    let st = status.lock().unwrap().clone();
    assert!(st.serial.is_some() && st.last_reload_us.is_some(), "{st:?}");
}
