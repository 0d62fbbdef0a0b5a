//! The one body type the HTTP proxy hands to hyper (members' responses, cached copies, the
//! proxy's own answers) and its builders. Its own module so the cache and the upstream
//! connections need nothing from the proxy.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};

pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

pub(crate) fn empty() -> Body {
    Empty::<Bytes>::new().map_err(|never| match never {}).boxed()
}

pub(crate) fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}
