//! Uploads as a tenant makes them, checked with certificates the `openssl` CLI made.

use chrono::{Duration, Utc};
use lbaas_certs::testing::TestCa;
use lbaas_certs::{validate, CertError};

#[test]
fn a_good_chain_and_its_key_are_accepted_with_their_facts() {
    let ca = TestCa::new(&std::env::temp_dir());
    let c = ca.leaf(&["www.example.test", "*.example.test", "Example.TEST"], 10, false);
    let v = validate(&c.chain_pem, &c.key_pem, Utc::now()).unwrap();
    assert_eq!(v.names, ["*.example.test", "example.test", "www.example.test"]);
    assert!(v.subject.contains("www.example.test"), "{}", v.subject);
    assert!(v.issuer.contains("lbaas test CA"), "{}", v.issuer);
    assert!(v.not_after > Utc::now() + Duration::days(9));
    assert_eq!(v.fingerprint_sha256.len(), 64);
    assert_eq!(v.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
    // Re-encoded, it validates again to the same facts.
    assert_eq!(validate(&v.chain_pem, &v.key_pem, Utc::now()).unwrap(), v);
    assert!(!format!("{v:?}").contains("PRIVATE"), "Debug never shows the key");

    let rsa = ca.leaf(&["rsa.example.test"], 10, true);
    assert!(rsa.key_pem.contains("BEGIN RSA PRIVATE KEY"));
    let v = validate(&rsa.chain_pem, &rsa.key_pem, Utc::now()).unwrap();
    assert!(v.key_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
}

#[test]
fn each_bad_upload_is_refused_with_its_own_code() {
    let ca = TestCa::new(&std::env::temp_dir());
    let a = ca.leaf(&["a.test"], 10, false);
    let b = ca.leaf(&["b.test"], 10, false);
    let code = |chain: &str, key: &str| validate(chain, key, Utc::now()).unwrap_err().code();
    assert_eq!(code(&a.chain_pem, &b.key_pem), "private_key_mismatch");
    assert_eq!(
        code(&a.chain_pem, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        "private_key_invalid"
    );
    assert_eq!(code(&a.chain_pem, "not a key"), "private_key_invalid");
    assert_eq!(code("no pem here", &a.key_pem), "certificate_invalid");
    assert_eq!(
        code("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", &a.key_pem),
        "certificate_invalid"
    );
    let expired = ca.leaf(&["old.test"], -1, false);
    assert!(matches!(
        validate(&expired.chain_pem, &expired.key_pem, Utc::now()),
        Err(CertError::Expired(_))
    ));
    assert_eq!(code(&expired.chain_pem, &expired.key_pem), "certificate_expired");
    // The CA first and the leaf second is no chain.
    let ca_pem = std::fs::read_to_string(ca.ca_pem_path()).unwrap();
    let leaf_only = a.chain_pem.replace(&ca_pem, "");
    assert_eq!(code(&(ca_pem.clone() + &leaf_only), &a.key_pem), "certificate_invalid");
    assert_eq!(code(&ca_pem, &a.key_pem), "certificate_without_names");
    let other = ca.leaf(&["c.test"], 10, false).chain_pem.replace(&ca_pem, "");
    assert_eq!(code(&(leaf_only.clone() + &other), &a.key_pem), "certificate_invalid");
    assert_eq!(code(&"x".repeat(70_000), &a.key_pem), "certificate_too_large");
    // Valid later, not yet valid earlier.
    assert!(matches!(
        validate(&a.chain_pem, &a.key_pem, Utc::now() - Duration::days(2)),
        Err(CertError::NotYetValid(_))
    ));
}
