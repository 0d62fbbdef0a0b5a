//! The lbaas API client, generated at build time by progenitor from `openapi/lbaas-3.0.json`
//! (the OpenAPI 3.0 rendition of `openapi/lbaas.json`).
#![allow(clippy::all, unused)]
include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
