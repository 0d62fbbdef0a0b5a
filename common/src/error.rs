//! The one domain error of lbaas. Every layer returns it; only the API maps it to HTTP (in
//! `lbaas_api::error`). Variants carry what a client may see; `Internal` carries the cause for
//! the logs and is shown to clients as a fixed text, so SQL, libvirt or netlink messages never
//! leak.

use std::fmt;

/// Declares [`ErrorCode`] with each variant's wire text, in one list.
macro_rules! error_codes {
    ($($variant:ident => $text:literal,)*) => {
        /// A stable, machine-readable error code (`invalid_subnet`, `quota_exceeded`…). Codes
        /// are API: once published they never change meaning. An enum, so every code a server
        /// can send is in the OpenAPI spec and a generated client can match on it. (The wire
        /// text is the variant's snake_case name; `tests::wire_text_is_the_code` holds them to
        /// the list. utoipa does not read a `rename` that a macro writes.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($variant,)*
        }

        #[cfg(test)]
        mod tests {
            #[test]
            fn wire_text_is_the_code() {
                $(assert_eq!(
                    serde_json::to_value(super::ErrorCode::$variant).unwrap(),
                    serde_json::Value::from($text)
                );)*
            }
        }

        impl ErrorCode {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }
        }
    };
}

error_codes! {
    AlreadyExists => "already_exists",
    CacheNeedsHttp => "cache_needs_http",
    CertificateExpired => "certificate_expired",
    CertificateInvalid => "certificate_invalid",
    CertificateNeedsHttps => "certificate_needs_https",
    CertificateNotYetValid => "certificate_not_yet_valid",
    CertificateRequired => "certificate_required",
    CertificateTooLarge => "certificate_too_large",
    CertificateWithoutNames => "certificate_without_names",
    Immutable => "immutable",
    InUse => "in_use",
    InsufficientCapacity => "insufficient_capacity",
    Internal => "internal",
    InvalidBody => "invalid_body",
    InvalidCapacity => "invalid_capacity",
    InvalidCursor => "invalid_cursor",
    InvalidDescription => "invalid_description",
    InvalidField => "invalid_field",
    InvalidGateway => "invalid_gateway",
    InvalidHealthCheck => "invalid_health_check",
    InvalidL7Policy => "invalid_l7_policy",
    InvalidL7Rule => "invalid_l7_rule",
    InvalidJson => "invalid_json",
    InvalidLimit => "invalid_limit",
    InvalidMember => "invalid_member",
    InvalidName => "invalid_name",
    InvalidNodeCount => "invalid_node_count",
    InvalidPath => "invalid_path",
    InvalidPort => "invalid_port",
    InvalidProtocol => "invalid_protocol",
    InvalidQuery => "invalid_query",
    InvalidQuota => "invalid_quota",
    InvalidSubnet => "invalid_subnet",
    InvalidUri => "invalid_uri",
    InvalidWait => "invalid_wait",
    InvalidWeight => "invalid_weight",
    MemberOutsideSubnet => "member_outside_subnet",
    MethodNotAllowed => "method_not_allowed",
    MissingField => "missing_field",
    NotFound => "not_found",
    PayloadTooLarge => "payload_too_large",
    PortInUse => "port_in_use",
    PrivateKeyInvalid => "private_key_invalid",
    PrivateKeyMismatch => "private_key_mismatch",
    PolicyNeedsHttp => "policy_needs_http",
    QuotaExceeded => "quota_exceeded",
    RedirectLoop => "redirect_loop",
    RedirectNeedsHttp => "redirect_needs_http",
    StaleGeneration => "stale_generation",
    SubnetOverlap => "subnet_overlap",
    TenantTokenRequired => "tenant_token_required",
    Unauthorized => "unauthorized",
    Unavailable => "unavailable",
    UnknownAction => "unknown_action",
    UnknownField => "unknown_field",
    UnknownType => "unknown_type",
    UserMismatch => "user_mismatch",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

pub type Code = ErrorCode;

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
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::InvalidRequest { code, .. } | Error::Conflict { code, .. } => *code,
            Error::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Error::Unavailable { .. } => ErrorCode::Unavailable,
            Error::InsufficientCapacity { .. } => ErrorCode::InsufficientCapacity,
            Error::Internal { .. } => ErrorCode::Internal,
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
