//! The JSON envelope the first users speak (ARCHITECTURE §1):
//! `{"action": "create|info|update|delete", "type": "project|instance", "info": {...}}`, sent as
//! GET or POST to `/v1/requests`. It is a second front door to the same `service` functions as
//! REST, never a second implementation. The reply is always an envelope, with the HTTP status
//! the REST equivalent would have.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lbaas_common::types::*;
use lbaas_common::{validate, Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::error::{error_body, log_if_internal, parse_json, read_body, status_of, ApiError};
use crate::service::{self, InstanceChange, InstanceSpec, InstanceView};
use crate::App;

/// A request in the seed's envelope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeRequest {
    /// `create`, `info`, `update` or `delete`.
    pub action: String,
    /// `project` or `instance`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The resource, in the seed's shape (see the README).
    #[schema(value_type = Object)]
    pub info: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeResponse {
    /// `successful` or `fail`.
    pub status: String,
    pub action: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = Object)]
    pub info: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

// ---- the seed's shapes ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectInfo {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceKey {
    project: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceCreateInfo {
    project: String,
    name: String,
    traffic_type: String,
    subnet: String,
    backend: BackendInfo,
    /// Listener port; 80 for http, the first backend's port for tcp.
    #[serde(default)]
    port: Option<i32>,
    #[serde(default)]
    algorithm: Option<Algorithm>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendInfo {
    entities: Vec<String>,
    #[serde(rename = "health-check", default)]
    health_check: Option<HealthCheckInfo>,
    #[serde(rename = "auto-scaling", default)]
    auto_scaling: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceUpdateInfo {
    project: String,
    name: String,
    #[serde(default)]
    backend: Option<BackendUpdateInfo>,
    #[serde(default)]
    algorithm: Option<Algorithm>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackendUpdateInfo {
    #[serde(default)]
    entities: Option<Vec<String>>,
    #[serde(rename = "health-check", default)]
    health_check: Option<HealthCheckInfo>,
    #[serde(rename = "auto-scaling", default)]
    auto_scaling: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HealthCheckInfo {
    protocol: String,
    #[serde(default)]
    port: Option<i32>,
    #[serde(rename = "request-path", default)]
    request_path: Option<String>,
    criteria: CriteriaInfo,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriteriaInfo {
    interval: i32,
    timeout: i32,
    #[serde(rename = "health-threshold")]
    health_threshold: i32,
    #[serde(rename = "unhealth-threshold")]
    unhealth_threshold: i32,
}

fn protocol_of(what: &str, s: &str) -> Result<Protocol> {
    match s.to_ascii_lowercase().as_str() {
        "http" => Ok(Protocol::Http),
        "tcp" => Ok(Protocol::Tcp),
        _ => Err(Error::invalid(
            "invalid_protocol",
            format!("{what} {s:?} is not one of \"http\", \"tcp\""),
        )),
    }
}

fn health_monitor(hc: HealthCheckInfo) -> Result<HealthMonitor> {
    let protocol = protocol_of("health-check protocol", &hc.protocol)?;
    let path = match protocol {
        Protocol::Http => Some(hc.request_path.unwrap_or_else(|| "/".into())),
        Protocol::Tcp => None,
    };
    let hm = HealthMonitor {
        protocol,
        port: hc.port,
        path,
        interval: hc.criteria.interval,
        timeout: hc.criteria.timeout,
        health_threshold: hc.criteria.health_threshold,
        unhealth_threshold: hc.criteria.unhealth_threshold,
    };
    validate::health_monitor(&hm)?;
    Ok(hm)
}

fn members(entities: &[String], default_port: i32) -> Result<Vec<MemberCreate>> {
    entities
        .iter()
        .map(|e| {
            let e = validate::entity(e, default_port)?;
            Ok(MemberCreate {
                address: e.address.to_string(),
                port: e.port,
                weight: None,
                path: Some(e.path),
            })
        })
        .collect()
}

fn info<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| {
        let err = crate::error::json_error(&e);
        match err {
            Error::InvalidRequest { code, message } => {
                Error::invalid(code, format!("in \"info\": {message}"))
            }
            other => other,
        }
    })
}

/// The seed's view of an instance, plus what the control plane knows about it.
fn instance_info(v: InstanceView) -> Value {
    let lb = &v.load_balancer;
    let entities: Vec<String> = v
        .members
        .iter()
        .map(|m| {
            let host = if m.address.contains(':') {
                format!("[{}]", m.address)
            } else {
                m.address.clone()
            };
            if m.path != "/" {
                format!("http://{host}:{}{}", m.port, m.path)
            } else {
                format!("{host}:{}", m.port)
            }
        })
        .collect();
    let hc = v.pool.as_ref().and_then(|p| p.health_monitor.as_ref()).map(|hm| {
        json!({
            "protocol": hm.protocol,
            "port": hm.port,
            "request-path": hm.path,
            "criteria": {
                "interval": hm.interval,
                "timeout": hm.timeout,
                "health-threshold": hm.health_threshold,
                "unhealth-threshold": hm.unhealth_threshold,
            }
        })
    });
    json!({
        "id": lb.id,
        "project": v.project,
        "name": lb.name,
        "traffic_type": v.listener.as_ref().map(|l| l.protocol.as_str().to_ascii_lowercase()),
        "port": v.listener.as_ref().map(|l| l.port),
        "subnet": v.subnet.cidr,
        "algorithm": v.pool.as_ref().map(|p| p.algorithm),
        "backend": {
            "entities": entities,
            "health-check": hc,
            "auto-scaling": lb.auto_scaling,
        },
        "url": lb.url,
        "dns_name": lb.dns_name,
        "vips": lb.vips,
        "provisioning_status": lb.provisioning_status,
        "operating_status": lb.operating_status,
        "status_reason": lb.status_reason,
        "members": v.members,
        "nodes": v.nodes,
    })
}

async fn dispatch(
    app: &App,
    t: &Tenant,
    action: &str,
    kind: &str,
    body: Value,
) -> Result<(StatusCode, Value)> {
    match (kind, action) {
        ("project", "create") => {
            let i: ProjectInfo = info(body)?;
            let p = service::project_create(
                app,
                t,
                ProjectCreate { name: i.name, description: i.description },
            )
            .await?;
            Ok((StatusCode::CREATED, to_value(&p)))
        }
        ("project", "info") => {
            let i: ProjectInfo = info(body)?;
            let p = service::project_view(app, t, &i.name).await?;
            let lbs = service::load_balancer_list(
                app,
                t,
                &i.name,
                PageParams { limit: Some(1000), cursor: None },
            )
            .await?;
            let mut v = to_value(&p);
            v["instances"] = json!(lbs
                .items
                .iter()
                .map(|lb| json!({"name": lb.name, "url": lb.url, "provisioning_status": lb.provisioning_status}))
                .collect::<Vec<_>>());
            Ok((StatusCode::OK, v))
        }
        ("project", "update") => {
            let i: ProjectInfo = info(body)?;
            let p = service::project_update(
                app,
                t,
                &i.name,
                ProjectUpdate { generation: None, description: i.description },
            )
            .await?;
            Ok((StatusCode::OK, to_value(&p)))
        }
        ("project", "delete") => {
            let i: ProjectInfo = info(body)?;
            service::project_delete(app, t, &i.name).await?;
            Ok((StatusCode::OK, json!({"name": i.name, "deleted": true})))
        }
        ("instance", "create") => {
            let i: InstanceCreateInfo = info(body)?;
            let protocol = protocol_of("traffic_type", &i.traffic_type)?;
            let hm = i.backend.health_check.map(health_monitor).transpose()?;
            let default_member_port = hm.as_ref().and_then(|h| h.port).unwrap_or(80);
            let members = members(&i.backend.entities, default_member_port)?;
            let port = match (i.port, protocol) {
                (Some(p), _) => p,
                (None, Protocol::Http) => 80,
                (None, Protocol::Tcp) => members.first().map(|m| m.port).unwrap_or(80),
            };
            let spec = InstanceSpec {
                project: i.project,
                name: i.name,
                description: i.description,
                protocol,
                port,
                subnet: i.subnet,
                algorithm: i.algorithm.unwrap_or(Algorithm::RoundRobin),
                members,
                health_monitor: hm,
                auto_scaling: i.backend.auto_scaling.unwrap_or(false),
            };
            let v = service::instance_create(app, t, spec, None).await?;
            Ok((StatusCode::ACCEPTED, instance_info(v)))
        }
        ("instance", "info") => {
            let i: InstanceKey = info(body)?;
            Ok((
                StatusCode::OK,
                instance_info(service::instance_view(app, t, &i.project, &i.name).await?),
            ))
        }
        ("instance", "update") => {
            let i: InstanceUpdateInfo = info(body)?;
            let (mut entities, mut hc, mut auto) = (None, None, None);
            if let Some(b) = i.backend {
                entities = b.entities;
                hc = b.health_check;
                auto = b.auto_scaling;
            }
            let hm = hc.map(health_monitor).transpose()?;
            let default_member_port = hm.as_ref().and_then(|h| h.port).unwrap_or(80);
            let change = InstanceChange {
                members: entities.map(|e| members(&e, default_member_port)).transpose()?,
                health_monitor: hm,
                algorithm: i.algorithm,
                auto_scaling: auto,
                description: i.description,
            };
            let v = service::instance_update(app, t, &i.project, &i.name, change).await?;
            Ok((StatusCode::ACCEPTED, instance_info(v)))
        }
        ("instance", "delete") => {
            let i: InstanceKey = info(body)?;
            let lb = service::load_balancer_delete(app, t, &i.project, &i.name).await?;
            Ok((
                StatusCode::ACCEPTED,
                json!({"project": i.project, "name": lb.name, "url": lb.url,
                       "provisioning_status": lb.provisioning_status}),
            ))
        }
        ("project" | "instance", other) => Err(Error::invalid(
            "unknown_action",
            format!("action {other:?} is not one of create, info, update, delete"),
        )),
        (other, _) => Err(Error::invalid(
            "unknown_type",
            format!("type {other:?} is not one of project, instance"),
        )),
    }
}

/// Serializing a view can only fail on a bug (a map with non-string keys), never on input.
fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("views serialize to JSON")
}

fn reply(
    status: StatusCode,
    action: &str,
    kind: &str,
    info: Value,
    error: Option<&Error>,
) -> Response {
    let body = EnvelopeResponse {
        status: if error.is_none() { "successful" } else { "fail" }.into(),
        action: action.into(),
        kind: kind.into(),
        info,
        error: error.map(|e| error_body(e).error),
    };
    (status, Json(body)).into_response()
}

/// Runs one envelope request. Failures still answer with an envelope, echoing what could be
/// read of the request.
pub async fn handle(app: &App, tenant: Result<Tenant, ApiError>, body: &[u8]) -> Response {
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let action = raw.get("action").and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = raw.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
    let echo = raw.get("info").cloned().unwrap_or(Value::Null);
    let fail = |e: Error, echo: Value| {
        log_if_internal(&e);
        reply(status_of(&e), &action, &kind, echo, Some(&e))
    };
    let t = match tenant {
        Ok(t) => t,
        Err(ApiError(e)) => return fail(e, echo),
    };
    let req: EnvelopeRequest = match parse_json(body) {
        Ok(r) => r,
        Err(e) => return fail(e, echo),
    };
    tracing::Span::current().record(
        "project",
        req.info.get("project").or(req.info.get("name")).and_then(Value::as_str),
    );
    match dispatch(app, &t, &req.action, &req.kind, req.info).await {
        Ok((status, info)) => reply(status, &req.action, &req.kind, info, None),
        Err(e) => fail(e, echo),
    }
}

#[utoipa::path(post, path = "/v1/requests", tag = "envelope", operation_id = "envelope_post",
    summary = "The seed's JSON envelope (create/info/update/delete of project/instance)",
    request_body = EnvelopeRequest,
    responses(
        (status = 200, body = EnvelopeResponse, description = "info/update done"),
        (status = 201, body = EnvelopeResponse, description = "project created"),
        (status = 202, body = EnvelopeResponse, description = "instance create/update/delete accepted"),
        (status = 400, body = EnvelopeResponse, description = "invalid input, status fail"),
        (status = 401, body = EnvelopeResponse, description = "missing or bad token"),
        (status = 404, body = EnvelopeResponse, description = "not found"),
        (status = 409, body = EnvelopeResponse, description = "conflict"),
        (status = 413, body = EnvelopeResponse, description = "body over 1 MiB")),
    security(("bearer" = [])))]
pub async fn envelope_post(
    State(app): State<App>,
    tenant: Result<Tenant, ApiError>,
    req: Request,
) -> Response {
    envelope(app, tenant, req).await
}

#[utoipa::path(get, path = "/v1/requests", tag = "envelope", operation_id = "envelope_get",
    summary = "The envelope sent as a GET with a JSON body, as the seed's clients do",
    request_body = EnvelopeRequest,
    responses(
        (status = 200, body = EnvelopeResponse, description = "done"),
        (status = 400, body = EnvelopeResponse, description = "invalid input, status fail"),
        (status = 401, body = EnvelopeResponse, description = "missing or bad token"),
        (status = 404, body = EnvelopeResponse, description = "not found")),
    security(("bearer" = [])))]
pub async fn envelope_get(
    State(app): State<App>,
    tenant: Result<Tenant, ApiError>,
    req: Request,
) -> Response {
    envelope(app, tenant, req).await
}

async fn envelope(app: App, tenant: Result<Tenant, ApiError>, req: Request) -> Response {
    match read_body(req, &()).await {
        Ok(bytes) => handle(&app, tenant, &bytes).await,
        Err(ApiError(e)) => reply(status_of(&e), "", "", Value::Null, Some(&e)),
    }
}
