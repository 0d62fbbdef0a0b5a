//! The one body type the HTTP proxy hands to hyper (members' responses, cached copies, the
//! proxy's own answers) and its builders. Its own module so the cache, the upstream connections
//! and the L7 policies need nothing from the proxy.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

pub(crate) fn empty() -> Body {
    Empty::<Bytes>::new().map_err(|never| match never {}).boxed()
}

pub(crate) fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// An answer of the proxy's own: `status` with a one-line plain-text body.
pub(crate) fn plain(status: StatusCode, msg: &'static str) -> Response<Body> {
    let mut r = Response::new(full(Bytes::from_static(msg.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}
