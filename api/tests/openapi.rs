//! The checked-in spec is exactly what the code generates, and it is a valid OpenAPI document.
//! Regenerate with `make openapi` after changing a route or a type.

use std::path::PathBuf;
use std::process::Command;

fn spec_path() -> PathBuf {
    // Read at run time, not baked in at compile time: a shared target dir may hold a test
    // binary built from another checkout of the same commit.
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("run through cargo test");
    PathBuf::from(dir).join("../openapi/lbaas.json")
}

#[test]
fn checked_in_spec_is_current() {
    let generated = lbaas_api::openapi_json();
    let on_disk = std::fs::read_to_string(spec_path()).expect("openapi/lbaas.json exists");
    assert!(
        generated == on_disk,
        "openapi/lbaas.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn spec_covers_the_envelope_and_every_resource() {
    let spec: serde_json::Value = serde_json::from_str(&lbaas_api::openapi_json()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/v1/requests",
        "/v1/tenants",
        "/v1/tokens",
        "/v1/projects/{project}",
        "/v1/projects/{project}/subnets/{subnet}",
        "/v1/projects/{project}/load-balancers/{load_balancer}",
        "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}",
        "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members/{member}",
        "/v1/projects/{project}/load-balancers/{load_balancer}/nodes/{node}",
        "/v1/events",
    ] {
        assert!(paths.contains_key(p), "spec lacks {p}");
    }
    assert!(
        paths["/v1/requests"].get("get").is_some() && paths["/v1/requests"].get("post").is_some()
    );
}

#[test]
fn spec_is_valid_openapi() {
    let venv = std::env::var("LBAAS_VENV").expect(
        "LBAAS_VENV is unset: run the tests through `make test` (it installs the validator)",
    );
    let out = Command::new(format!("{venv}/bin/openapi-spec-validator"))
        .arg(spec_path())
        .output()
        .expect("run openapi-spec-validator");
    assert!(
        out.status.success(),
        "openapi-spec-validator rejected the spec:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
