//! The API's operations, shared by both front doors (REST handlers and the JSON envelope):
//! validate, open a transaction, call `lbaas_db`, return views. Nothing here knows HTTP, and
//! nothing outside `lbaas_db` holds SQL.
//!
//! Every function that touches tenant data takes the `Tenant` first and scopes every lookup by
//! it, which is what makes another tenant's resource a plain 404.

use lbaas_common::ErrorCode;
use std::time::Duration;

use lbaas_common::types::*;
use lbaas_common::{validate, Error, Result};
use lbaas_db::load_balancer::{LoadBalancerChange, LoadBalancerInsert, LoadBalancerRow};
use lbaas_db::page::PageReq;
use lbaas_db::project::ProjectRow;
use lbaas_db::{
    certificate as certq, event, l7policy, listener, load_balancer as lbq, member, node, pool,
    project, subnet, tenant as tq, token,
};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::auth::Tenant;
use crate::App;

async fn begin(app: &App) -> Result<Transaction<'static, Postgres>> {
    app.db.begin().await.map_err(|e| Error::internal("begin transaction", e))
}

async fn commit(tx: Transaction<'static, Postgres>) -> Result<()> {
    tx.commit().await.map_err(|e| Error::internal("commit transaction", e))
}

fn page(p: &PageParams) -> Result<PageReq> {
    PageReq::parse(p.limit, p.cursor.as_deref())
}

// ---- tenants (admin) ----------------------------------------------------------------------

fn validate_quotas(q: &QuotasUpdate) -> Result<()> {
    for (what, v) in
        [("projects", q.projects), ("load_balancers", q.load_balancers), ("nodes", q.nodes)]
    {
        if let Some(v) = v {
            validate::quota(what, v)?;
        }
    }
    Ok(())
}

pub async fn tenant_create(app: &App, params: TenantCreate) -> Result<TenantCreated> {
    validate::name("tenant", &params.name)?;
    let quotas = params.quotas.unwrap_or_default();
    validate_quotas(&quotas)?;
    let mut tx = begin(app).await?;
    let row = tq::tenant_create(&mut *tx, &params.name, &quotas).await?;
    let tenant = TenantId(row.id);
    let (_, secret) = token::token_create(&mut *tx, tenant, "initial").await?;
    event::event_insert(&mut *tx, Some(tenant), None, None, "tenant.created", &params.name).await?;
    commit(tx).await?;
    Ok(TenantCreated { tenant: row.into(), token: secret })
}

