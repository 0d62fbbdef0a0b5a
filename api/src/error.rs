//! The one place a domain `Error` becomes an HTTP response, and where request-parsing failures
//! (bad JSON, unknown fields, oversized bodies, bad query strings) get their stable codes.
//! Internal errors are logged here, with their chain, and shown to clients as a fixed text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lbaas_common::types::{ErrorBody, ErrorDetail};
use lbaas_common::Error;
use lbaas_common::ErrorCode;
use serde::de::DeserializeOwned;

/// Bodies above this are refused with 413 before they are parsed.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::AlreadyExists { .. } | Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::InvalidRequest { code: ErrorCode::MethodNotAllowed, .. } => {
            StatusCode::METHOD_NOT_ALLOWED
        }
        Error::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
        Error::QuotaExceeded { .. } => StatusCode::FORBIDDEN,
        Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        Error::InsufficientCapacity { .. } => StatusCode::INSUFFICIENT_STORAGE,
        Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs an internal error where it is handled, with its whole chain.
pub fn log_if_internal(e: &Error) {
    if let Error::Internal { .. } = e {
        let mut chain = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            src = s.source();
        }
        tracing::error!(error = %chain, "request failed");
    }
}

/// The one renderer of errors, for every front door: the status, the `WWW-Authenticate`
/// challenge of a 401, the log line of an internal error; `body` wraps the public detail in
/// the front door's shape (REST: [`ErrorBody`]; the envelope: its `fail` reply).
pub fn render<B: serde::Serialize>(e: Error, body: impl FnOnce(ErrorDetail) -> B) -> Response {
    log_if_internal(&e);
    let status = status_of(&e);
    let detail = ErrorDetail { code: e.code(), message: e.public_message() };
    let mut resp = (status, Json(body(detail))).into_response();
    if matches!(e, Error::Unauthorized) {
        resp.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        render(self.0, |error| ErrorBody { error })
    }
}

/// Every error status an operation can answer, each with [`ErrorBody`]: one list for every
/// REST operation (`responses(…, ErrorResponses)`), as one renderer makes them all.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // a spec type: never built, only described
pub enum ErrorResponses {
    /// invalid input; `error.code` says which
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// missing or bad token
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// a quota is used up
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// not found (another tenant's included)
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// the path exists, the method does not
    #[response(status = 405)]
    MethodNotAllowed(ErrorBody),
    /// duplicate name, overlapping subnet, stale generation, still in use
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// body over 1 MiB
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// a bug or an outage; the operator's log has the details
    #[response(status = 500)]
    Internal(ErrorBody),
}

/// Maps a serde_json failure to a code that says which kind of mistake it was; serde's own
/// message names the field ("unknown field `foo`", "missing field `name`") and the position.
pub fn json_error(e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            Error::invalid(ErrorCode::InvalidJson, format!("request body is not valid JSON: {e}"))
        }
        Category::Data => {
            let msg = e.to_string();
            let code = if msg.starts_with("unknown field") {
                ErrorCode::UnknownField
            } else if msg.starts_with("missing field") {
                ErrorCode::MissingField
            } else {
                ErrorCode::InvalidField
            };
            Error::invalid(code, msg)
        }
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidJson,
            "request body is empty; a JSON object is required",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| json_error(&e))
}

/// A JSON body parsed with our error codes. Content-Type is not enforced: the seed's clients
/// send JSON on a GET without one.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req, state).await?;
        Ok(ApiJson(parse_json(&bytes)?))
    }
}

pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError(Error::PayloadTooLarge { limit: BODY_LIMIT })
        } else {
            ApiError(Error::invalid(ErrorCode::InvalidBody, "could not read the request body"))
        }
    })
}

/// Query string parsed with our error codes.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded_from_str(q).map(ApiQuery)
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    serde_urlencoded::from_str(q).map_err(|e| {
        ApiError(Error::invalid(ErrorCode::InvalidQuery, format!("bad query string: {e}")))
    })
}
