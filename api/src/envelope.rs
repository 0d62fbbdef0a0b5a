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
use lbaas_common::ErrorCode;
use lbaas_common::{validate, Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Tenant;
use crate::error::{self, parse_json, read_body, ApiError};
use crate::read_cache::{answer, Key, Kind};
use crate::service::{self, InstanceChange, InstanceSpec, InstanceView};
use crate::App;

// ---- the contract: one schema per (action, type) pair -------------------------------------
//
// Requests are parsed by hand (`dispatch`: `info` is read as the pair's own type, so a mistake
// is reported with the field's name); the types below are what is parsed and what is sent, and
// they are the spec: `EnvelopeRequest` and `EnvelopeResponse` are `oneOf` these pairs, so a
// generated client gets a type per pair rather than a free-form object.

/// A string schema with one allowed value (`"create"`, `"project"`…), so each pair in the
/// `oneOf` is told apart by its `action` and `type`.
/// (The variant is named by its text: utoipa does not read a `rename` that a macro writes.)
macro_rules! literal {
    ($name:ident, $text:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $text,
        }

        impl $name {
            const VALUE: $name = $name::$text;
        }
    };
}
literal!(ActionCreate, create);
literal!(ActionInfo, info);
literal!(ActionUpdate, update);
literal!(ActionDelete, delete);
literal!(TypeProject, project);
literal!(TypeInstance, instance);
literal!(TypeCertificate, certificate);
literal!(Successful, successful);
literal!(Fail, fail);

/// One request pair and its reply: `{"action": A, "type": T, "info": I}` answered by
/// `{"status": "successful", "action": A, "type": T, "info": O}`. (No schema `title`:
/// openapi-python-client names classes by title, and a request and its reply would collide.)
macro_rules! pair {
    ($req:ident, $reply:ident, $title:literal, $action:ident, $kind:ident, $info:ty, $out:ty) => {
        #[doc = concat!("`", $title, "` request.")]
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $req {
            pub action: $action,
            #[serde(rename = "type")]
            pub kind: $kind,
            pub info: $info,
        }

        #[doc = concat!("`", $title, "` done.")]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $reply {
            pub status: Successful,
            pub action: $action,
            #[serde(rename = "type")]
            pub kind: $kind,
            pub info: $out,
        }

        impl $reply {
            fn new(info: $out) -> Self {
                $reply {
                    status: Successful::VALUE,
                    action: $action::VALUE,
                    kind: $kind::VALUE,
                    info,
                }
            }
        }
    };
}
pair!(
    ProjectCreateRequest,
    ProjectCreateReply,
    "create project",
    ActionCreate,
    TypeProject,
    EnvelopeProjectCreate,
    Project
);
pair!(
    ProjectInfoRequest,
    ProjectInfoReply,
    "info project",
    ActionInfo,
    TypeProject,
    EnvelopeProject,
    EnvelopeProjectInfo
);
pair!(
    ProjectUpdateRequest,
    ProjectUpdateReply,
    "update project",
    ActionUpdate,
    TypeProject,
    EnvelopeProject,
    Project
);
pair!(
    ProjectDeleteRequest,
    ProjectDeleteReply,
    "delete project",
    ActionDelete,
    TypeProject,
    EnvelopeProject,
    EnvelopeProjectDeleted
);
pair!(
    InstanceCreateRequest,
    InstanceCreateReply,
    "create instance",
    ActionCreate,
    TypeInstance,
    EnvelopeInstanceCreate,
    EnvelopeInstance
);
pair!(
    InstanceInfoRequest,
    InstanceInfoReply,
    "info instance",
    ActionInfo,
    TypeInstance,
    EnvelopeInstanceKey,
    EnvelopeInstance
);
pair!(
    InstanceUpdateRequest,
    InstanceUpdateReply,
    "update instance",
    ActionUpdate,
    TypeInstance,
    EnvelopeInstanceUpdate,
    EnvelopeInstance
);
pair!(
    InstanceDeleteRequest,
    InstanceDeleteReply,
    "delete instance",
    ActionDelete,
    TypeInstance,
    EnvelopeInstanceKey,
    EnvelopeInstanceDeleted
);