pub async fn tenant_list(app: &App, p: PageParams) -> Result<Page<lbaas_common::types::Tenant>> {
    let req = page(&p)?;
    let rows = tq::tenant_list(&app.db, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn failover_breaker_view(app: &App) -> Result<FailoverBreaker> {
    Ok(lbaas_db::breaker::breaker_view(&app.db).await?.into())
}

/// The operator's word (ARCHITECTURE §10): the nodes DOWN now are replaced even though many
/// went down together; nodes that go DOWN later are judged again.
pub async fn failover_breaker_resume(app: &App) -> Result<FailoverBreaker> {
    let mut tx = begin(app).await?;
    let row = lbaas_db::breaker::breaker_resume(&mut *tx).await?;
    let msg = format!(
        "an operator resumed failovers ({} of {} nodes DOWN at the breaker's last change)",
        row.down, row.nodes
    );
    event::event_insert(&mut *tx, None, None, None, "failover.resume_requested", &msg).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn hypervisor_list(
    app: &App,
    p: PageParams,
) -> Result<Page<lbaas_common::types::Hypervisor>> {
    let req = page(&p)?;
    let rows = lbaas_db::hypervisor::hypervisor_list(&app.db, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn hypervisor_view(app: &App, key: &str) -> Result<lbaas_common::types::Hypervisor> {
    Ok(lbaas_db::hypervisor::hypervisor_view(&app.db, key).await?.into())
}

/// A new compute host. Nothing runs there until a controller is started for it
/// (`lbaas-controller --hypervisor NAME`): until that controller lists its domains, the
/// hypervisor shows `reachable: false` and placement passes it by.
pub async fn hypervisor_create(
    app: &App,
    p: HypervisorCreate,
) -> Result<lbaas_common::types::Hypervisor> {
    validate::name("hypervisor", &p.name)?;
    validate::libvirt_uri(&p.uri)?;
    let capacity = p.capacity_nodes.unwrap_or(32);
    validate::capacity_nodes(capacity)?;
    let state = p.state.unwrap_or(HypervisorState::Enabled);
    let mut tx = begin(app).await?;
    lbaas_db::hypervisor::hypervisor_create(&mut *tx, &p.name, &p.uri, capacity, state).await?;
    let msg = format!("hypervisor {} ({}) added, {capacity} nodes, {state}", p.name, p.uri);
    event::event_insert(&mut *tx, None, None, None, "hypervisor.created", &msg).await?;
    let row = lbaas_db::hypervisor::hypervisor_view(&mut *tx, &p.name).await?;
    commit(tx).await?;
    Ok(row.into())
}

/// A state change takes effect at the controllers' next pass (the row's NOTIFY wakes them):
/// DRAINING moves the hypervisor's nodes elsewhere, each retired once its replacement serves.
pub async fn hypervisor_update(
    app: &App,
    key: &str,
    p: HypervisorUpdate,
) -> Result<lbaas_common::types::Hypervisor> {
    if let Some(uri) = &p.uri {
        validate::libvirt_uri(uri)?;
    }
    if let Some(c) = p.capacity_nodes {
        validate::capacity_nodes(c)?;
    }
    let mut tx = begin(app).await?;
    let before = lbaas_db::hypervisor::hypervisor_view(&mut *tx, key).await?;
    lbaas_db::hypervisor::hypervisor_update(
        &mut *tx,
        before.id,
        p.uri.as_deref(),
        p.capacity_nodes,
        p.state,
    )
    .await?;
    let after = lbaas_db::hypervisor::hypervisor_view(&mut *tx, key).await?;
    if after.state != before.state {
        let msg = format!("hypervisor {}: {} → {}", after.name, before.state, after.state);
        event::event_insert(&mut *tx, None, None, None, "hypervisor.state", &msg).await?;
    }
    commit(tx).await?;
    Ok(after.into())
}

pub async fn hypervisor_delete(app: &App, key: &str) -> Result<()> {
    let mut tx = begin(app).await?;
    let row = lbaas_db::hypervisor::hypervisor_view(&mut *tx, key).await?;
    lbaas_db::hypervisor::hypervisor_delete(&mut tx, row.id, &row.name).await?;
    let msg = format!("hypervisor {} removed", row.name);
    event::event_insert(&mut *tx, None, None, None, "hypervisor.deleted", &msg).await?;
    commit(tx).await
}

pub async fn fleet_node_list(
    app: &App,
    p: PageParams,
) -> Result<Page<lbaas_common::types::FleetNode>> {
    let req = page(&p)?;
    let rows = lbaas_db::hypervisor::node_list_fleet(&app.db, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn tenant_view(app: &App, key: &str) -> Result<lbaas_common::types::Tenant> {
    Ok(tq::tenant_view(&app.db, key).await?.into())
}

pub async fn tenant_update(
    app: &App,
    key: &str,
    params: TenantUpdate,
) -> Result<lbaas_common::types::Tenant> {
    let quotas = params.quotas.unwrap_or_default();
    validate_quotas(&quotas)?;
    let row = tq::tenant_view(&app.db, key).await?;
    Ok(tq::tenant_update(&app.db, TenantId(row.id), params.generation, &quotas).await?.into())
}

pub async fn tenant_delete(app: &App, key: &str) -> Result<()> {
    let row = tq::tenant_view(&app.db, key).await?;
    tq::tenant_delete(&app.db, TenantId(row.id)).await?;
    app.auth_cache.clear();
    Ok(())
}

// ---- tokens -------------------------------------------------------------------------------

pub async fn token_create(app: &App, t: &Tenant, params: TokenCreate) -> Result<TokenCreated> {
    validate::name("token", &params.name)?;
    let (row, secret) = token::token_create(&app.db, t.id, &params.name).await?;
    Ok(TokenCreated { token: row.into(), secret })
}

pub async fn token_list(app: &App, t: &Tenant, p: PageParams) -> Result<Page<Token>> {
    let req = page(&p)?;
    let rows = token::token_list(&app.db, t.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn token_delete(app: &App, t: &Tenant, id: &str) -> Result<()> {
    token::token_delete(&app.db, t.id, id).await?;
    app.auth_cache.clear();
    Ok(())
}

// ---- projects -----------------------------------------------------------------------------

pub async fn project_create(app: &App, t: &Tenant, params: ProjectCreate) -> Result<Project> {
    validate::name("project", &params.name)?;
    let display = params.display_name.unwrap_or_else(|| params.name.clone());
    validate::display_name(&display)?;
    let description = params.description.unwrap_or_default();
    validate::description(&description)?;
    let mut tx = begin(app).await?;
    let tenant = tq::tenant_lock(&mut *tx, t.id).await?;
    let quota = tenant.quota_projects;
    let row =
        project::project_create(&mut tx, t.id, quota, &params.name, &display, &description).await?;
    event::event_insert(&mut *tx, Some(t.id), None, None, "project.created", &params.name).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn project_list(app: &App, t: &Tenant, p: PageParams) -> Result<Page<Project>> {
    let req = page(&p)?;
    let rows = project::project_list(&app.db, t.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn project_view(app: &App, t: &Tenant, key: &str) -> Result<Project> {
    Ok(project::project_view(&app.db, t.id, key).await?.into())
}

pub async fn project_update(
    app: &App,
    t: &Tenant,
    key: &str,
    params: ProjectUpdate,
) -> Result<Project> {
    if let Some(d) = &params.description {
        validate::description(d)?;
    }
    let row = project::project_view(&app.db, t.id, key).await?;
    let row = project::project_update(
        &app.db,
        t.id,
        ProjectId(row.id),
        params.generation,
        params.description.as_deref(),
    )
    .await?;
    Ok(row.into())
}

pub async fn project_delete(app: &App, t: &Tenant, key: &str) -> Result<()> {
    let mut tx = begin(app).await?;
    let row = project::project_view(&mut *tx, t.id, key).await?;
    project::project_delete(&mut tx, t.id, ProjectId(row.id), &row.name).await?;
    event::event_insert(&mut *tx, Some(t.id), None, None, "project.deleted", &row.name).await?;
    commit(tx).await
}

// ---- subnets ------------------------------------------------------------------------------

async fn subnet_insert(
    tx: &mut PgConnection,
    t: &Tenant,
    project: &ProjectRow,
    params: &SubnetCreate,
) -> Result<lbaas_db::subnet::SubnetRow> {
    validate::name("subnet", &params.name)?;
    let net = validate::cidr(&params.cidr)?;
    let gw = validate::gateway(&net, params.gateway.as_deref())?;
    subnet::subnet_create(&mut *tx, t.id, ProjectId(project.id), &params.name, &net, gw).await
}

pub async fn subnet_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    params: SubnetCreate,
) -> Result<Subnet> {
    let mut tx = begin(app).await?;
    let p = project::project_view(&mut *tx, t.id, project_key).await?;
    let row = subnet_insert(&mut tx, t, &p, &params).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn subnet_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    p: PageParams,
) -> Result<Page<Subnet>> {
    let req = page(&p)?;
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let rows = subnet::subnet_list(&app.db, t.id, ProjectId(pr.id), req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn subnet_view(app: &App, t: &Tenant, project_key: &str, key: &str) -> Result<Subnet> {
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    Ok(subnet::subnet_view(&app.db, t.id, ProjectId(pr.id), key).await?.into())
}

pub async fn subnet_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
    params: SubnetUpdate,
) -> Result<Subnet> {
    if let Some(n) = &params.name {
        validate::name("subnet", n)?;
    }
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let row = subnet::subnet_view(&app.db, t.id, ProjectId(pr.id), key).await?;
    let row = subnet::subnet_update(
        &app.db,
        t.id,
        SubnetId(row.id),
        params.generation,
        params.name.as_deref(),
    )
    .await?;
    Ok(row.into())
}

pub async fn subnet_delete(app: &App, t: &Tenant, project_key: &str, key: &str) -> Result<()> {
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let row = subnet::subnet_view(&app.db, t.id, ProjectId(pr.id), key).await?;
    subnet::subnet_delete(&app.db, t.id, SubnetId(row.id), &row.name).await
}

// ---- load balancers -----------------------------------------------------------------------

async fn lb_insert(
    tx: &mut PgConnection,
    t: &Tenant,
    project: &ProjectRow,
    subnet_id: SubnetId,
    params: &LoadBalancerCreate,
) -> Result<Uuid> {
    validate::name("load balancer", &params.name)?;
    let description = params.description.clone().unwrap_or_default();
    validate::description(&description)?;
    let min = params.min_nodes.unwrap_or(1);
    let max = params.max_nodes.unwrap_or(if params.auto_scaling.unwrap_or(false) {
        min.max(4)
    } else {
        min
    });
    validate::node_counts(min, max)?;
    let tenant = tq::tenant_lock(&mut *tx, t.id).await?;
    let id = lbq::load_balancer_create(
        &mut *tx,
        tenant.quota_load_balancers,
        tenant.quota_nodes,
        LoadBalancerInsert {
            tenant: t.id,
            project: ProjectId(project.id),
            subnet: subnet_id,
            name: &params.name,
            description: &description,
            auto_scaling: params.auto_scaling.unwrap_or(false),
            min_nodes: min,
            max_nodes: max,
        },
    )
    .await?;
    event::event_insert(
        &mut *tx,
        Some(t.id),
        Some(id),
        None,
        "load_balancer.create_requested",
        &format!("{}/{}", project.name, params.name),
    )
    .await?;
    Ok(id)
}

fn lb_view(app: &App, row: LoadBalancerRow) -> LoadBalancer {
    row.into_view(&app.zone)
}

/// `?wait=`: block until the controller moves the load balancer out of PENDING_CREATE /
/// PENDING_UPDATE, or the time is up; either way the current state is returned, never a guess.
async fn lb_wait(
    app: &App,
    t: &Tenant,
    project: ProjectId,
    id: Uuid,
    wait: Option<u32>,
) -> Result<LoadBalancerRow> {
    let wait = wait.unwrap_or(0);
    if wait > 600 {
        return Err(Error::invalid(
            ErrorCode::InvalidWait,
            format!("wait={wait} is above 600 seconds"),
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.into());
    loop {
        let row = lbq::load_balancer_view(&app.db, t.id, project, &id.to_string()).await?;
        let settled = !matches!(
            row.provisioning_status(),
            ProvisioningStatus::PendingCreate | ProvisioningStatus::PendingUpdate
        );
        if settled || tokio::time::Instant::now() >= deadline {
            return Ok(row);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn load_balancer_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    params: LoadBalancerCreate,
    wait: Option<u32>,
) -> Result<LoadBalancer> {
    let mut tx = begin(app).await?;
    let pr = project::project_view(&mut *tx, t.id, project_key).await?;
    let sn = subnet::subnet_view(&mut *tx, t.id, ProjectId(pr.id), &params.subnet).await?;
    let id = lb_insert(&mut tx, t, &pr, SubnetId(sn.id), &params).await?;
    commit(tx).await?;
    Ok(lb_view(app, lb_wait(app, t, ProjectId(pr.id), id, wait).await?))
}

pub async fn load_balancer_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    p: PageParams,
) -> Result<Page<LoadBalancer>> {
    let req = page(&p)?;
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let rows = lbq::load_balancer_list(&app.db, t.id, ProjectId(pr.id), req).await?;
    Ok(req.finish(rows, |r| r.id, |r| lb_view(app, r)))
}

async fn lb_row(app: &App, t: &Tenant, project_key: &str, key: &str) -> Result<LoadBalancerRow> {
    let mut c = app.reads.lease().await?;
    let r = lbq::load_balancer_view_in_project(&mut *c, t.id, project_key, key).await;
    match c.finish(r) {
        Err(Error::NotFound { .. }) => Err(lb_missing(app, t, project_key, key).await),
        r => r,
    }
}

/// A project-and-load-balancer lookup found nothing: say which part was missing.
async fn lb_missing(app: &App, t: &Tenant, project_key: &str, key: &str) -> Error {
    match project::project_view(&app.db, t.id, project_key).await {
        Ok(_) => Error::not_found("load balancer", key),
        Err(e) => e,
    }
}

pub async fn load_balancer_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
) -> Result<LoadBalancer> {
    Ok(lb_view(app, lb_row(app, t, project_key, key).await?))
}

pub async fn load_balancer_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
    params: LoadBalancerUpdate,
) -> Result<LoadBalancer> {
    let row = lb_row(app, t, project_key, key).await?;
    if let Some(d) = &params.description {
        validate::description(d)?;
    }
    validate::node_counts(
        params.min_nodes.unwrap_or(row.min_nodes),
        params.max_nodes.unwrap_or(row.max_nodes),
    )?;
    if row.provisioning_status() == ProvisioningStatus::PendingDelete {
        return Err(Error::conflict(ErrorCode::Immutable, "the load balancer is being deleted"));
    }
    lbq::load_balancer_update(
        &app.db,
        t.id,
        row.id,
        LoadBalancerChange {
            generation: params.generation,
            description: params.description.as_deref(),
            auto_scaling: params.auto_scaling,
            min_nodes: params.min_nodes,
            max_nodes: params.max_nodes,
        },
    )
    .await?;
    load_balancer_view(app, t, project_key, &row.id.to_string()).await
}

/// Marks the load balancer PENDING_DELETE; the controller tears down its nodes, DNS name and
/// VIPs and then removes the rows. Returns the marked resource.
pub async fn load_balancer_delete(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
) -> Result<LoadBalancer> {
    let row = lb_row(app, t, project_key, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_mark_deleted(&mut *tx, t.id, row.id).await?;
    event::event_insert(
        &mut *tx,
        Some(t.id),
        Some(row.id),
        None,
        "load_balancer.delete_requested",
        &row.name,
    )
    .await?;
    commit(tx).await?;
    load_balancer_view(app, t, project_key, &row.id.to_string()).await
}

// ---- listeners ----------------------------------------------------------------------------

pub async fn listener_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    params: ListenerCreate,
) -> Result<Listener> {
    validate::name("listener", &params.name)?;
    validate::port("listener port", params.port)?;
    validate::listener_cache(params.protocol, params.cache)?;
    validate::listener_tls(params.protocol, &params.certificates, params.redirect_https_port)?;
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let row = listener::listener_create(
        &mut *tx,
        t.id,
        lb.id,
        listener::ListenerInsert {
            name: &params.name,
            protocol: params.protocol,
            port: params.port,
            default_pool: params.default_pool_id.map(|p| p.0),
            cache: params.cache,
            redirect_https_port: params.redirect_https_port,
        },
    )
    .await?;
    let row = if params.certificates.is_empty() {
        row
    } else {
        let certs =
            certq::certificate_resolve(&mut *tx, lb.project_id, &params.certificates).await?;
        certq::listener_certificates_set(&mut tx, row.id, &certs).await?;
        listener::listener_view(&mut *tx, lb.id, &row.id.to_string()).await?
    };
    commit(tx).await?;
    Ok(row.into())
}

pub async fn listener_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    p: PageParams,
) -> Result<Page<Listener>> {
    let req = page(&p)?;
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let rows = listener::listener_list(&app.db, lb.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn listener_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
) -> Result<Listener> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    Ok(listener::listener_view(&app.db, lb.id, key).await?.into())
}

pub async fn listener_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
    params: ListenerUpdate,
) -> Result<Listener> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let row = listener::listener_view(&app.db, lb.id, key).await?;
    let protocol = row.protocol.parse().unwrap_or(Protocol::Http);
    if let Some(cache) = params.cache {
        validate::listener_cache(protocol, cache)?;
    }
    if let Some(certs) = &params.certificates {
        validate::listener_tls(protocol, certs, None)?;
    }
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let row = listener::listener_update(
        &mut *tx,
        lb.id,
        row.id,
        params.generation,
        params.default_pool_id.map(|p| p.0),
        params.cache,
    )
    .await?;
    let row = match &params.certificates {
        None => row,
        Some(keys) => {
            let certs = certq::certificate_resolve(&mut *tx, lb.project_id, keys).await?;
            certq::listener_certificates_set(&mut tx, row.id, &certs).await?;
            listener::listener_view(&mut *tx, lb.id, &row.id.to_string()).await?
        }
    };
    commit(tx).await?;
    Ok(row.into())
}

pub async fn listener_delete(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
) -> Result<()> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let row = listener::listener_view(&app.db, lb.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    listener::listener_delete(&mut *tx, lb.id, row.id).await?;
    commit(tx).await
}

// ---- certificates -------------------------------------------------------------------------

fn cert_error(e: lbaas_certs::CertError) -> Error {
    use lbaas_certs::CertError as C;
    let code = match &e {
        C::NoCertificate | C::BadCertificate(_) | C::ChainOrder(_) => ErrorCode::CertificateInvalid,
        C::NoNames => ErrorCode::CertificateWithoutNames,
        C::BadKey(_) => ErrorCode::PrivateKeyInvalid,
        C::KeyMismatch => ErrorCode::PrivateKeyMismatch,
        C::Expired(_) => ErrorCode::CertificateExpired,
        C::NotYetValid(_) => ErrorCode::CertificateNotYetValid,
        C::TooLarge { .. } => ErrorCode::CertificateTooLarge,
    };
    Error::invalid(code, e.to_string())
}

/// Validates an upload and seals its key for the row `id`.
fn seal_upload(
    app: &App,
    id: Uuid,
    chain: &str,
    key: &str,
) -> Result<(lbaas_certs::Validated, Vec<u8>)> {
    let secrets = app.secrets.as_ref().ok_or_else(|| Error::Unavailable {
        message: "certificate storage is not configured: the operator must start lbaas-api \
                  with --secret-key-file (`make run` makes one)"
            .into(),
    })?;
    let v = lbaas_certs::validate(chain, key, chrono::Utc::now()).map_err(cert_error)?;
    let sealed = secrets.seal(id.as_bytes(), v.key_pem.as_bytes());
    Ok((v, sealed))
}

fn cert_write<'a>(
    id: Uuid,
    v: &'a lbaas_certs::Validated,
    sealed: &'a [u8],
) -> certq::CertificateWrite<'a> {
    certq::CertificateWrite {
        id,
        chain_pem: &v.chain_pem,
        key_sealed: sealed,
        names: &v.names,
        subject: &v.subject,
        issuer: &v.issuer,
        not_before: v.not_before,
        not_after: v.not_after,
        fingerprint_sha256: &v.fingerprint_sha256,
    }
}

pub async fn certificate_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    params: CertificateCreate,
) -> Result<Certificate> {
    validate::name("certificate", &params.name)?;
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let id = Uuid::new_v4();
    let (v, sealed) = seal_upload(app, id, &params.certificate_chain, &params.private_key)?;
    let mut tx = begin(app).await?;
    let row = certq::certificate_create(
        &mut *tx,
        t.id,
        pr.id,
        &params.name,
        &cert_write(id, &v, &sealed),
    )
    .await?;
    let msg = format!("{} ({}), expires {}", params.name, v.names.join(", "), v.not_after);
    event::event_insert(&mut *tx, Some(t.id), None, None, "certificate.created", &msg).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn certificate_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    p: PageParams,
) -> Result<Page<Certificate>> {
    let req = page(&p)?;
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let rows = certq::certificate_list(&app.db, pr.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn certificate_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
) -> Result<Certificate> {
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    Ok(certq::certificate_view(&app.db, pr.id, key).await?.into())
}

/// A renewal: every load balancer serving it gets a new config, its agents swap the
/// certificate for new connections without dropping open ones.
pub async fn certificate_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    key: &str,
    params: CertificateUpdate,
) -> Result<Certificate> {
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let row = certq::certificate_view(&app.db, pr.id, key).await?;
    let (v, sealed) = seal_upload(app, row.id, &params.certificate_chain, &params.private_key)?;
    let mut tx = begin(app).await?;
    let row =
        certq::certificate_replace(&mut *tx, params.generation, &cert_write(row.id, &v, &sealed))
            .await?;
    for lb in certq::certificate_load_balancers(&mut *tx, row.id).await? {
        lbq::load_balancer_touch(&mut *tx, lb).await?;
    }
    let msg = format!("{} ({}), expires {}", row.name, v.names.join(", "), v.not_after);
    event::event_insert(&mut *tx, Some(t.id), None, None, "certificate.renewed", &msg).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn certificate_delete(app: &App, t: &Tenant, project_key: &str, key: &str) -> Result<()> {
    let pr = project::project_view(&app.db, t.id, project_key).await?;
    let row = certq::certificate_view(&app.db, pr.id, key).await?;
    let mut tx = begin(app).await?;
    certq::certificate_delete(&mut *tx, &row).await?;
    event::event_insert(&mut *tx, Some(t.id), None, None, "certificate.deleted", &row.name).await?;
    commit(tx).await
}

// ---- L7 policies --------------------------------------------------------------------------

/// The listener a policy lives on, with its load balancer.
async fn policy_listener(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    listener_key: &str,
) -> Result<(LoadBalancerRow, listener::ListenerRow)> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let l = listener::listener_view(&app.db, lb.id, listener_key).await?;
    Ok((lb, l))
}

/// Validates a policy for listener `l` and resolves its pool: `(code, pool)`.
async fn policy_check(
    app: &App,
    lb: &LoadBalancerRow,
    l: &listener::ListenerRow,
    p: &L7PolicyUpdate,
) -> Result<(Option<i32>, Option<Uuid>)> {
    let protocol = l.protocol.parse().unwrap_or(Protocol::Http);
    let code = validate::l7_policy(p, protocol, l.port)?;
    let pool = match &p.redirect_pool {
        None => None,
        Some(key) => {
            let pl = pool::pool_view(&app.db, lb.id, key).await?;
            if pl.protocol != Protocol::Http.as_str() {
                return Err(Error::invalid(
                    ErrorCode::InvalidL7Policy,
                    format!(
                        "pool {key:?} is {}; an L7 policy forwards HTTP requests to HTTP pools",
                        pl.protocol
                    ),
                ));
            }
            Some(pl.id)
        }
    };
    Ok((code, pool))
}

fn policy_write<'a>(
    p: &'a L7PolicyUpdate,
    position: i32,
    (code, pool): (Option<i32>, Option<Uuid>),
) -> l7policy::L7PolicyWrite<'a> {
    l7policy::L7PolicyWrite {
        position,
        action: p.action,
        redirect_pool: pool,
        redirect_url: p.redirect_url.as_deref(),
        redirect_prefix: p.redirect_prefix.as_deref(),
        redirect_http_code: code,
        rules: &p.rules,
    }
}

pub async fn l7policy_create(
    app: &App,
    t: &Tenant,
    (project_key, lb_key, listener_key): (&str, &str, &str),
    params: L7PolicyCreate,
) -> Result<L7Policy> {
    validate::name("l7 policy", &params.name)?;
    let (lb, l) = policy_listener(app, t, project_key, lb_key, listener_key).await?;
    let p = L7PolicyUpdate {
        generation: None,
        position: params.position,
        action: params.action,
        redirect_pool: params.redirect_pool,
        redirect_url: params.redirect_url,
        redirect_prefix: params.redirect_prefix,
        redirect_http_code: params.redirect_http_code,
        rules: params.rules,
    };
    let checked = policy_check(app, &lb, &l, &p).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let w = policy_write(&p, p.position.unwrap_or(1000), checked);
    let row = l7policy::l7policy_create(&mut *tx, t.id, lb.id, l.id, &params.name, &w).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn l7policy_list(
    app: &App,
    t: &Tenant,
    (project_key, lb_key, listener_key): (&str, &str, &str),
    p: PageParams,
) -> Result<Page<L7Policy>> {
    let req = page(&p)?;
    let (_, l) = policy_listener(app, t, project_key, lb_key, listener_key).await?;
    let rows = l7policy::l7policy_list(&app.db, l.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn l7policy_view(
    app: &App,
    t: &Tenant,
    (project_key, lb_key, listener_key): (&str, &str, &str),
    key: &str,
) -> Result<L7Policy> {
    let (_, l) = policy_listener(app, t, project_key, lb_key, listener_key).await?;
    Ok(l7policy::l7policy_view(&app.db, l.id, key).await?.into())
}

pub async fn l7policy_update(
    app: &App,
    t: &Tenant,
    (project_key, lb_key, listener_key): (&str, &str, &str),
    key: &str,
    params: L7PolicyUpdate,
) -> Result<L7Policy> {
    let (lb, l) = policy_listener(app, t, project_key, lb_key, listener_key).await?;
    let row = l7policy::l7policy_view(&app.db, l.id, key).await?;
    let checked = policy_check(app, &lb, &l, &params).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let w = policy_write(&params, params.position.unwrap_or(row.position), checked);
    let row = l7policy::l7policy_update(&mut *tx, lb.id, row.id, params.generation, &w).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn l7policy_delete(
    app: &App,
    t: &Tenant,
    (project_key, lb_key, listener_key): (&str, &str, &str),
    key: &str,
) -> Result<()> {
    let (lb, l) = policy_listener(app, t, project_key, lb_key, listener_key).await?;
    let row = l7policy::l7policy_view(&app.db, l.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    l7policy::l7policy_delete(&mut *tx, row.id).await?;
    commit(tx).await
}

// ---- pools --------------------------------------------------------------------------------

pub async fn pool_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    params: PoolCreate,
) -> Result<Pool> {
    validate::name("pool", &params.name)?;
    validate::pool_protocol(params.protocol)?;
    if let Some(hm) = &params.health_monitor {
        validate::health_monitor(hm)?;
    }
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let row = pool::pool_create(
        &mut *tx,
        t.id,
        lb.id,
        &params.name,
        params.protocol,
        params.algorithm.unwrap_or(Algorithm::RoundRobin),
        params.health_monitor.as_ref(),
    )
    .await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn pool_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    p: PageParams,
) -> Result<Page<Pool>> {
    let req = page(&p)?;
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let rows = pool::pool_list(&app.db, lb.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn pool_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
) -> Result<Pool> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    Ok(pool::pool_view(&app.db, lb.id, key).await?.into())
}

pub async fn pool_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
    params: PoolUpdate,
) -> Result<Pool> {
    if let Some(hm) = &params.health_monitor {
        validate::health_monitor(hm)?;
    }
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let row = pool::pool_view(&app.db, lb.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let hm = params.health_monitor.as_ref().map(Some);
    let row =
        pool::pool_update(&mut *tx, lb.id, row.id, params.generation, params.algorithm, hm).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn pool_delete(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
) -> Result<()> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let row = pool::pool_view(&app.db, lb.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    pool::pool_delete(&mut *tx, lb.id, row.id).await?;
    commit(tx).await
}

// ---- members ------------------------------------------------------------------------------

async fn member_insert(
    tx: &mut PgConnection,
    t: &Tenant,
    net: &ipnet::IpNet,
    pool_id: Uuid,
    params: &MemberCreate,
) -> Result<lbaas_db::member::MemberRow> {
    let addr = validate::member_address(net, &params.address)?;
    validate::port("member port", params.port)?;
    let weight = params.weight.unwrap_or(1);
    validate::weight(weight)?;
    let path = params.path.clone().unwrap_or_else(|| "/".into());
    validate::http_path("member path", &path)?;
    member::member_create(&mut *tx, t.id, pool_id, addr, params.port, weight, &path).await
}

async fn pool_ctx(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
) -> Result<(LoadBalancerRow, lbaas_db::pool::PoolRow)> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let p = pool::pool_view(&app.db, lb.id, pool_key).await?;
    Ok((lb, p))
}

pub async fn member_create(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
    params: MemberCreate,
) -> Result<Member> {
    let (lb, p) = pool_ctx(app, t, project_key, lb_key, pool_key).await?;
    let sn = subnet::subnet_view_by_id(&app.db, lb.subnet_id).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let row = member_insert(&mut tx, t, &sn.net(), p.id, &params).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn member_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
    pp: PageParams,
) -> Result<Page<Member>> {
    let req = page(&pp)?;
    let (_, p) = pool_ctx(app, t, project_key, lb_key, pool_key).await?;
    let rows = member::member_list_by_pool(&app.db, p.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn member_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
    key: &str,
) -> Result<Member> {
    let (_, p) = pool_ctx(app, t, project_key, lb_key, pool_key).await?;
    Ok(member::member_view(&app.db, p.id, key).await?.into())
}

#[allow(clippy::too_many_arguments)]
pub async fn member_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
    key: &str,
    params: MemberUpdate,
) -> Result<Member> {
    if let Some(w) = params.weight {
        validate::weight(w)?;
    }
    let (lb, p) = pool_ctx(app, t, project_key, lb_key, pool_key).await?;
    let row = member::member_view(&app.db, p.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    let row =
        member::member_update(&mut *tx, p.id, row.id, params.generation, params.weight).await?;
    commit(tx).await?;
    Ok(row.into())
}

pub async fn member_delete(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    pool_key: &str,
    key: &str,
) -> Result<()> {
    let (lb, p) = pool_ctx(app, t, project_key, lb_key, pool_key).await?;
    let row = member::member_view(&app.db, p.id, key).await?;
    let mut tx = begin(app).await?;
    lbq::load_balancer_touch(&mut *tx, lb.id).await?;
    member::member_delete(&mut *tx, p.id, row.id).await?;
    commit(tx).await
}

// ---- nodes and events (read-only) ---------------------------------------------------------

pub async fn node_list(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    p: PageParams,
) -> Result<Page<Node>> {
    let req = page(&p)?;
    let lb = lb_row(app, t, project_key, lb_key).await?;
    let rows = node::node_list(&app.db, lb.id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

pub async fn node_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    lb_key: &str,
    key: &str,
) -> Result<Node> {
    let lb = lb_row(app, t, project_key, lb_key).await?;
    Ok(node::node_view(&app.db, lb.id, key).await?.into())
}

pub async fn event_list(app: &App, t: &Tenant, p: EventListParams) -> Result<Page<Event>> {
    let req = PageReq::parse(p.limit, p.cursor.as_deref())?;
    let rows = event::event_list(&app.db, t.id, p.load_balancer_id, req).await?;
    Ok(req.finish(rows, |r| r.id, Into::into))
}

// ---- instances: the envelope's composite of subnet + LB + listener + pool + members ------

/// Everything the seed's `instance` create carries, already in domain terms.
pub struct InstanceSpec {
    pub project: String,
    pub name: String,
    pub description: Option<String>,
    pub protocol: Protocol,
    pub port: i32,
    pub subnet: String,
    pub algorithm: Algorithm,
    pub members: Vec<MemberCreate>,
    pub health_monitor: Option<HealthMonitor>,
    pub auto_scaling: bool,
    /// HTTPS: the project's certificates, by name or id, the default first.
    pub certificates: Vec<String>,
    /// HTTPS: also an HTTP listener on port 80 that redirects to the HTTPS one.
    pub redirect_http: bool,
    /// L7 rules before the default pool, in order (each becomes policy and maybe pool `rule-N`).
    pub rules: Vec<RuleSpec>,
}

/// One routing rule of an instance: host and path prefix (those given) select what it does.
pub struct RuleSpec {
    pub host: Option<String>,
    pub path_prefix: Option<String>,
    pub target: RuleTarget,
}

pub enum RuleTarget {
    /// Its own pool `rule-N` of these members.
    Members(Vec<MemberCreate>),
    Redirect {
        prefix: String,
        code: Option<i32>,
    },
    Reject,
}

impl RuleSpec {
    /// The L7 policy it stands for; `pool` names the pool a `Members` rule forwards to.
    fn policy(&self, pool: &str) -> L7PolicyUpdate {
        let mut rules = Vec::new();
        if let Some(h) = &self.host {
            rules.push(L7Rule {
                rule_type: L7RuleType::HostName,
                compare_type: L7CompareType::EqualTo,
                key: None,
                value: h.clone(),
                invert: false,
            });
        }
        if let Some(p) = &self.path_prefix {
            rules.push(L7Rule {
                rule_type: L7RuleType::Path,
                compare_type: L7CompareType::StartsWith,
                key: None,
                value: p.clone(),
                invert: false,
            });
        }
        let (action, redirect_pool, redirect_prefix, redirect_http_code) = match &self.target {
            RuleTarget::Members(_) => (L7Action::RedirectToPool, Some(pool.to_owned()), None, None),
            RuleTarget::Redirect { prefix, code } => {
                (L7Action::RedirectPrefix, None, Some(prefix.clone()), *code)
            }
            RuleTarget::Reject => (L7Action::Reject, None, None, None),
        };
        L7PolicyUpdate {
            generation: None,
            position: None,
            action,
            redirect_pool,
            redirect_url: None,
            redirect_prefix,
            redirect_http_code,
            rules,
        }
    }
}

/// What an instance is made of, for the envelope's `info`.
pub struct InstanceView {
    pub project: String,
    pub load_balancer: LoadBalancer,
    pub subnet: Subnet,
    pub listener: Option<Listener>,
    pub pool: Option<Pool>,
    pub members: Vec<Member>,
    pub nodes: Vec<Node>,
}

const INSTANCE_LISTENER: &str = "default";
/// The port-80 listener of an HTTPS instance created with `redirect_http`.
const INSTANCE_REDIRECT_LISTENER: &str = "http-redirect";
const INSTANCE_POOL: &str = "default";

/// One transaction: either the whole instance exists afterwards or nothing of it does.
pub async fn instance_create(
    app: &App,
    t: &Tenant,
    spec: InstanceSpec,
    wait: Option<u32>,
) -> Result<InstanceView> {
    validate::name("load balancer", &spec.name)?;
    validate::port("listener port", spec.port)?;
    let net = validate::cidr(&spec.subnet)?;
    if let Some(hm) = &spec.health_monitor {
        validate::health_monitor(hm)?;
    }
    if spec.members.is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidMember,
            "backend entities must list at least one backend",
        ));
    }
    if spec.members.len() > 256 {
        return Err(Error::invalid(ErrorCode::InvalidMember, "at most 256 backend entities"));
    }
    let redirect = spec.redirect_http.then_some(spec.port);
    if spec.redirect_http && spec.protocol != Protocol::Https {
        return Err(Error::invalid(
            ErrorCode::RedirectNeedsHttp,
            "redirect_http goes with traffic_type https: it redirects port 80 to the HTTPS port",
        ));
    }
    validate::listener_tls(spec.protocol, &spec.certificates, None)?;
    if spec.rules.len() > 32 {
        return Err(Error::invalid(ErrorCode::InvalidL7Policy, "at most 32 backend rules"));
    }
    let mut policies = Vec::with_capacity(spec.rules.len());
    for (i, r) in spec.rules.iter().enumerate() {
        let p = r.policy(&format!("rule-{}", i + 1));
        let code = validate::l7_policy(&p, spec.protocol, spec.port).map_err(|e| match e {
            Error::InvalidRequest { code, message } => Error::InvalidRequest {
                code,
                message: format!("backend rule {}: {message}", i + 1),
            },
            e => e,
        })?;
        if let RuleTarget::Members(m) = &r.target {
            if m.is_empty() || m.len() > 256 {
                return Err(Error::invalid(
                    ErrorCode::InvalidMember,
                    format!("backend rule {} must list 1..256 entities", i + 1),
                ));
            }
        }
        policies.push((p, code));
    }
    let mut tx = begin(app).await?;
    let pr = project::project_view(&mut *tx, t.id, &spec.project).await?;
    let sn = match subnet::subnet_find_by_cidr(&mut *tx, ProjectId(pr.id), &net).await? {
        Some(s) => s,
        None => {
            let params = SubnetCreate {
                name: lbaas_common::names::subnet(&net),
                cidr: net.to_string(),
                gateway: None,
            };
            subnet_insert(&mut tx, t, &pr, &params).await?
        }
    };
    let lb_params = LoadBalancerCreate {
        name: spec.name.clone(),
        subnet: sn.id.to_string(),
        description: spec.description.clone(),
        auto_scaling: Some(spec.auto_scaling),
        min_nodes: None,
        max_nodes: None,
    };
    let lb_id = lb_insert(&mut tx, t, &pr, SubnetId(sn.id), &lb_params).await?;
    let p = pool::pool_create(
        &mut *tx,
        t.id,
        lb_id,
        INSTANCE_POOL,
        // Members of an HTTPS instance speak HTTP: the nodes terminate TLS.
        if spec.protocol == Protocol::Tcp { Protocol::Tcp } else { Protocol::Http },
        spec.algorithm,
        spec.health_monitor.as_ref(),
    )
    .await?;
    let l = listener::listener_create(
        &mut *tx,
        t.id,
        lb_id,
        listener::ListenerInsert {
            name: INSTANCE_LISTENER,
            protocol: spec.protocol,
            port: spec.port,
            default_pool: Some(p.id),
            cache: false,
            redirect_https_port: None,
        },
    )
    .await?;
    if !spec.certificates.is_empty() {
        let certs = certq::certificate_resolve(&mut *tx, pr.id, &spec.certificates).await?;
        certq::listener_certificates_set(&mut tx, l.id, &certs).await?;
    }
    if let Some(https_port) = redirect {
        listener::listener_create(
            &mut *tx,
            t.id,
            lb_id,
            listener::ListenerInsert {
                name: INSTANCE_REDIRECT_LISTENER,
                protocol: Protocol::Http,
                port: 80,
                default_pool: None,
                cache: false,
                redirect_https_port: Some(https_port),
            },
        )
        .await?;
    }
    for m in &spec.members {
        member_insert(&mut tx, t, &net, p.id, m).await?;
    }
    for (i, (r, (policy, code))) in spec.rules.iter().zip(&policies).enumerate() {
        let name = format!("rule-{}", i + 1);
        let mut pool_id = None;
        if let RuleTarget::Members(members) = &r.target {
            let rp = pool::pool_create(
                &mut *tx,
                t.id,
                lb_id,
                &name,
                Protocol::Http,
                spec.algorithm,
                spec.health_monitor.as_ref(),
            )
            .await?;
            for m in members {
                member_insert(&mut tx, t, &net, rp.id, m).await?;
            }
            pool_id = Some(rp.id);
        }
        let w = policy_write(policy, i as i32 + 1, (*code, pool_id));
        l7policy::l7policy_create(&mut *tx, t.id, lb_id, l.id, &name, &w).await?;
    }
    commit(tx).await?;
    lb_wait(app, t, ProjectId(pr.id), lb_id, wait).await?;
    instance_view(app, t, &spec.project, &spec.name).await
}

pub async fn instance_view(
    app: &App,
    t: &Tenant,
    project_key: &str,
    name: &str,
) -> Result<InstanceView> {
    let mut c = app.reads.lease().await?;
    let r = lbq::instance_view_in_project(
        &mut *c,
        t.id,
        project_key,
        name,
        INSTANCE_LISTENER,
        INSTANCE_POOL,
    )
    .await;
    let row = match c.finish(r) {
        Err(Error::NotFound { .. }) => return Err(lb_missing(app, t, project_key, name).await),
        r => r?,
    };
    Ok(InstanceView {
        project: row.lb.project_name.clone(),
        load_balancer: lb_view(app, row.lb),
        subnet: row.subnet.0.into(),
        listener: row.listener.map(|l| l.0.into()),
        pool: row.pool.map(|p| p.0.into()),
        members: row.members.0.into_iter().map(Into::into).collect(),
        nodes: row.nodes.0.into_iter().map(Into::into).collect(),
    })
}

/// The envelope's update: any of members (replace-all, diffed so unchanged members keep their
/// ids and health state), monitor, algorithm, auto-scaling, description.
pub struct InstanceChange {
    pub members: Option<Vec<MemberCreate>>,
    pub health_monitor: Option<HealthMonitor>,
    pub algorithm: Option<Algorithm>,
    pub auto_scaling: Option<bool>,
    pub description: Option<String>,
}

pub async fn instance_update(
    app: &App,
    t: &Tenant,
    project_key: &str,
    name: &str,
    change: InstanceChange,
) -> Result<InstanceView> {
    if let Some(hm) = &change.health_monitor {
        validate::health_monitor(hm)?;
    }
    if let Some(d) = &change.description {
        validate::description(d)?;
    }
    let lb = lb_row(app, t, project_key, name).await?;
    let sn = subnet::subnet_view_by_id(&app.db, lb.subnet_id).await?;
    let net = sn.net();
    let mut tx = begin(app).await?;
    lbq::load_balancer_update(
        &mut *tx,
        t.id,
        lb.id,
        LoadBalancerChange {
            generation: None,
            description: change.description.as_deref(),
            auto_scaling: change.auto_scaling,
            min_nodes: None,
            max_nodes: None,
        },
    )
    .await
    .map_err(|_| Error::conflict(ErrorCode::Immutable, "the load balancer is being deleted"))?;
    let p = pool::pool_view(&mut *tx, lb.id, INSTANCE_POOL).await?;
    if change.algorithm.is_some() || change.health_monitor.is_some() {
        let hm = change.health_monitor.as_ref().map(Some);
        pool::pool_update(&mut *tx, lb.id, p.id, None, change.algorithm, hm).await?;
    }
    if let Some(wanted) = change.members {
        if wanted.is_empty() {
            return Err(Error::invalid(
                ErrorCode::InvalidMember,
                "backend entities must list at least one backend",
            ));
        }
        let current = member::member_list_all(&mut *tx, p.id).await?;
        let key = |addr: &str, port: i32| format!("{addr}|{port}");
        let mut wanted_keys = std::collections::HashSet::new();
        for m in &wanted {
            let addr = validate::member_address(&net, &m.address)?;
            wanted_keys.insert(key(&addr.to_string(), m.port));
        }
        for m in &current {
            if !wanted_keys.contains(&key(&m.address, m.port)) {
                member::member_delete(&mut *tx, p.id, m.id).await?;
            }
        }
        let have: std::collections::HashSet<String> =
            current.iter().map(|m| key(&m.address, m.port)).collect();
        for m in &wanted {
            let addr = validate::member_address(&net, &m.address)?;
            if !have.contains(&key(&addr.to_string(), m.port)) {
                member_insert(&mut tx, t, &net, p.id, m).await?;
            }
        }
    }
    event::event_insert(
        &mut *tx,
        Some(t.id),
        Some(lb.id),
        None,
        "load_balancer.update_requested",
        name,
    )
    .await?;
    commit(tx).await?;
    instance_view(app, t, project_key, name).await
}
