-- Hypervisors as an admin resource (ARCHITECTURE §14): a capacity in nodes and an operator
-- state, plus when its controller last reached its libvirt. Placement reads all three.
--   ENABLED:  new nodes may be placed on it;
--   DISABLED: nothing new is placed on it; what runs there stays (a cordon);
--   DRAINING: nothing new, and its nodes are replaced elsewhere, then retired through SUNDOWN.
-- A hypervisor whose controller has not listed its domains for a while (`seen_at` old, or
-- never) is treated as draining: its VMs may still serve, but nothing can repair them there.
ALTER TABLE hypervisor
    ADD COLUMN capacity_nodes integer NOT NULL DEFAULT 32 CHECK (capacity_nodes >= 0),
    ADD COLUMN state text NOT NULL DEFAULT 'ENABLED'
        CHECK (state IN ('ENABLED', 'DISABLED', 'DRAINING')),
    ADD COLUMN seen_at timestamptz;

-- Every node is on a hypervisor (rows from before placement ran on `local`, the default).
UPDATE node SET hypervisor_id = '00000000-0000-0000-0000-000000000001' WHERE hypervisor_id IS NULL;
ALTER TABLE node ALTER COLUMN hypervisor_id SET DEFAULT '00000000-0000-0000-0000-000000000001',
    ALTER COLUMN hypervisor_id SET NOT NULL;
CREATE INDEX node_hypervisor_idx ON node (hypervisor_id);

-- A spare whose agent said hello: the controller of another hypervisor may place a node on it
-- (claiming the row), which it cannot tell from the agent link it does not hold.
ALTER TABLE spare_node ADD COLUMN ready boolean NOT NULL DEFAULT false;

-- Each controller wakes on a change to its hypervisor's row (a drain starts at once) and on a
-- spare becoming ready (a waiting placement can use it).
CREATE TRIGGER hypervisor_notify AFTER INSERT OR DELETE OR UPDATE OF state, capacity_nodes, uri
    ON hypervisor FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
CREATE TRIGGER spare_node_notify AFTER UPDATE OF ready ON spare_node
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();

-- Change-driven passes (ARCHITECTURE §14) look only at work in flight: load balancers pending
-- something and nodes BUILDING, DOWN or SUNDOWN. Partial indexes keep those lookups independent of the
-- size of a quiet fleet.
CREATE INDEX load_balancer_pending_idx ON load_balancer (id)
    WHERE provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE');
CREATE INDEX node_unsettled_idx ON node (load_balancer_id) WHERE status NOT IN ('ACTIVE', 'FAILED');
