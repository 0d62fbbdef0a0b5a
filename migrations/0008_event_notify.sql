-- The monitor log, streamed (`GET /v1/events/stream`): each new event announces its tenant on
-- its own channel, so API replicas wake only the streams of that tenant. A lost notification
-- costs a stream at most its fallback poll (5 s): the stream re-reads by id, never by payload.
CREATE FUNCTION lbaas_notify_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('lbaas_event', coalesce(NEW.tenant_id::text, ''));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER event_notify AFTER INSERT ON event
    FOR EACH ROW EXECUTE FUNCTION lbaas_notify_event();
