//! Helpers for the end-to-end tests: start the real `lbaas-*` binaries against a throwaway
//! database, talk to them the way a user does (`curl`), wait without sleeps-as-asserts.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
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

/// A child process killed (SIGKILL) when dropped, so a failing test leaks nothing; and killed by
/// the kernel when the thread that started it ends, so a test binary killed outright (a CI
/// timeout) does not leave a controller running that would rebuild what the sweep removes.
pub struct Proc(pub Child);

impl Proc {
    pub fn spawn(cmd: &mut Command) -> Proc {
        use std::os::unix::process::CommandExt;
        // The processes log to stdout; LBAAS_TEST_LOGS=1 shows them (debugging a failed run).
        let out = if std::env::var_os("LBAAS_TEST_LOGS").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        // SAFETY: between fork and exec only prctl(2), which is async-signal-safe, runs.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
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

/// Removes every host object of this run's prefix when dropped, even on a failed assert or a
/// panic: test backends, then `scripts/sweep.sh <prefix>` (domains, namespaces and the
/// processes in them, taps), which looks twice for a domain whose create was still in flight.
pub struct HostCleanup {
    pub prefix: String,
    pub backends: Vec<String>,
}

impl Drop for HostCleanup {
    fn drop(&mut self) {
        for b in &self.backends {
            let _ = Command::new(script("backend.sh")).args(["del", b]).status();
        }
        let _ = Command::new(script("sweep.sh")).arg(&self.prefix).stdout(Stdio::null()).status();
    }
}

/// Running libvirt domains of a test prefix (`<prefix>-…`), as `virsh list` shows them.
pub fn domains(prefix: &str) -> Vec<String> {
    let out = Command::new("virsh").args(["-c", "qemu:///system", "list", "--name"]).output();
    let out = out.expect("run virsh");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|d| d.starts_with(&format!("{prefix}-")))
        .map(str::to_string)
        .collect()
}

pub fn script(name: &str) -> std::path::PathBuf {
    repo_root().join("scripts").join(name)
}

/// The checkout's root. Read at run time, not baked in at compile time: a shared target dir
/// may hold a test binary built from another checkout.
pub fn repo_root() -> std::path::PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("run through cargo test");
    std::path::PathBuf::from(dir).join("..")
}

/// A running `lbaas-api` on a fresh database of the test cluster, as a user reaches it.
pub struct Api {
    pub proc: Proc,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub db_url: String,
    /// The operator token the API accepts.
    pub admin: String,
    /// The key that seals TLS private keys; a controller of this API needs it too.
    pub secret_key_file: PathBuf,
}

/// Makes a database, writes an admin token into `dir`, starts `lbaas-api` on a free loopback
/// port and returns once it answers.
pub async fn spawn_api(dir: &std::path::Path) -> Api {
    let admin_url = std::env::var("LBAAS_TEST_DATABASE_URL")
        .expect("LBAAS_TEST_DATABASE_URL is unset: run the tests through `make test`");
    spawn_api_on(dir, &admin_url).await
}

/// [`spawn_api`] on the PostgreSQL server of `admin_url` (a test's own cluster).
pub async fn spawn_api_on(dir: &std::path::Path, admin_url: &str) -> Api {
    let (_, db_url) = lbaas_db::testing::fresh_database(admin_url).await.unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let admin = "lbt_e2e_admin".to_string();
    let token_file = dir.join("admin-token");
    std::fs::write(&token_file, format!("{admin}\n")).unwrap();
    let secret_key_file = dir.join("secret.key");
    std::fs::write(&secret_key_file, lbaas_certs::SecretBox::generate_hex()).unwrap();
    let (proc, base) = start_api(&db_url, &token_file, &secret_key_file).await;
    Api { proc, base, db_url, admin, secret_key_file }
}

impl Api {
    /// Another `lbaas-api` process on the same database, token and key (a replica behind a
    /// balancer); its base URL.
    pub async fn replica(&self, dir: &std::path::Path) -> (Proc, String) {
        start_api(&self.db_url, &dir.join("admin-token"), &self.secret_key_file).await
    }
}

async fn start_api(db_url: &str, token_file: &Path, secret_key_file: &Path) -> (Proc, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let proc = Proc::spawn(
        Command::new(bin("lbaas-api"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", db_url])
            .arg("--admin-token-file")
            .arg(token_file)
            .arg("--secret-key-file")
            .arg(secret_key_file)
            // The vendored page assets of the checkout (set-up fetched them), as `make run`.
            .arg("--ui-assets-dir")
            .arg(repo_root().join("vendor/ui"))
            .arg("--assets-dir")
            .arg(repo_root().join("vendor/swagger-ui")),
    );
    let up = wait_for(Duration::from_millis(100), Duration::from_secs(30), || async {
        curl("GET", &format!("{base}/healthz"), None, None).0 == 200
    })
    .await;
    assert!(up, "lbaas-api did not come up");
    (proc, base)
}

/// A PostgreSQL cluster of one test's own (the shared test cluster must not be restarted under
/// the other tests), from the system's binaries, owned by `postgres`, on a free loopback port;
/// stopped and removed when dropped.
pub struct PgCluster {
    dir: PathBuf,
    /// `postgres://lbaas@127.0.0.1:<port>/postgres`
    pub admin_url: String,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        // Under /var/tmp: `postgres` must reach it, which a 0700 temp dir would not allow.
        let dir = PathBuf::from(format!("/var/tmp/lbaas-pgtest-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap()
            .success());
        let port = free_port();
        let d = dir.to_str().unwrap();
        pg_tool("initdb", &["-D", d, "-U", "lbaas", "--auth=trust", "-E", "UTF8"]);
        let opts = format!("-c listen_addresses=127.0.0.1 -p {port} -k {d} -c fsync=off");
        pg_tool("pg_ctl", &["-D", d, "-l", &format!("{d}/server.log"), "-w", "-o", &opts, "start"]);
        PgCluster { dir, admin_url: format!("postgres://lbaas@127.0.0.1:{port}/postgres") }
    }

    /// A fast restart: every connection is cut, the server is back on the same port (its
    /// options are kept in postmaster.opts; the log file is not, and without one the server
    /// would hold our stdout pipe open).
    pub fn restart(&self) {
        let d = self.dir.to_str().unwrap();
        let log = format!("{d}/server.log");
        pg_tool("pg_ctl", &["-D", d, "-l", &log, "-m", "fast", "-w", "restart"]);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let d = self.dir.to_str().unwrap();
        let _ = postgres_cmd("pg_ctl").args(["-D", d, "-m", "immediate", "-w", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PostgreSQL tool run as `postgres`, from `/` (which it can enter; a checkout may not be).
fn postgres_cmd(tool: &str) -> Command {
    let mut c = Command::new("runuser");
    c.current_dir("/").args(["-u", "postgres", "--"]).arg(format!("{}/{tool}", pg_bin()));
    c
}

/// Runs `tool` with `args` as `postgres`; a failure fails the test with the tool's stderr.
/// stdout is not captured: a server started by pg_ctl would hold the pipe open.
fn pg_tool(tool: &str, args: &[&str]) {
    let out = postgres_cmd(tool).args(args).stdout(Stdio::null()).output().expect("run PostgreSQL");
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn pg_bin() -> String {
    std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into())
}