pair!(
    CertificateCreateRequest,
    CertificateCreateReply,
    "create certificate",
    ActionCreate,
    TypeCertificate,
    EnvelopeCertificateUpload,
    Certificate
);
pair!(
    CertificateInfoRequest,
    CertificateInfoReply,
    "info certificate",
    ActionInfo,
    TypeCertificate,
    EnvelopeCertificateKey,
    Certificate
);
pair!(
    CertificateUpdateRequest,
    CertificateUpdateReply,
    "update certificate",
    ActionUpdate,
    TypeCertificate,
    EnvelopeCertificateUpload,
    Certificate
);
pair!(
    CertificateDeleteRequest,
    CertificateDeleteReply,
    "delete certificate",
    ActionDelete,
    TypeCertificate,
    EnvelopeCertificateKey,
    EnvelopeCertificateDeleted
);

/// The action/type JSON envelope: `{"action": "create|info|update|delete", "type":
/// "project|instance|certificate", "info": {...}}`, `info` shaped by the pair.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EnvelopeRequest {
    ProjectCreate(ProjectCreateRequest),
    ProjectInfo(ProjectInfoRequest),
    ProjectUpdate(ProjectUpdateRequest),
    ProjectDelete(ProjectDeleteRequest),
    InstanceCreate(InstanceCreateRequest),
    InstanceInfo(InstanceInfoRequest),
    InstanceUpdate(InstanceUpdateRequest),
    InstanceDelete(InstanceDeleteRequest),
    CertificateCreate(CertificateCreateRequest),
    CertificateInfo(CertificateInfoRequest),
    CertificateUpdate(CertificateUpdateRequest),
    CertificateDelete(CertificateDeleteRequest),
}

/// The reply to an envelope: `status` `successful` with the pair's `info`, or `fail` with an
/// `error`. The HTTP status is the one the REST equivalent would have.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EnvelopeResponse {
    ProjectCreate(ProjectCreateReply),
    ProjectInfo(ProjectInfoReply),
    ProjectUpdate(ProjectUpdateReply),
    ProjectDelete(ProjectDeleteReply),
    InstanceCreate(InstanceCreateReply),
    InstanceInfo(InstanceInfoReply),
    InstanceUpdate(InstanceUpdateReply),
    InstanceDelete(InstanceDeleteReply),
    CertificateCreate(CertificateCreateReply),
    CertificateInfo(CertificateInfoReply),
    CertificateUpdate(CertificateUpdateReply),
    CertificateDelete(CertificateDeleteReply),
    Fail(EnvelopeFail),
}

/// A refused envelope. `action` and `type` echo what the request said (empty when it could not
/// be read), `info` echoes the request's `info` (null when there was none).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeFail {
    pub status: Fail,
    pub action: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = Option<Object>)]
    pub info: Value,
    pub error: ErrorDetail,
}

// ---- the seed's shapes ---------------------------------------------------------------------

/// A project in the envelope: its name (and, on create or update, a description).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeProject {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

/// `create project`. The first clients send `{"type": "project", "user": "john", "name": "john's
/// project", "instances": []}`: `name` may be a human name (kept as the display name, with a
/// DNS label derived from it), `user` must be the token's tenant, `type` must be `project` and
/// `instances` empty (instances are created with their own requests).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeProjectCreate {
    /// A DNS label, or a human name a label is derived from (`john's project` →
    /// `johns-project`).
    name: String,
    /// How people call it when `name` is a label; `name` when absent.
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// The tenant this token belongs to, if given.
    #[serde(default)]
    user: Option<String>,
    /// `project`, if given.
    #[serde(rename = "type", default)]
    kind: Option<String>,
    /// Must be empty if given.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    instances: Option<Vec<Value>>,
}

