//! REST handlers: parse, authorize, delegate to `service`, map. Each handler is one line of
//! logic; the `#[utoipa::path]` attributes are the spec (`openapi/lbaas.json`), and utoipa-axum's
//! `routes!` registers route and spec together so no route escapes the spec.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use lbaas_common::types::*;

use crate::auth::{Admin, Tenant};
use crate::error::ErrorResponses;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::{service, App};

type R<T> = Result<T, ApiError>;

#[utoipa::path(get,
    path = "/v1/hypervisors",
    tag = "tenants",
    operation_id = "hypervisor_list",
    summary = "List hypervisors with their node counts and warm pools (admin)",
    params(PageParams),
    responses((status = 200, body = Page<lbaas_common::types::Hypervisor>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn hypervisor_list(
    State(app): State<App>,
    _: Admin,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<lbaas_common::types::Hypervisor>>)> {
    Ok((StatusCode::OK, Json(service::hypervisor_list(&app, q).await?)))
}

#[utoipa::path(post,
    path = "/v1/hypervisors",
    tag = "tenants",
    operation_id = "hypervisor_create",
    summary = "Add a hypervisor (admin)",
    description = "Placement uses it once a controller runs for it (`lbaas-controller \
        --hypervisor NAME`) and has listed its domains (`reachable: true`).",
    request_body = HypervisorCreate,
    responses((status = 201, body = lbaas_common::types::Hypervisor), ErrorResponses),
    security(("bearer" = [])))]
pub async fn hypervisor_create(
    State(app): State<App>,
    _: Admin,
    ApiJson(params): ApiJson<HypervisorCreate>,
) -> R<(StatusCode, Json<lbaas_common::types::Hypervisor>)> {
    Ok((StatusCode::CREATED, Json(service::hypervisor_create(&app, params).await?)))
}

#[utoipa::path(get,
    path = "/v1/hypervisors/{hypervisor}",
    tag = "tenants",
    operation_id = "hypervisor_view",
    summary = "View a hypervisor (admin)",
    params(("hypervisor" = String, Path, description = "Hypervisor name or id")),
    responses((status = 200, body = lbaas_common::types::Hypervisor), ErrorResponses),
    security(("bearer" = [])))]
pub async fn hypervisor_view(
    State(app): State<App>,
    _: Admin,
    Path(hypervisor): Path<String>,
) -> R<(StatusCode, Json<lbaas_common::types::Hypervisor>)> {
    Ok((StatusCode::OK, Json(service::hypervisor_view(&app, &hypervisor).await?)))
}

#[utoipa::path(patch,
    path = "/v1/hypervisors/{hypervisor}",
    tag = "tenants",
    operation_id = "hypervisor_update",
    summary = "Change a hypervisor's state, capacity or URI (admin)",
    description = "`state: DRAINING` replaces its nodes elsewhere, each retired through SUNDOWN \
        once its replacement serves (no failed request); `DISABLED` places nothing new there \
        and keeps what runs. A new URI takes effect when its controller restarts.",
    params(("hypervisor" = String, Path, description = "Hypervisor name or id")),
    request_body = HypervisorUpdate,
    responses((status = 200, body = lbaas_common::types::Hypervisor), ErrorResponses),
    security(("bearer" = [])))]
pub async fn hypervisor_update(
    State(app): State<App>,
    _: Admin,
    Path(hypervisor): Path<String>,
    ApiJson(params): ApiJson<HypervisorUpdate>,
) -> R<(StatusCode, Json<lbaas_common::types::Hypervisor>)> {
    Ok((StatusCode::OK, Json(service::hypervisor_update(&app, &hypervisor, params).await?)))
}

