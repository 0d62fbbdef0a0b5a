-- Heartbeats update a node's row every second; announcing those would wake every reconciler
-- and the DNS publisher once a second per node for nothing. Only changes that alter what must
-- exist (placement, status, address) are announced.
DROP TRIGGER node_notify ON node;
CREATE TRIGGER node_notify AFTER INSERT OR DELETE OR UPDATE OF status, vip, project_ip,
    load_balancer_id, subnet_id ON node
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_change();
