//! The real prober's HTTPS check, inside a network namespace of this test's own, against
//! `openssl s_server` with a certificate no one trusts (as members' often are).

use std::process::{Command, Stdio};
use std::time::Duration;

use lbaas_healthcheckd::probe::{Check, NetnsProber, Outcome, Prober};

struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "pids", &self.0]).output().map(|o| {
            for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                let _ = Command::new("kill").arg(pid).status();
            }
        });
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) {
    assert!(Command::new("ip").args(args).status().unwrap().success(), "ip {args:?}");
}

#[tokio::test]
async fn https_checks_speak_tls_to_an_untrusted_member_and_fail_on_plain_http() {
    let ns = Netns(format!("lbaas-hctls-{}", std::process::id()));
    ip(&["netns", "add", &ns.0]);
    ip(&["-n", &ns.0, "link", "set", "lo", "up"]);
    let dir = std::env::temp_dir();
    let ca = lbaas_certs::testing::TestCa::new(&dir);
    let leaf = ca.leaf(&["member.test"], 10, false);
    let (cert, key) = (ca.dir.join("m.pem"), ca.dir.join("m.key"));
    std::fs::write(&cert, &leaf.chain_pem).unwrap();
    std::fs::write(&key, &leaf.key_pem).unwrap();
    // `-www` answers a GET with a 200 status page.
    let mut server = Command::new("ip")
        .args(["netns", "exec", &ns.0, "openssl", "s_server", "-quiet", "-www", "-accept", "8443"])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let prober = NetnsProber::default();
    let https = Check::Https { addr: "127.0.0.1:8443".parse().unwrap(), path: "/".into() };
    let mut outcome = Outcome::Failed("not probed".into());
    for _ in 0..50 {
        outcome = prober.probe(&ns.0, https.clone(), Duration::from_secs(2)).await;
        if outcome == Outcome::Ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(outcome, Outcome::Ok, "the HTTPS check passes against a self-made certificate");

    // A plain HTTP check against the TLS port fails, and an HTTPS one against nothing fails.
    let http = Check::Http { addr: "127.0.0.1:8443".parse().unwrap(), path: "/".into() };
    let o = prober.probe(&ns.0, http, Duration::from_secs(2)).await;
    assert!(matches!(o, Outcome::Failed(_)), "{o:?}");
    let none = Check::Https { addr: "127.0.0.1:9".parse().unwrap(), path: "/".into() };
    let o = prober.probe(&ns.0, none, Duration::from_secs(2)).await;
    assert!(matches!(o, Outcome::Failed(ref e) if e.contains("connect")), "{o:?}");
    let _ = server.kill();
    let _ = server.wait();
}