#[utoipa::path(delete,
    path = "/v1/hypervisors/{hypervisor}",
    tag = "tenants",
    operation_id = "hypervisor_delete",
    summary = "Remove a hypervisor with no node and no spare on it (admin)",
    params(("hypervisor" = String, Path, description = "Hypervisor name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn hypervisor_delete(
    State(app): State<App>,
    _: Admin,
    Path(hypervisor): Path<String>,
) -> R<StatusCode> {
    service::hypervisor_delete(&app, &hypervisor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/failover-breaker",
    tag = "tenants",
    operation_id = "failover_breaker_view",
    summary = "The mass-failover breaker: whether failovers are paused (admin)",
    responses((status = 200, body = FailoverBreaker), ErrorResponses),
    security(("bearer" = [])))]
pub async fn failover_breaker_view(
    State(app): State<App>,
    _: Admin,
) -> R<(StatusCode, Json<FailoverBreaker>)> {
    Ok((StatusCode::OK, Json(service::failover_breaker_view(&app).await?)))
}

#[utoipa::path(post,
    path = "/v1/failover-breaker/resume",
    tag = "tenants",
    operation_id = "failover_breaker_resume",
    summary = "Resume failovers the breaker paused (admin)",
    description = "The nodes DOWN now are replaced as usual (the controller's next pass, event \
        `failover.resumed`); nodes that go DOWN afterwards are judged again, so a failure that is \
        still spreading pauses failovers again.",
    responses((status = 200, body = FailoverBreaker), ErrorResponses),
    security(("bearer" = [])))]
pub async fn failover_breaker_resume(
    State(app): State<App>,
    _: Admin,
) -> R<(StatusCode, Json<FailoverBreaker>)> {
    Ok((StatusCode::OK, Json(service::failover_breaker_resume(&app).await?)))
}

