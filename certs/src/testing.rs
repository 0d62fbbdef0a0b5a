//! Test certificates made by the `openssl` CLI (installed by set-up): a CA and leaves it signs,
//! for the API, agent and VM tests. Not used by the product.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A throw-away CA in its own directory.
pub struct TestCa {
    pub dir: PathBuf,
}

/// One leaf: its chain (leaf then CA) and key, as PEM text.
#[derive(Clone)]
pub struct TestCert {
    pub chain_pem: String,
    pub key_pem: String,
}

impl TestCa {
    /// A new CA (P-256, valid 30 days) under a fresh directory in `parent`.
    pub fn new(parent: &Path) -> TestCa {
        let dir = parent.join(format!("test-ca-{}", std::process::id()));
        let dir = (0..)
            .map(|i| dir.with_extension(i.to_string()))
            .find(|d| std::fs::create_dir(d).is_ok())
            .expect("a fresh directory");
        openssl(
            &dir,
            &["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
            &["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=lbaas test CA", "-days", "30"],
        );
        TestCa { dir }
    }

    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A leaf for `names` (the first is also the CN), valid for `days` (negative: expired).
    /// `rsa`: a 2048-bit RSA key in PKCS#1 instead of a P-256 key in PKCS#8.
    pub fn leaf(&self, names: &[&str], days: i32, rsa: bool) -> TestCert {
        let stem = format!("{}-{days}-{}", names[0].replace('*', "star"), u8::from(rsa));
        let (key, csr, pem) = (format!("{stem}.key"), format!("{stem}.csr"), format!("{stem}.pem"));
        let newkey: &[&str] = if rsa {
            &["-newkey", "rsa:2048"]
        } else {
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        };
        let subj = format!("/CN={}", names[0]);
        openssl(
            &self.dir,
            &["req", "-nodes"],
            &[newkey, &["-keyout", &key, "-out", &csr, "-subj", &subj]].concat(),
        );
        let san: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
        let ext = format!("{stem}.ext");
        std::fs::write(self.dir.join(&ext), format!("subjectAltName={}\n", san.join(","))).unwrap();
        let days = days.to_string();
        openssl(
            &self.dir,
            &["x509", "-req", "-in", &csr, "-CA", "ca.pem", "-CAkey", "ca.key"],
            &["-CAcreateserial", "-out", &pem, "-days", &days, "-extfile", &ext],
        );
        if rsa {
            // OpenSSL 3 writes PKCS#8; the traditional form is what many operators still hold.
            openssl(&self.dir, &["rsa", "-in", &key, "-traditional"], &["-out", &key]);
        }
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap();
        TestCert { chain_pem: read(&pem) + &read("ca.pem"), key_pem: read(&key) }
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, a: &[&str], b: &[&str]) {
    let out = Command::new("openssl")
        .args(a)
        .args(b)
        .current_dir(dir)
        .output()
        .expect("openssl runs (set-up installs it)");
    assert!(out.status.success(), "openssl {a:?} {b:?}: {}", String::from_utf8_lossy(&out.stderr));
}
