-- 0001_init: the initial gatehouse schema (SQLite).
-- schema_migrations is created and maintained by the migrator itself.
-- Times are seconds since the epoch except audit_events.time_us (microseconds).

CREATE TABLE clients (
    client_id      TEXT PRIMARY KEY NOT NULL,
    doc            TEXT NOT NULL,
    secret_hash    BLOB,
    reg_token_hash BLOB,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Tokens outlive their client (revoked, not deleted), so there is no foreign key.
CREATE TABLE tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            INTEGER NOT NULL,
    format          TEXT,
    grant_id        TEXT,
    client_id       TEXT NOT NULL,
    subject         TEXT,
    scope           TEXT,
    audience        TEXT,
    catalog_version INTEGER NOT NULL,
    issued_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER NOT NULL DEFAULT 0,
    request_id      TEXT,
    extra           TEXT
);
CREATE INDEX tokens_grant_id ON tokens (grant_id);
CREATE INDEX tokens_client_id ON tokens (client_id);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE jtis (
    ns         TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (ns, jti)
) WITHOUT ROWID;
CREATE INDEX jtis_expires_at ON jtis (expires_at);

CREATE TABLE keys (
    kid            TEXT PRIMARY KEY NOT NULL,
    alg            TEXT NOT NULL,
    state          INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    activated_at   INTEGER NOT NULL DEFAULT 0,
    retired_at     INTEGER NOT NULL DEFAULT 0,
    expires_at     INTEGER NOT NULL DEFAULT 0,
    sealed_private BLOB,
    public_jwk     TEXT NOT NULL
);

CREATE TABLE catalog_versions (
    version    INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL,
    doc        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY,
    time_us    INTEGER NOT NULL,
    type       TEXT NOT NULL,
    actor      TEXT,
    client_id  TEXT,
    subject    TEXT,
    token_id   TEXT,
    scope      TEXT,
    request_id TEXT,
    data       TEXT,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);

-- The audit trail is append-only: the database itself refuses changes and removals.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
