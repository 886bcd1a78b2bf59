-- 0004_audit_query: indexes for the filtered audit read (gh_store_audit.query).
-- Each filter that names one value leads with that value and then seq, so a query with that
-- filter walks its events in seq order from after_seq without sorting; the other filters of
-- the same query are checked on those rows. A time range alone walks seq (events are
-- appended in time order, give or take the writer's batching).

CREATE INDEX audit_events_subject ON audit_events (subject, seq) WHERE subject IS NOT NULL;
CREATE INDEX audit_events_client ON audit_events (client_id, seq) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_token ON audit_events (token_id, seq) WHERE token_id IS NOT NULL;
CREATE INDEX audit_events_type ON audit_events (type, seq);
