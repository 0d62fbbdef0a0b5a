//! The HTTP side of the CLI: the generated client (`lbaas-client`, progenitor, from the spec)
//! plus what the CLI adds: its error type, which already knows its exit code (an API error —
//! 4xx/5xx with the API's `code` and `message` — is 1, an API that cannot be reached is 2), a
//! pager for whole lists, and answers as JSON values for `--json` and for the view types the
//! tables are drawn from.
//!
//! Nothing is persisted. Requests are bounded by `REQUEST_TIMEOUT`; plain HTTP only (the API
//! listens on loopback; TLS would be a terminating proxy's job).

use std::future::Future;
use std::time::Duration;

use lbaas_client::types::{self, EnvelopeResponse, ErrorBody};
use lbaas_client::{Error as ApiErr, ResponseValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// An answer slower than this is treated like an unreachable API (exit 2).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Page size asked for when a command walks a whole list.
pub const PAGE: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The API answered 4xx/5xx (or an envelope with `"status": "fail"`).
    #[error("{code}: {message}")]
    Api { status: u16, code: String, message: String },
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

/// An error body the API may answer with: REST's `ErrorBody`, or the envelope's `fail` reply.
pub trait ApiErrorBody: std::fmt::Debug {
    fn code_and_message(&self) -> Option<(String, String)>;
}

impl ApiErrorBody for ErrorBody {
    fn code_and_message(&self) -> Option<(String, String)> {
        Some((self.error.code.to_string(), self.error.message.clone()))
    }
}

impl ApiErrorBody for EnvelopeResponse {
    fn code_and_message(&self) -> Option<(String, String)> {
        match self {
            EnvelopeResponse::EnvelopeFail(f) => {
                Some((f.error.code.to_string(), f.error.message.clone()))
            }
            _ => None,
        }
    }
}

pub struct Client {
    base: String,
    has_token: bool,
    token: Option<String>,
    api: lbaas_client::Client,
}

impl Client {
    pub fn new(api: &str, token: Option<String>) -> Result<Self> {
        let base = api.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            return Err(CliError::local(format!(
                "--api {api:?}: expected an http:// URL such as http://127.0.0.1:8080"
            )));
        }
        reqwest::Url::parse(&base)
            .map_err(|e| CliError::local(format!("--api {api:?} is not a URL: {e}")))?;
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(t) = &token {
            let v = format!("Bearer {t}")
                .parse()
                .map_err(|_| CliError::local("the token holds characters a header cannot"))?;
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CliError::local(format!("build the HTTP client: {e}")))?;
        let api = lbaas_client::Client::new_with_client(&base, http);
        Ok(Client { base, has_token: token.is_some(), token, api })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Reads `GET /v1/events/stream` (Server-Sent Events; not in the spec, so not in the
    /// generated client) and hands each event's `data` to `on_event`, until the stream ends or
    /// breaks. No overall timeout here: a quiet stream is fine (the API sends a keep-alive
    /// comment every 15 s).
    pub async fn event_stream(
        &self,
        lb: Option<uuid::Uuid>,
        after: Option<&str>,
        mut on_event: impl FnMut(&str) -> Result<()>,
    ) -> Result<()> {
        let unreachable =
            |e: reqwest::Error| CliError::Unreachable { url: self.base.clone(), cause: chain(&e) };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CliError::local(format!("build the HTTP client: {e}")))?;
        let mut req = http.get(format!("{}/v1/events/stream", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(id) = after {
            req = req.header("last-event-id", id);
        }
        if let Some(lb) = lb {
            req = req.query(&[("load_balancer_id", lb.to_string())]);
        }
        let mut resp = req.send().await.map_err(unreachable)?;
        let status = resp.status();
        if !status.is_success() {
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or("unexpected_answer").to_string();
            let message = body["error"]["message"].as_str().unwrap_or_default().to_string();
            return Err(CliError::Api { status: status.as_u16(), code, message });
        }
        let mut sse = SseParser::default();
        while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
            for data in sse.push(&chunk) {
                on_event(&data)?;
            }
        }
        Ok(())
    }

    /// The generated client, for the call; pass its future to [`Client::call`].
    pub fn api(&self) -> &lbaas_client::Client {
        &self.api
    }

    /// Runs one generated call; the answer as JSON (what `--json` prints, and what the view
    /// types read), or the error with its exit code.
    pub async fn call<T: Serialize, E: ApiErrorBody>(
        &self,
        fut: impl Future<Output = Result<ResponseValue<T>, ApiErr<E>>>,
    ) -> Result<Value> {
        match fut.await {
            Ok(rv) => to_value(&rv.into_inner()),
            Err(e) => Err(self.error(e)),
        }
    }

    fn error<E: ApiErrorBody>(&self, e: ApiErr<E>) -> CliError {
        let unreachable = |cause: String| CliError::Unreachable { url: self.base.clone(), cause };
        let (status, code, mut message) = match e {
            ApiErr::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                match rv.into_inner().code_and_message() {
                    Some((code, message)) => (status, code, message),
                    None => (status, format!("http_{status}"), "unexpected answer".into()),
                }
            }
            ApiErr::CommunicationError(e) => return unreachable(chain(&e)),
            ApiErr::UnexpectedResponse(r) => {
                // Not the API's own error shape: a proxy in between, or not lbaas at all.
                let status = r.status();
                let reason = status.canonical_reason().unwrap_or("").to_string();
                (status.as_u16(), format!("http_{}", status.as_u16()), reason)
            }
            other => return CliError::local(format!("unexpected answer from the API ({other})")),
        };
        if status == 401 && !self.has_token {
            message.push_str(" (no token given: use --token, LBAAS_TOKEN or --token-file)");
        }
        CliError::Api { status, code, message }
    }

    /// Every item of a cursor-paginated list, page after page: `page(cursor)` is one generated
    /// list call.
    pub async fn list_all<P, F, Fut>(&self, mut page: F) -> Result<Vec<Value>>
    where
        P: Serialize,
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<ResponseValue<P>, ApiErr<ErrorBody>>>,
    {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let v = self.call(page(cursor.take())).await?;
            if let Some(a) = v["items"].as_array() {
                items.extend(a.iter().cloned());
            }
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return Ok(items),
            }
        }
    }

    /// One envelope request; returns the whole reply and its `info`.
    pub async fn envelope(&self, req: types::EnvelopeRequest) -> Result<(Value, Value)> {
        let v = self.call(self.api.envelope_post(&req)).await?;
        if v["status"] != "successful" {
            // The API pairs "fail" with a 4xx/5xx; this guards against a 2xx that says fail.
            return Err(CliError::Api {
                status: 200,
                code: v["error"]["code"].as_str().unwrap_or("fail").to_string(),
                message: v["error"]["message"].as_str().unwrap_or("request failed").to_string(),
            });
        }
        let info = v["info"].clone();
        Ok((v, info))
    }
}

fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| CliError::local(format!("unexpected answer ({e})")))
}

/// Reads an answer into a view type; an answer of another shape is the CLI's problem (exit 1).
pub fn from_value<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v)
        .map_err(|e| CliError::local(format!("unexpected answer from the API ({e})")))
}

/// `e` and its causes, `: `-separated ("error sending request: … Connection refused").
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

/// Server-Sent Events framing: frames end with a blank line; `data:` lines (joined with `\n`)
/// are the payload; comments (`:` keep-alives) and the other fields are skipped.
#[derive(Default)]
struct SseParser {
    buf: String,
}

impl SseParser {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.push_str(&String::from_utf8_lossy(bytes).replace("\r\n", "\n"));
        let mut out = Vec::new();
        while let Some(end) = self.buf.find("\n\n") {
            let frame: String = self.buf.drain(..end + 2).collect();
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                out.push(data.join("\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_frames_split_across_chunks() {
        let mut p = SseParser::default();
        assert!(p.push(b": keep-alive\n\nid: 1\nevent: x\ndata: {\"a\"").is_empty());
        assert_eq!(p.push(b":1}\n\ndata: b\ndata: c\n\n"), ["{\"a\":1}", "b\nc"]);
    }

    #[test]
    fn only_http_urls() {
        assert!(Client::new("http://127.0.0.1:8080/", None).is_ok());
        assert!(Client::new("https://example.test", None).is_err());
        assert!(Client::new("127.0.0.1:8080", None).is_err());
    }
}
