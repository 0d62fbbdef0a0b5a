//! The HTTP side of the CLI: one `Client` per run, holding the API base URL and the bearer
//! token. Every call returns the raw body of a 2xx answer (so `--json` can print it as the API
//! wrote it) or a `CliError` that already knows its exit code: an API error (4xx/5xx, with the
//! API's `code` and `message`) is 1, an API that cannot be reached is 2.
//!
//! Nothing is persisted. Requests are bounded by `REQUEST_TIMEOUT`; the client follows no
//! redirects and speaks plain HTTP only (the API listens on loopback; TLS would be a
//! terminating proxy's job, and a TLS stack is a dependency this workspace does not carry).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HttpClient};
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An answer slower than this is treated like an unreachable API (exit 2).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Page size asked for when a command walks a whole list.
const PAGE: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The API answered 4xx/5xx (or an envelope with `"status": "fail"`).
    #[error("{code}: {message}")]
    Api { status: u16, code: String, message: String, body: Bytes },
    /// No answer: connection refused, DNS, timeout, a connection cut mid-answer.
    #[error("cannot reach the lbaas API at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// Something the CLI itself refuses (bad flag combination, unreadable token file, an
    /// answer it cannot read, a `--wait` that ran out).
    #[error("{0}")]
    Local(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Api { .. } | CliError::Local(_) => 1,
            CliError::Unreachable { .. } => 2,
        }
    }

    pub fn local(msg: impl Into<String>) -> Self {
        CliError::Local(msg.into())
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

pub struct Client {
    base: String,
    token: Option<String>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

impl Client {
    pub fn new(api: &str, token: Option<String>) -> Result<Self> {
        let base = api.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            return Err(CliError::local(format!(
                "--api {api:?}: expected an http:// URL such as http://127.0.0.1:8080"
            )));
        }
        base.parse::<hyper::Uri>()
            .map_err(|e| CliError::local(format!("--api {api:?} is not a URL: {e}")))?;
        let http = HttpClient::builder(TokioExecutor::new()).build_http();
        Ok(Client { base, token, http })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request; `path` starts with `/v1/…` and carries its query string.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Bytes> {
        let url = format!("{}{path}", self.base);
        let mut req =
            Request::builder().method(method).uri(&url).header(ACCEPT, "application/json");
        if let Some(t) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(v.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let req = req
            .body(body)
            .map_err(|e| CliError::local(format!("build the request to {url}: {e}")))?;
        let unreachable = |cause: String| CliError::Unreachable { url: self.base.clone(), cause };
        let timed_out = || unreachable(format!("no answer within {}s", REQUEST_TIMEOUT.as_secs()));
        let res = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(req))
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| unreachable(chain(&e)))?;
        let status = res.status();
        let bytes = tokio::time::timeout(REQUEST_TIMEOUT, res.into_body().collect())
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| unreachable(chain(&e)))?
            .to_bytes();
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(self.api_error(status, bytes))
        }
    }

    fn api_error(&self, status: StatusCode, body: Bytes) -> CliError {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let field = |k: &str| v["error"][k].as_str().map(str::to_string);
        let (code, mut message) = match (field("code"), field("message")) {
            (Some(c), Some(m)) => (c, m),
            // Not the API's own error shape: a proxy in between, or not lbaas at all.
            _ => (
                format!("http_{}", status.as_u16()),
                format!(
                    "{} {}",
                    status.canonical_reason().unwrap_or(""),
                    String::from_utf8_lossy(&body).trim()
                )
                .trim()
                .to_string(),
            ),
        };
        if status == StatusCode::UNAUTHORIZED && self.token.is_none() {
            message.push_str(" (no token given: use --token, LBAAS_TOKEN or --token-file)");
        }
        CliError::Api { status: status.as_u16(), code, message, body }
    }

    pub async fn get(&self, path: &str) -> Result<Bytes> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Bytes> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<Bytes> {
        self.call(Method::DELETE, path, None).await
    }

    /// Every item of a cursor-paginated list, page after page.
    pub async fn list_all(&self, path: &str) -> Result<Vec<Value>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{path}{sep}limit={PAGE}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={}", encode(c)));
            }
            let page: Value = parse(&self.get(&url).await?)?;
            if let Some(a) = page["items"].as_array() {
                items.extend(a.iter().cloned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return Ok(items),
            }
        }
    }

    /// One envelope request at `/v1/requests`; returns the raw reply and its `info`.
    pub async fn envelope(&self, action: &str, kind: &str, info: Value) -> Result<(Bytes, Value)> {
        let req = serde_json::json!({"action": action, "type": kind, "info": info});
        let raw = self.post("/v1/requests", &req).await?;
        let v: Value = parse(&raw)?;
        if v["status"] != "successful" {
            // The API pairs "fail" with a 4xx/5xx; this guards against a 2xx that says fail.
            return Err(CliError::Api {
                status: 200,
                code: v["error"]["code"].as_str().unwrap_or("fail").to_string(),
                message: v["error"]["message"].as_str().unwrap_or("request failed").to_string(),
                body: raw,
            });
        }
        let info = v["info"].clone();
        Ok((raw, info))
    }
}

/// Reads an answer into `T`; an answer of another shape is the CLI's problem (exit 1), named.
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T> {
    serde_json::from_slice(raw)
        .map_err(|e| CliError::local(format!("unexpected answer from the API ({e})")))
}

pub fn from_value<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v)
        .map_err(|e| CliError::local(format!("unexpected answer from the API ({e})")))
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `e` and its causes, `: `-separated ("client error (Connect): tcp connect error: …").
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_keeps_unreserved_and_escapes_the_rest() {
        assert_eq!(encode("web-1.a_b~"), "web-1.a_b~");
        assert_eq!(encode("10.0.0.0/24"), "10.0.0.0%2F24");
        assert_eq!(encode("a b?"), "a%20b%3F");
    }

    #[test]
    fn only_http_urls() {
        assert!(Client::new("http://127.0.0.1:8080/", None).is_ok());
        assert!(Client::new("https://example.test", None).is_err());
        assert!(Client::new("127.0.0.1:8080", None).is_err());
    }
}
