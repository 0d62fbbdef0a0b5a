//! The one domain error of lbaas. Every layer returns it; only the API maps it to HTTP (in
//! `lbaas_api::error`). Variants carry what a client may see; `Internal` carries the cause for
//! the logs and is shown to clients as a fixed text, so SQL, libvirt or netlink messages never
//! leak.

use std::fmt;

/// A stable, machine-readable error code (`invalid_subnet`, `quota_exceeded`…). Codes are API:
/// once published they never change meaning.
pub type Code = &'static str;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{kind} {name:?} not found")]
    NotFound { kind: &'static str, name: String },

    #[error("{kind} {name:?} already exists")]
    AlreadyExists { kind: &'static str, name: String },

    #[error("{message}")]
    InvalidRequest { code: Code, message: String },

    #[error("{message}")]
    Conflict { code: Code, message: String },

    #[error("{message}")]
    QuotaExceeded { message: String },

    #[error("missing or invalid bearer token")]
    Unauthorized,

    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },

    #[error("{message}")]
    Unavailable { message: String },

    #[error("{message}")]
    InsufficientCapacity { message: String },

    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    pub fn not_found(kind: &'static str, name: impl fmt::Display) -> Self {
        Error::NotFound { kind, name: name.to_string() }
    }

    pub fn invalid(code: Code, message: impl Into<String>) -> Self {
        Error::InvalidRequest { code, message: message.into() }
    }

    pub fn conflict(code: Code, message: impl Into<String>) -> Self {
        Error::Conflict { code, message: message.into() }
    }

    pub fn internal(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Internal { context: context.into(), source: source.into() }
    }

    /// The stable code a client sees.
    pub fn code(&self) -> Code {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::InvalidRequest { code, .. } | Error::Conflict { code, .. } => code,
            Error::QuotaExceeded { .. } => "quota_exceeded",
            Error::Unauthorized => "unauthorized",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::Unavailable { .. } => "unavailable",
            Error::InsufficientCapacity { .. } => "insufficient_capacity",
            Error::Internal { .. } => "internal",
        }
    }

    /// The message a client sees: never the chain of an internal error.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal { .. } => "internal error; the operator's logs have the details".into(),
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