impl EnvelopeProjectCreate {
    /// The REST create it stands for, after the checks the REST shape does not need.
    fn into_create(self, t: &Tenant) -> Result<ProjectCreate> {
        if let Some(user) = self.user.as_deref().filter(|u| *u != t.name) {
            return Err(Error::invalid(
                ErrorCode::UserMismatch,
                format!(
                    "info.user {user:?} is not the tenant this token belongs to ({:?})",
                    t.name
                ),
            ));
        }
        if let Some(kind) = self.kind.as_deref().filter(|k| *k != "project") {
            return Err(Error::invalid(
                ErrorCode::InvalidField,
                format!("in \"info\": type {kind:?} must be \"project\" (or absent)"),
            ));
        }
        if self.instances.as_ref().is_some_and(|i| !i.is_empty()) {
            return Err(Error::invalid(
                ErrorCode::InvalidField,
                "in \"info\": instances must be empty; create each instance with its own \
                 create instance request",
            ));
        }
        let (name, display_name) = if validate::name("project", &self.name).is_ok() {
            (self.name, self.display_name)
        } else {
            let label = lbaas_common::names::label_from(&self.name).ok_or_else(|| {
                Error::invalid(
                    ErrorCode::InvalidName,
                    format!("project name {:?} has nothing a DNS label can be made of", self.name),
                )
            })?;
            (label, Some(self.name))
        };
        Ok(ProjectCreate { name, display_name, description: self.description })
    }
}

/// `info project`: the project and its instances.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeProjectInfo {
    #[serde(flatten)]
    project: Project,
    instances: Vec<EnvelopeInstanceSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeInstanceSummary {
    name: String,
    url: String,
    provisioning_status: ProvisioningStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeProjectDeleted {
    name: String,
    deleted: bool,
}

/// Which instance: its project and name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeInstanceKey {
    project: String,
    name: String,
}

/// `create certificate` (upload) and `update certificate` (renewal: a new chain and key under the
/// same name). The key is stored encrypted and never shown again.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeCertificateUpload {
    project: String,
    name: String,
    /// PEM: the leaf first, then its intermediates.
    certificate: String,
    /// PEM private key of the leaf, unencrypted.
    private_key: String,
}

// Hand-written: never the key in a log.
impl std::fmt::Debug for EnvelopeCertificateUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeCertificateUpload")
            .field("project", &self.project)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Which certificate: its project and name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeCertificateKey {
    project: String,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeCertificateDeleted {
    project: String,
    name: String,
    deleted: bool,
}

/// `create instance`: the seed's instance.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeInstanceCreate {
    project: String,
    name: String,
    /// `http`, `https` or `tcp` (either case).
    traffic_type: String,
    /// The project subnet (CIDR) the backends live in; made if the project has none such.
    subnet: String,
    backend: EnvelopeBackend,
    /// Listener port; 80 for http, 443 for https, the first backend's port for tcp.
    #[serde(default)]
    port: Option<i32>,
    /// https: names of the project's certificates (`create certificate`); the first is the
    /// default, the others are chosen by the client's SNI.
    #[serde(default)]
    certificates: Option<Vec<String>>,
    /// https: also listen on port 80 and redirect every request there to HTTPS.
    #[serde(default)]
    redirect_http: Option<bool>,
    #[serde(default)]
    algorithm: Option<Algorithm>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeBackend {
    /// Backends as `IP[:port]` or `http://IP[:port]/path` URLs.
    entities: Vec<String>,
    #[serde(rename = "health-check", default)]
    health_check: Option<EnvelopeHealthCheck>,
    #[serde(rename = "auto-scaling", default)]
    auto_scaling: Option<bool>,
    /// http/https: routing rules tried in order before `entities` (L7 policies; change them
    /// later through REST `…/listeners/default/policies`).
    #[serde(default)]
    rules: Option<Vec<EnvelopeRule>>,
}

/// One routing rule: when the request's host equals `host` and its path starts with
/// `path_prefix` (those given; neither: every request), send it to its own `entities`, redirect
/// it to `redirect` (a URL prefix the path follows) or refuse it (`reject`, 403): exactly one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeRule {
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    path_prefix: Option<String>,
    #[serde(default)]
    entities: Option<Vec<String>>,
    #[serde(default)]
    redirect: Option<String>,
    /// 301, 302 (default), 303, 307 or 308.
    #[serde(rename = "redirect-code", default)]
    redirect_code: Option<i32>,
    #[serde(default)]
    reject: Option<bool>,
}