#[utoipa::path(get,
    path = "/v1/nodes",
    tag = "tenants",
    operation_id = "fleet_node_list",
    summary = "List every node of every tenant (admin)",
    params(PageParams),
    responses((status = 200, body = Page<lbaas_common::types::FleetNode>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn fleet_node_list(
    State(app): State<App>,
    _: Admin,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<lbaas_common::types::FleetNode>>)> {
    Ok((StatusCode::OK, Json(service::fleet_node_list(&app, q).await?)))
}

#[utoipa::path(get,
    path = "/v1/tenants",
    tag = "tenants",
    operation_id = "tenant_list",
    summary = "List tenants (admin)",
    params(PageParams),
    responses((status = 200, body = Page<lbaas_common::types::Tenant>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn tenant_list(
    State(app): State<App>,
    _: Admin,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<lbaas_common::types::Tenant>>)> {
    let v = service::tenant_list(&app, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/tenants",
    tag = "tenants",
    operation_id = "tenant_create",
    summary = "Create a tenant and its first token (admin)",
    request_body = TenantCreate,
    responses((status = 201, body = TenantCreated), ErrorResponses),
    security(("bearer" = [])))]
pub async fn tenant_create(
    State(app): State<App>,
    _: Admin,
    ApiJson(params): ApiJson<TenantCreate>,
) -> R<(StatusCode, Json<TenantCreated>)> {
    let v = service::tenant_create(&app, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/tenants/{tenant}",
    tag = "tenants",
    operation_id = "tenant_view",
    summary = "View a tenant (admin)",
    params(("tenant" = String, Path, description = "Tenant name or id")),
    responses((status = 200, body = lbaas_common::types::Tenant), ErrorResponses),
    security(("bearer" = [])))]
pub async fn tenant_view(
    State(app): State<App>,
    _: Admin,
    Path(tenant): Path<String>,
) -> R<(StatusCode, Json<lbaas_common::types::Tenant>)> {
    let v = service::tenant_view(&app, &tenant).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/tenants/{tenant}",
    tag = "tenants",
    operation_id = "tenant_update",
    summary = "Change a tenant's quotas (admin)",
    params(("tenant" = String, Path, description = "Tenant name or id")),
    request_body = TenantUpdate,
    responses((status = 200, body = lbaas_common::types::Tenant), ErrorResponses),
    security(("bearer" = [])))]
pub async fn tenant_update(
    State(app): State<App>,
    _: Admin,
    Path(tenant): Path<String>,
    ApiJson(params): ApiJson<TenantUpdate>,
) -> R<(StatusCode, Json<lbaas_common::types::Tenant>)> {
    let v = service::tenant_update(&app, &tenant, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/tenants/{tenant}",
    tag = "tenants",
    operation_id = "tenant_delete",
    summary = "Delete a tenant that owns no projects (admin)",
    params(("tenant" = String, Path, description = "Tenant name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn tenant_delete(
    State(app): State<App>,
    _: Admin,
    Path(tenant): Path<String>,
) -> R<StatusCode> {
    service::tenant_delete(&app, &tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/tokens",
    tag = "tokens",
    operation_id = "token_list",
    summary = "List your tokens",
    params(PageParams),
    responses((status = 200, body = Page<Token>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn token_list(
    State(app): State<App>,
    t: Tenant,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Token>>)> {
    let v = service::token_list(&app, &t, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/tokens",
    tag = "tokens",
    operation_id = "token_create",
    summary = "Create a token (the secret is shown once)",
    request_body = TokenCreate,
    responses((status = 201, body = TokenCreated), ErrorResponses),
    security(("bearer" = [])))]
pub async fn token_create(
    State(app): State<App>,
    t: Tenant,
    ApiJson(params): ApiJson<TokenCreate>,
) -> R<(StatusCode, Json<TokenCreated>)> {
    let v = service::token_create(&app, &t, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/tokens/{token}",
    tag = "tokens",
    operation_id = "token_delete",
    summary = "Revoke a token",
    params(("token" = String, Path, description = "Token id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn token_delete(
    State(app): State<App>,
    t: Tenant,
    Path(token): Path<String>,
) -> R<StatusCode> {
    service::token_delete(&app, &t, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects",
    tag = "projects",
    operation_id = "project_list",
    summary = "List projects",
    params(PageParams),
    responses((status = 200, body = Page<Project>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn project_list(
    State(app): State<App>,
    t: Tenant,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Project>>)> {
    let v = service::project_list(&app, &t, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects",
    tag = "projects",
    operation_id = "project_create",
    summary = "Create a project",
    request_body = ProjectCreate,
    responses((status = 201, body = Project), ErrorResponses),
    security(("bearer" = [])))]
pub async fn project_create(
    State(app): State<App>,
    t: Tenant,
    ApiJson(params): ApiJson<ProjectCreate>,
) -> R<(StatusCode, Json<Project>)> {
    let v = service::project_create(&app, &t, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}",
    tag = "projects",
    operation_id = "project_view",
    summary = "View a project",
    params(("project" = String, Path, description = "Project name or id")),
    responses((status = 200, body = Project), ErrorResponses),
    security(("bearer" = [])))]
pub async fn project_view(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
) -> R<(StatusCode, Json<Project>)> {
    let v = service::project_view(&app, &t, &project).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}",
    tag = "projects",
    operation_id = "project_update",
    summary = "Update a project",
    params(("project" = String, Path, description = "Project name or id")),
    request_body = ProjectUpdate,
    responses((status = 200, body = Project), ErrorResponses),
    security(("bearer" = [])))]
pub async fn project_update(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiJson(params): ApiJson<ProjectUpdate>,
) -> R<(StatusCode, Json<Project>)> {
    let v = service::project_update(&app, &t, &project, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}",
    tag = "projects",
    operation_id = "project_delete",
    summary = "Delete a project without load balancers (its subnets go with it)",
    params(("project" = String, Path, description = "Project name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn project_delete(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
) -> R<StatusCode> {
    service::project_delete(&app, &t, &project).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/subnets",
    tag = "subnets",
    operation_id = "subnet_list",
    summary = "List subnets",
    params(("project" = String, Path, description = "Project name or id"), PageParams),
    responses((status = 200, body = Page<Subnet>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn subnet_list(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Subnet>>)> {
    let v = service::subnet_list(&app, &t, &project, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/subnets",
    tag = "subnets",
    operation_id = "subnet_create",
    summary = "Create a subnet",
    params(("project" = String, Path, description = "Project name or id")),
    request_body = SubnetCreate,
    responses((status = 201, body = Subnet), ErrorResponses),
    security(("bearer" = [])))]
pub async fn subnet_create(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiJson(params): ApiJson<SubnetCreate>,
) -> R<(StatusCode, Json<Subnet>)> {
    let v = service::subnet_create(&app, &t, &project, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/subnets/{subnet}",
    tag = "subnets",
    operation_id = "subnet_view",
    summary = "View a subnet",
    params(("project" = String, Path, description = "Project name or id"), ("subnet" = String, Path, description = "Subnet name or id")),
    responses((status = 200, body = Subnet), ErrorResponses),
    security(("bearer" = [])))]
pub async fn subnet_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, subnet)): Path<(String, String)>,
) -> R<(StatusCode, Json<Subnet>)> {
    let v = service::subnet_view(&app, &t, &project, &subnet).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}/subnets/{subnet}",
    tag = "subnets",
    operation_id = "subnet_update",
    summary = "Rename a subnet",
    params(("project" = String, Path, description = "Project name or id"), ("subnet" = String, Path, description = "Subnet name or id")),
    request_body = SubnetUpdate,
    responses((status = 200, body = Subnet), ErrorResponses),
    security(("bearer" = [])))]
pub async fn subnet_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, subnet)): Path<(String, String)>,
    ApiJson(params): ApiJson<SubnetUpdate>,
) -> R<(StatusCode, Json<Subnet>)> {
    let v = service::subnet_update(&app, &t, &project, &subnet, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/subnets/{subnet}",
    tag = "subnets",
    operation_id = "subnet_delete",
    summary = "Delete a subnet no load balancer uses",
    params(("project" = String, Path, description = "Project name or id"), ("subnet" = String, Path, description = "Subnet name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn subnet_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, subnet)): Path<(String, String)>,
) -> R<StatusCode> {
    service::subnet_delete(&app, &t, &project, &subnet).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers",
    tag = "load-balancers",
    operation_id = "load_balancer_list",
    summary = "List load balancers",
    params(("project" = String, Path, description = "Project name or id"), PageParams),
    responses((status = 200, body = Page<LoadBalancer>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn load_balancer_list(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<LoadBalancer>>)> {
    let v = service::load_balancer_list(&app, &t, &project, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/load-balancers",
    tag = "load-balancers",
    operation_id = "load_balancer_create",
    summary = "Create a load balancer (202, PENDING_CREATE; ?wait=s blocks until it settles)",
    params(("project" = String, Path, description = "Project name or id"), WaitParams),
    request_body = LoadBalancerCreate,
    responses((status = 202, body = LoadBalancer), ErrorResponses),
    security(("bearer" = [])))]
pub async fn load_balancer_create(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiQuery(q): ApiQuery<WaitParams>,
    ApiJson(params): ApiJson<LoadBalancerCreate>,
) -> R<(StatusCode, Json<LoadBalancer>)> {
    let v = service::load_balancer_create(&app, &t, &project, params, q.wait).await?;
    Ok((StatusCode::ACCEPTED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}",
    tag = "load-balancers",
    operation_id = "load_balancer_view",
    summary = "View a load balancer",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id")),
    responses((status = 200, body = LoadBalancer), ErrorResponses),
    security(("bearer" = [])))]
pub async fn load_balancer_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
) -> R<axum::response::Response> {
    use crate::read_cache::{answer, Key, Kind};
    let key = Key {
        kind: Kind::LoadBalancer,
        tenant: t.id.0,
        project: project.as_str().into(),
        name: load_balancer.as_str().into(),
    };
    let read = service::load_balancer_view(&app, &t, &project, &load_balancer);
    Ok(answer(&app.read_cache, key, read).await?)
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}",
    tag = "load-balancers",
    operation_id = "load_balancer_update",
    summary = "Update a load balancer",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id")),
    request_body = LoadBalancerUpdate,
    responses((status = 202, body = LoadBalancer), ErrorResponses),
    security(("bearer" = [])))]
pub async fn load_balancer_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiJson(params): ApiJson<LoadBalancerUpdate>,
) -> R<(StatusCode, Json<LoadBalancer>)> {
    let v = service::load_balancer_update(&app, &t, &project, &load_balancer, params).await?;
    Ok((StatusCode::ACCEPTED, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}",
    tag = "load-balancers",
    operation_id = "load_balancer_delete",
    summary = "Delete a load balancer (202, PENDING_DELETE)",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id")),
    responses((status = 202, body = LoadBalancer), ErrorResponses),
    security(("bearer" = [])))]
pub async fn load_balancer_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
) -> R<(StatusCode, Json<LoadBalancer>)> {
    let v = service::load_balancer_delete(&app, &t, &project, &load_balancer).await?;
    Ok((StatusCode::ACCEPTED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners",
    tag = "listeners",
    operation_id = "listener_list",
    summary = "List listeners",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), PageParams),
    responses((status = 200, body = Page<Listener>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_list(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Listener>>)> {
    let v = service::listener_list(&app, &t, &project, &load_balancer, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners",
    tag = "listeners",
    operation_id = "listener_create",
    summary = "Create a listener",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id")),
    request_body = ListenerCreate,
    responses((status = 201, body = Listener), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_create(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiJson(params): ApiJson<ListenerCreate>,
) -> R<(StatusCode, Json<Listener>)> {
    let v = service::listener_create(&app, &t, &project, &load_balancer, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}",
    tag = "listeners",
    operation_id = "listener_view",
    summary = "View a listener",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id")),
    responses((status = 200, body = Listener), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener)): Path<(String, String, String)>,
) -> R<(StatusCode, Json<Listener>)> {
    let v = service::listener_view(&app, &t, &project, &load_balancer, &listener).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}",
    tag = "listeners",
    operation_id = "listener_update",
    summary = "Update a listener",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id")),
    request_body = ListenerUpdate,
    responses((status = 200, body = Listener), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener)): Path<(String, String, String)>,
    ApiJson(params): ApiJson<ListenerUpdate>,
) -> R<(StatusCode, Json<Listener>)> {
    let v = service::listener_update(&app, &t, &project, &load_balancer, &listener, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}",
    tag = "listeners",
    operation_id = "listener_delete",
    summary = "Delete a listener",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener)): Path<(String, String, String)>,
) -> R<StatusCode> {
    service::listener_delete(&app, &t, &project, &load_balancer, &listener).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools",
    tag = "pools",
    operation_id = "pool_list",
    summary = "List pools",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), PageParams),
    responses((status = 200, body = Page<Pool>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn pool_list(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Pool>>)> {
    let v = service::pool_list(&app, &t, &project, &load_balancer, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools",
    tag = "pools",
    operation_id = "pool_create",
    summary = "Create a pool",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id")),
    request_body = PoolCreate,
    responses((status = 201, body = Pool), ErrorResponses),
    security(("bearer" = [])))]
pub async fn pool_create(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiJson(params): ApiJson<PoolCreate>,
) -> R<(StatusCode, Json<Pool>)> {
    let v = service::pool_create(&app, &t, &project, &load_balancer, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}",
    tag = "pools",
    operation_id = "pool_view",
    summary = "View a pool",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id")),
    responses((status = 200, body = Pool), ErrorResponses),
    security(("bearer" = [])))]
pub async fn pool_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool)): Path<(String, String, String)>,
) -> R<(StatusCode, Json<Pool>)> {
    let v = service::pool_view(&app, &t, &project, &load_balancer, &pool).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}",
    tag = "pools",
    operation_id = "pool_update",
    summary = "Update a pool",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id")),
    request_body = PoolUpdate,
    responses((status = 200, body = Pool), ErrorResponses),
    security(("bearer" = [])))]
pub async fn pool_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool)): Path<(String, String, String)>,
    ApiJson(params): ApiJson<PoolUpdate>,
) -> R<(StatusCode, Json<Pool>)> {
    let v = service::pool_update(&app, &t, &project, &load_balancer, &pool, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}",
    tag = "pools",
    operation_id = "pool_delete",
    summary = "Delete a pool",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn pool_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool)): Path<(String, String, String)>,
) -> R<StatusCode> {
    service::pool_delete(&app, &t, &project, &load_balancer, &pool).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members",
    tag = "members",
    operation_id = "member_list",
    summary = "List members",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id"), PageParams),
    responses((status = 200, body = Page<Member>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn member_list(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Member>>)> {
    let v = service::member_list(&app, &t, &project, &load_balancer, &pool, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members",
    tag = "members",
    operation_id = "member_create",
    summary = "Add a member",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id")),
    request_body = MemberCreate,
    responses((status = 201, body = Member), ErrorResponses),
    security(("bearer" = [])))]
pub async fn member_create(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool)): Path<(String, String, String)>,
    ApiJson(params): ApiJson<MemberCreate>,
) -> R<(StatusCode, Json<Member>)> {
    let v = service::member_create(&app, &t, &project, &load_balancer, &pool, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members/{member}",
    tag = "members",
    operation_id = "member_view",
    summary = "View a member",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id"), ("member" = String, Path, description = "Member id")),
    responses((status = 200, body = Member), ErrorResponses),
    security(("bearer" = [])))]
pub async fn member_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool, member)): Path<(String, String, String, String)>,
) -> R<(StatusCode, Json<Member>)> {
    let v = service::member_view(&app, &t, &project, &load_balancer, &pool, &member).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(patch,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members/{member}",
    tag = "members",
    operation_id = "member_update",
    summary = "Update a member",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id"), ("member" = String, Path, description = "Member id")),
    request_body = MemberUpdate,
    responses((status = 200, body = Member), ErrorResponses),
    security(("bearer" = [])))]
pub async fn member_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool, member)): Path<(String, String, String, String)>,
    ApiJson(params): ApiJson<MemberUpdate>,
) -> R<(StatusCode, Json<Member>)> {
    let v =
        service::member_update(&app, &t, &project, &load_balancer, &pool, &member, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/pools/{pool}/members/{member}",
    tag = "members",
    operation_id = "member_delete",
    summary = "Remove a member",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("pool" = String, Path, description = "Pool name or id"), ("member" = String, Path, description = "Member id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn member_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, pool, member)): Path<(String, String, String, String)>,
) -> R<StatusCode> {
    service::member_delete(&app, &t, &project, &load_balancer, &pool, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/nodes",
    tag = "nodes",
    operation_id = "node_list",
    summary = "List the load balancer's VMs",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), PageParams),
    responses((status = 200, body = Page<Node>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn node_list(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Node>>)> {
    let v = service::node_list(&app, &t, &project, &load_balancer, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/nodes/{node}",
    tag = "nodes",
    operation_id = "node_view",
    summary = "View one VM",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("node" = String, Path, description = "Node id or name")),
    responses((status = 200, body = Node), ErrorResponses),
    security(("bearer" = [])))]
pub async fn node_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, node)): Path<(String, String, String)>,
) -> R<(StatusCode, Json<Node>)> {
    let v = service::node_view(&app, &t, &project, &load_balancer, &node).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/events",
    tag = "events",
    operation_id = "event_list",
    summary = "The monitor log",
    params(EventListParams),
    responses((status = 200, body = Page<Event>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn event_list(
    State(app): State<App>,
    t: Tenant,
    ApiQuery(q): ApiQuery<EventListParams>,
) -> R<(StatusCode, Json<Page<Event>>)> {
    let v = service::event_list(&app, &t, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/certificates",
    tag = "certificates",
    operation_id = "certificate_list",
    summary = "List certificates",
    params(("project" = String, Path, description = "Project name or id"), PageParams),
    responses((status = 200, body = Page<Certificate>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn certificate_list(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<Certificate>>)> {
    let v = service::certificate_list(&app, &t, &project, q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/certificates",
    tag = "certificates",
    operation_id = "certificate_create",
    summary = "Upload a certificate chain and its private key",
    description = "Validated on upload: the chain parses and is in issuing order, the leaf is \
        valid now and names DNS names, the key is the leaf's. The key is stored encrypted and is \
        never returned. An event `certificate.expiring` is recorded 30 days before `not_after`.",
    params(("project" = String, Path, description = "Project name or id")),
    request_body = CertificateCreate,
    responses((status = 201, body = Certificate), ErrorResponses),
    security(("bearer" = [])))]
pub async fn certificate_create(
    State(app): State<App>,
    t: Tenant,
    Path(project): Path<String>,
    ApiJson(params): ApiJson<CertificateCreate>,
) -> R<(StatusCode, Json<Certificate>)> {
    let v = service::certificate_create(&app, &t, &project, params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/certificates/{certificate}",
    tag = "certificates",
    operation_id = "certificate_view",
    summary = "View a certificate (never its key)",
    params(("project" = String, Path, description = "Project name or id"), ("certificate" = String, Path, description = "Certificate name or id")),
    responses((status = 200, body = Certificate), ErrorResponses),
    security(("bearer" = [])))]
pub async fn certificate_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, certificate)): Path<(String, String)>,
) -> R<(StatusCode, Json<Certificate>)> {
    let v = service::certificate_view(&app, &t, &project, &certificate).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(put,
    path = "/v1/projects/{project}/certificates/{certificate}",
    tag = "certificates",
    operation_id = "certificate_update",
    summary = "Renew a certificate: a new chain and key under the same name",
    description = "Listeners serving it switch over without dropping open connections.",
    params(("project" = String, Path, description = "Project name or id"), ("certificate" = String, Path, description = "Certificate name or id")),
    request_body = CertificateUpdate,
    responses((status = 200, body = Certificate), ErrorResponses),
    security(("bearer" = [])))]
pub async fn certificate_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, certificate)): Path<(String, String)>,
    ApiJson(params): ApiJson<CertificateUpdate>,
) -> R<(StatusCode, Json<Certificate>)> {
    let v = service::certificate_update(&app, &t, &project, &certificate, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/certificates/{certificate}",
    tag = "certificates",
    operation_id = "certificate_delete",
    summary = "Delete a certificate (409 in_use while a listener serves it)",
    params(("project" = String, Path, description = "Project name or id"), ("certificate" = String, Path, description = "Certificate name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn certificate_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, certificate)): Path<(String, String)>,
) -> R<StatusCode> {
    service::certificate_delete(&app, &t, &project, &certificate).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}/policies",
    tag = "listeners",
    operation_id = "l7policy_list",
    summary = "List a listener's L7 policies",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id"), PageParams),
    responses((status = 200, body = Page<L7Policy>), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_policy_list(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> R<(StatusCode, Json<Page<L7Policy>>)> {
    let v = service::l7policy_list(&app, &t, (&project, &load_balancer, &listener), q).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(post,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}/policies",
    tag = "listeners",
    operation_id = "l7policy_create",
    summary = "Create an L7 policy: route, redirect or reject requests by host, path, header or cookie",
    description = "Policies are tried by `position` (then age); the first whose rules all match \
        acts; no match goes to the listener's default pool. A redirect the same policy would \
        redirect again is refused (`redirect_loop`).",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id")),
    request_body = L7PolicyCreate,
    responses((status = 201, body = L7Policy), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_policy_create(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener)): Path<(String, String, String)>,
    ApiJson(params): ApiJson<L7PolicyCreate>,
) -> R<(StatusCode, Json<L7Policy>)> {
    let v =
        service::l7policy_create(&app, &t, (&project, &load_balancer, &listener), params).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}/policies/{policy}",
    tag = "listeners",
    operation_id = "l7policy_view",
    summary = "View an L7 policy",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id"), ("policy" = String, Path, description = "Policy name or id")),
    responses((status = 200, body = L7Policy), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_policy_view(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener, policy)): Path<(String, String, String, String)>,
) -> R<(StatusCode, Json<L7Policy>)> {
    let v =
        service::l7policy_view(&app, &t, (&project, &load_balancer, &listener), &policy).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(put,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}/policies/{policy}",
    tag = "listeners",
    operation_id = "l7policy_update",
    summary = "Replace an L7 policy's action and rules",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id"), ("policy" = String, Path, description = "Policy name or id")),
    request_body = L7PolicyUpdate,
    responses((status = 200, body = L7Policy), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_policy_update(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener, policy)): Path<(String, String, String, String)>,
    ApiJson(params): ApiJson<L7PolicyUpdate>,
) -> R<(StatusCode, Json<L7Policy>)> {
    let keys = (project.as_str(), load_balancer.as_str(), listener.as_str());
    let v = service::l7policy_update(&app, &t, keys, &policy, params).await?;
    Ok((StatusCode::OK, Json(v)))
}

#[utoipa::path(delete,
    path = "/v1/projects/{project}/load-balancers/{load_balancer}/listeners/{listener}/policies/{policy}",
    tag = "listeners",
    operation_id = "l7policy_delete",
    summary = "Delete an L7 policy",
    params(("project" = String, Path, description = "Project name or id"), ("load_balancer" = String, Path, description = "Load balancer name or id"), ("listener" = String, Path, description = "Listener name or id"), ("policy" = String, Path, description = "Policy name or id")),
    responses((status = 204, description = "done"), ErrorResponses),
    security(("bearer" = [])))]
pub async fn listener_policy_delete(
    State(app): State<App>,
    t: Tenant,
    Path((project, load_balancer, listener, policy)): Path<(String, String, String, String)>,
) -> R<StatusCode> {
    service::l7policy_delete(&app, &t, (&project, &load_balancer, &listener), &policy).await?;
    Ok(StatusCode::NO_CONTENT)
}
