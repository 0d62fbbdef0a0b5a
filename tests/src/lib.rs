//! Helpers for the end-to-end tests: start the real `lbaas-*` binaries against a throwaway
//! database, talk to them the way a user does (`curl`), wait without sleeps-as-asserts.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace's built binaries sit next to the test executable's `deps/` directory.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace` (make test does)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed (SIGKILL) when dropped, so a failing test leaks nothing.
pub struct Proc(pub Child);

impl Proc {
    pub fn spawn(cmd: &mut Command) -> Proc {
        // The processes log to stdout; LBAAS_TEST_LOGS=1 shows them (debugging a failed run).
        let out = if std::env::var_os("LBAAS_TEST_LOGS").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        Proc(cmd.stdout(out).stderr(Stdio::inherit()).spawn().expect("spawn"))
    }

    pub fn kill9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Polls `cond` every `interval` until it holds or `deadline` passes.
pub async fn wait_for<F, Fut>(interval: Duration, deadline: Duration, mut cond: F) -> bool
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
        tokio::time::sleep(interval).await;
    }
}

/// `curl` as a user runs it: returns (HTTP status, body).
pub fn curl(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method, url]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "--data-binary", b]);
    }
    let out = cmd.output().expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

/// A fresh host-object prefix for one test: `t` and four hex digits. Exactly five characters,
/// because tap names carry only the first five (IFNAMSIZ): a longer prefix would let two tests
/// running at once see each other's taps as their own.
pub fn test_prefix() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..4])
}

/// Removes every host object of this run's prefix when dropped (even on a failed assert).
pub struct HostCleanup {
    pub prefix: String,
    pub backends: Vec<String>,
}

impl Drop for HostCleanup {
    fn drop(&mut self) {
        for b in &self.backends {
            let _ = Command::new(script("backend.sh")).args(["del", b]).status();
        }
        let out = Command::new("virsh").args(["-c", "qemu:///system", "list", "--name"]).output();
        if let Ok(out) = out {
            for d in
                String::from_utf8_lossy(&out.stdout).lines().filter(|d| d.starts_with(&self.prefix))
            {
                let _ = Command::new("virsh").args(["-c", "qemu:///system", "destroy", d]).output();
            }
        }
        if let Ok(dir) = std::fs::read_dir("/run/netns") {
            for e in dir.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if n.starts_with(&self.prefix) {
                    let _ = Command::new("ip").args(["netns", "del", &n]).status();
                }
            }
        }
    }
}

pub fn script(name: &str) -> std::path::PathBuf {
    // Read at run time, not baked in at compile time: a shared target dir may hold a test
    // binary built from another checkout.
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("run through cargo test");
    std::path::PathBuf::from(dir).join("../scripts").join(name)
}

/// A running `lbaas-api` on a fresh database of the test cluster, as a user reaches it.
pub struct Api {
    pub proc: Proc,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub db_url: String,
    /// The operator token the API accepts.
    pub admin: String,
}

/// Makes a database, writes an admin token into `dir`, starts `lbaas-api` on a free loopback
/// port and returns once it answers.
pub async fn spawn_api(dir: &std::path::Path) -> Api {
    let admin_url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    let (_, db_url) = lbaas_db::testing::fresh_database(&admin_url).await.unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let admin = "lbt_e2e_admin".to_string();
    let token_file = dir.join("admin-token");
    std::fs::write(&token_file, format!("{admin}\n")).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let proc = Proc::spawn(
        Command::new(bin("lbaas-api"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", &db_url])
            .arg("--admin-token-file")
            .arg(&token_file),
    );
    let up = wait_for(Duration::from_millis(100), Duration::from_secs(30), || async {
        curl("GET", &format!("{base}/healthz"), None, None).0 == 200
    })
    .await;
    assert!(up, "lbaas-api did not come up");
    Api { proc, base, db_url, admin }
}