/// `update instance`: what is given changes, the rest stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeInstanceUpdate {
    project: String,
    name: String,
    #[serde(default)]
    backend: Option<EnvelopeBackendUpdate>,
    #[serde(default)]
    algorithm: Option<Algorithm>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeBackendUpdate {
    #[serde(default)]
    entities: Option<Vec<String>>,
    #[serde(rename = "health-check", default)]
    health_check: Option<EnvelopeHealthCheck>,
    #[serde(rename = "auto-scaling", default)]
    auto_scaling: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeHealthCheck {
    /// `http` or `tcp` (either case).
    protocol: String,
    #[serde(default)]
    port: Option<i32>,
    #[serde(rename = "request-path", default)]
    request_path: Option<String>,
    criteria: EnvelopeCriteria,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeCriteria {
    /// Seconds between probes.
    interval: i32,
    /// Seconds a probe may take.
    timeout: i32,
    /// Consecutive successes that bring a backend into rotation.
    #[serde(rename = "health-threshold")]
    health_threshold: i32,
    /// Consecutive failures that take it out.
    #[serde(rename = "unhealth-threshold")]
    unhealth_threshold: i32,
}

/// An instance as the envelope shows it: the seed's fields, plus what the control plane knows.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeInstance {
    id: LoadBalancerId,
    project: String,
    name: String,
    /// `http` or `tcp`; absent while the instance has no listener.
    traffic_type: Option<String>,
    port: Option<i32>,
    subnet: String,
    algorithm: Option<Algorithm>,
    backend: EnvelopeBackendView,
    url: String,
    dns_name: String,
    vips: Vec<String>,
    provisioning_status: ProvisioningStatus,
    operating_status: OperatingStatus,
    status_reason: String,
    members: Vec<Member>,
    nodes: Vec<Node>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeBackendView {
    entities: Vec<String>,
    #[serde(rename = "health-check")]
    health_check: Option<EnvelopeHealthCheckView>,
    #[serde(rename = "auto-scaling")]
    auto_scaling: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeHealthCheckView {
    protocol: Protocol,
    port: Option<i32>,
    #[serde(rename = "request-path")]
    request_path: Option<String>,
    criteria: EnvelopeCriteria,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvelopeInstanceDeleted {
    project: String,
    name: String,
    url: String,
    provisioning_status: ProvisioningStatus,
}

fn protocol_of(what: &str, s: &str) -> Result<Protocol> {
    match s.to_ascii_lowercase().as_str() {
        "http" => Ok(Protocol::Http),
        "https" => Ok(Protocol::Https),
        "tcp" => Ok(Protocol::Tcp),
        _ => Err(Error::invalid(
            ErrorCode::InvalidProtocol,
            format!("{what} {s:?} is not one of \"http\", \"https\", \"tcp\""),
        )),
    }
}

/// `backend.rules` in domain terms; checked whole by the service.
fn rules(rules: Vec<EnvelopeRule>, default_member_port: i32) -> Result<Vec<service::RuleSpec>> {
    let bad = |m: String| Error::invalid(ErrorCode::InvalidL7Policy, m);
    rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let n = i + 1;
            let target = match (r.entities, r.redirect, r.reject.unwrap_or(false)) {
                (Some(e), None, false) => {
                    service::RuleTarget::Members(members(&e, default_member_port)?)
                }
                (None, Some(prefix), false) => {
                    service::RuleTarget::Redirect { prefix, code: r.redirect_code }
                }
                (None, None, true) => service::RuleTarget::Reject,
                _ => {
                    return Err(bad(format!(
                        "backend rule {n} must have exactly one of entities, redirect, reject"
                    )))
                }
            };
            if r.redirect_code.is_some() && !matches!(target, service::RuleTarget::Redirect { .. })
            {
                return Err(bad(format!("backend rule {n}: redirect-code goes with redirect")));
            }
            Ok(service::RuleSpec { host: r.host, path_prefix: r.path_prefix, target })
        })
        .collect()
}

fn health_monitor(hc: EnvelopeHealthCheck) -> Result<HealthMonitor> {
    let protocol = protocol_of("health-check protocol", &hc.protocol)?;
    let path = match protocol {
        Protocol::Http | Protocol::Https => Some(hc.request_path.unwrap_or_else(|| "/".into())),
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
fn instance_info(v: InstanceView) -> EnvelopeInstance {
    let lb = v.load_balancer;
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
    let health_check =
        v.pool.as_ref().and_then(|p| p.health_monitor.as_ref()).map(|hm| EnvelopeHealthCheckView {
            protocol: hm.protocol,
            port: hm.port,
            request_path: hm.path.clone(),
            criteria: EnvelopeCriteria {
                interval: hm.interval,
                timeout: hm.timeout,
                health_threshold: hm.health_threshold,
                unhealth_threshold: hm.unhealth_threshold,
            },
        });
    EnvelopeInstance {
        id: lb.id,
        project: v.project,
        name: lb.name,
        traffic_type: v.listener.as_ref().map(|l| l.protocol.as_str().to_ascii_lowercase()),
        port: v.listener.as_ref().map(|l| l.port),
        subnet: v.subnet.cidr,
        algorithm: v.pool.as_ref().map(|p| p.algorithm),
        backend: EnvelopeBackendView { entities, health_check, auto_scaling: lb.auto_scaling },
        url: lb.url,
        dns_name: lb.dns_name,
        vips: lb.vips,
        provisioning_status: lb.provisioning_status,
        operating_status: lb.operating_status,
        status_reason: lb.status_reason,
        members: v.members,
        nodes: v.nodes,
    }
}

async fn dispatch(
    app: &App,
    t: &Tenant,
    action: &str,
    kind: &str,
    body: Value,
) -> Result<(StatusCode, EnvelopeResponse)> {
    use EnvelopeResponse as R;
    Ok(match (kind, action) {
        ("project", "create") => {
            let i: EnvelopeProjectCreate = info(body)?;
            let p = service::project_create(app, t, i.into_create(t)?).await?;
            (StatusCode::CREATED, R::ProjectCreate(ProjectCreateReply::new(p)))
        }
        ("project", "info") => {
            let i: EnvelopeProject = info(body)?;
            let project = service::project_view(app, t, &i.name).await?;
            let page = PageParams { limit: Some(1000), cursor: None };
            let lbs = service::load_balancer_list(app, t, &i.name, page).await?;
            let instances = lbs
                .items
                .into_iter()
                .map(|lb| EnvelopeInstanceSummary {
                    name: lb.name,
                    url: lb.url,
                    provisioning_status: lb.provisioning_status,
                })
                .collect();
            let v = EnvelopeProjectInfo { project, instances };
            (StatusCode::OK, R::ProjectInfo(ProjectInfoReply::new(v)))
        }
        ("project", "update") => {
            let i: EnvelopeProject = info(body)?;
            let update = ProjectUpdate { generation: None, description: i.description };
            let p = service::project_update(app, t, &i.name, update).await?;
            (StatusCode::OK, R::ProjectUpdate(ProjectUpdateReply::new(p)))
        }
        ("project", "delete") => {
            let i: EnvelopeProject = info(body)?;
            service::project_delete(app, t, &i.name).await?;
            let v = EnvelopeProjectDeleted { name: i.name, deleted: true };
            (StatusCode::OK, R::ProjectDelete(ProjectDeleteReply::new(v)))
        }
        ("instance", "create") => {
            let i: EnvelopeInstanceCreate = info(body)?;
            let protocol = protocol_of("traffic_type", &i.traffic_type)?;
            let hm = i.backend.health_check.map(health_monitor).transpose()?;
            let default_member_port = hm.as_ref().and_then(|h| h.port).unwrap_or(80);
            let members = members(&i.backend.entities, default_member_port)?;
            let port = match (i.port, protocol) {
                (Some(p), _) => p,
                (None, Protocol::Http) => 80,
                (None, Protocol::Https) => 443,
                (None, Protocol::Tcp) => members.first().map(|m| m.port).unwrap_or(80),
            };
            let rules = rules(i.backend.rules.unwrap_or_default(), default_member_port)?;
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
                certificates: i.certificates.unwrap_or_default(),
                redirect_http: i.redirect_http.unwrap_or(false),
                rules,
            };
            let v = service::instance_create(app, t, spec, None).await?;
            (StatusCode::ACCEPTED, R::InstanceCreate(InstanceCreateReply::new(instance_info(v))))
        }
        ("instance", "info") => {
            let i: EnvelopeInstanceKey = info(body)?;
            let v = service::instance_view(app, t, &i.project, &i.name).await?;
            (StatusCode::OK, R::InstanceInfo(InstanceInfoReply::new(instance_info(v))))
        }
        ("instance", "update") => {
            let i: EnvelopeInstanceUpdate = info(body)?;
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
            (StatusCode::ACCEPTED, R::InstanceUpdate(InstanceUpdateReply::new(instance_info(v))))
        }
        ("instance", "delete") => {
            let i: EnvelopeInstanceKey = info(body)?;
            let lb = service::load_balancer_delete(app, t, &i.project, &i.name).await?;
            let v = EnvelopeInstanceDeleted {
                project: i.project,
                name: lb.name,
                url: lb.url,
                provisioning_status: lb.provisioning_status,
            };
            (StatusCode::ACCEPTED, R::InstanceDelete(InstanceDeleteReply::new(v)))
        }
        ("certificate", "create") => {
            let i: EnvelopeCertificateUpload = info(body)?;
            let params = CertificateCreate {
                name: i.name,
                certificate_chain: i.certificate,
                private_key: i.private_key,
            };
            let c = service::certificate_create(app, t, &i.project, params).await?;
            (StatusCode::CREATED, R::CertificateCreate(CertificateCreateReply::new(c)))
        }
        ("certificate", "info") => {
            let i: EnvelopeCertificateKey = info(body)?;
            let c = service::certificate_view(app, t, &i.project, &i.name).await?;
            (StatusCode::OK, R::CertificateInfo(CertificateInfoReply::new(c)))
        }
        ("certificate", "update") => {
            let i: EnvelopeCertificateUpload = info(body)?;
            let params = CertificateUpdate {
                generation: None,
                certificate_chain: i.certificate,
                private_key: i.private_key,
            };
            let c = service::certificate_update(app, t, &i.project, &i.name, params).await?;
            (StatusCode::OK, R::CertificateUpdate(CertificateUpdateReply::new(c)))
        }
        ("certificate", "delete") => {
            let i: EnvelopeCertificateKey = info(body)?;
            service::certificate_delete(app, t, &i.project, &i.name).await?;
            let v = EnvelopeCertificateDeleted { project: i.project, name: i.name, deleted: true };
            (StatusCode::OK, R::CertificateDelete(CertificateDeleteReply::new(v)))
        }
        ("project" | "instance" | "certificate", other) => {
            return Err(Error::invalid(
                ErrorCode::UnknownAction,
                format!("action {other:?} is not one of create, info, update, delete"),
            ))
        }
        (other, _) => {
            return Err(Error::invalid(
                ErrorCode::UnknownType,
                format!("type {other:?} is not one of project, instance, certificate"),
            ))
        }
    })
}

/// A refused envelope, rendered by the one error renderer (status, headers, logging).
fn fail(e: Error, action: &str, kind: &str, echo: Value) -> Response {
    error::render(e, |error| EnvelopeFail {
        status: Fail::VALUE,
        action: action.into(),
        kind: kind.into(),
        info: echo,
        error,
    })
}

/// Runs one envelope request. Failures still answer with an envelope, echoing what could be
/// read of the request.
pub async fn handle(app: &App, tenant: Result<Tenant, ApiError>, body: &[u8]) -> Response {
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let action = raw.get("action").and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = raw.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
    // Echoed only as what the spec promises: an object, or null.
    let echo = raw.get("info").filter(|v| v.is_object()).cloned().unwrap_or(Value::Null);
    let t = match tenant {
        Ok(t) => t,
        Err(ApiError(e)) => return fail(e, &action, &kind, echo),
    };
    let req: RawEnvelope = match parse_json(body) {
        Ok(r) => r,
        Err(e) => return fail(e, &action, &kind, echo),
    };
    tracing::Span::current().record(
        "project",
        req.info.get("project").or(req.info.get("name")).and_then(Value::as_str),
    );
    // An instance's info is a hot read (`read_cache.rs`): answered from the cache when it can
    // be, but only for a well-formed request, which is then answered as the read would.
    let RawEnvelope { action: pair_action, kind: pair_kind, info: body } = req;
    if let ("instance", "info") = (pair_kind.as_str(), pair_action.as_str()) {
        // Only a well-formed request is looked up, so a bad one is still refused.
        if let Ok(i) = info::<EnvelopeInstanceKey>(body.clone()) {
            let key = Key {
                kind: Kind::Instance,
                tenant: t.id.0,
                project: i.project.into(),
                name: i.name.into(),
            };
            let read = async {
                dispatch(app, &t, &pair_action, &pair_kind, body).await.map(|(_, reply)| reply)
            };
            return match answer(&app.read_cache, key, read).await {
                Ok(resp) => resp,
                Err(e) => fail(e, &action, &kind, echo),
            };
        }
    }
    let resp = match dispatch(app, &t, &pair_action, &pair_kind, body).await {
        Ok((status, reply)) => (status, Json(reply)).into_response(),
        Err(e) => fail(e, &action, &kind, echo),
    };
    // It may have written (a refused request wrote nothing): whoever did reads it back at once
    // (`read_cache.rs`).
    if pair_action != "info" && !resp.status().is_client_error() {
        app.read_cache.flush();
    }
    resp
}

/// What `handle` reads before it knows the pair: `info` is then read as the pair's type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    action: String,
    #[serde(rename = "type")]
    kind: String,
    info: Value,
}

#[utoipa::path(post, path = "/v1/requests", tag = "envelope", operation_id = "envelope_post",
    summary = "The action/type JSON envelope: create, info, update or delete a project or instance",
    request_body = EnvelopeRequest,
    responses(EnvelopeResponses),
    security(("bearer" = [])))]
