-- The warm pool: VMs booted ahead of need, with no load balancer, no addresses and no tenant.
-- Creating a node (a new load balancer, a failover replacement, a scale-out) claims one by
-- turning its row into a node row in one transaction, then pushes addresses and listeners to
-- its agent: no boot on the critical path. The controller keeps the pool topped up.
CREATE TABLE spare_node (
    id uuid PRIMARY KEY,
    hypervisor_id uuid NOT NULL REFERENCES hypervisor (id),
    name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