pub async fn envelope_post(
    State(app): State<App>,
    tenant: Result<Tenant, ApiError>,
    req: Request,
) -> Response {
    envelope(app, tenant, req).await
}

#[utoipa::path(get, path = "/v1/requests", tag = "envelope", operation_id = "envelope_get",
    summary = "The same envelope sent as a GET with a JSON body, as the first clients do",
    request_body = EnvelopeRequest,
    responses(EnvelopeResponses),
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
        Err(ApiError(e)) => fail(e, "", "", Value::Null),
    }
}

/// Every status an envelope can be answered with, each with the envelope as its body.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // a spec type: never built, only described
pub enum EnvelopeResponses {
    /// info or update done; project deleted
    #[response(status = 200)]
    Ok(EnvelopeResponse),
    /// project created
    #[response(status = 201)]
    Created(EnvelopeResponse),
    /// instance create, update or delete accepted (the controller carries it out)
    #[response(status = 202)]
    Accepted(EnvelopeResponse),
    /// invalid input (`status: fail`, `error.code` says which)
    #[response(status = 400)]
    BadRequest(EnvelopeResponse),
    /// missing or bad token
    #[response(status = 401)]
    Unauthorized(EnvelopeResponse),
    /// a quota is used up
    #[response(status = 403)]
    Forbidden(EnvelopeResponse),
    /// no such project or instance (another tenant's included)
    #[response(status = 404)]
    NotFound(EnvelopeResponse),
    /// duplicate name, overlapping subnet, stale generation, in use
    #[response(status = 409)]
    Conflict(EnvelopeResponse),
    /// body over 1 MiB
    #[response(status = 413)]
    TooLarge(EnvelopeResponse),
    /// a bug or an outage; the operator's log has the details
    #[response(status = 500)]
    Internal(EnvelopeResponse),
}
