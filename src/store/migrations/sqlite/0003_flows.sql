-- 0003_flows: the authorization-code flow's entities (built-in users, login/consent/logout
-- flows, browser sessions, consents, throttling counters) and single-use tokens.
-- Times are seconds since the epoch. Like every migration it runs inside one transaction
-- together with its schema_migrations row (the migrator's), so it applies whole or not at all.

-- Codes and rotated refresh tokens are consumed once (GH_OP_TOKEN_CONSUME): 0 = not yet.
ALTER TABLE tokens ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;

-- CONSENT_REVOKE and USER_DELETE revoke every live token of a subject (and client). The
-- client index becomes (client_id, subject): CLIENT_DELETE still searches it by client_id,
-- CONSENT_REVOKE by both, and "every client" walks the distinct client_ids in it, a couple of
-- probes per client (sqlite_write.c). A separate (subject, client_id) index would cost every
-- token insert, client_credentials tokens included, one more b-tree insert on the writer, for
-- statements that run rarely.
DROP INDEX tokens_client_id;
CREATE INDEX tokens_client_subject ON tokens (client_id, subject);

-- The subject of everything a user authorizes is id ("u_" + random), never reused.
CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    name           TEXT,
    email          TEXT,
    email_verified INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- One authorization request (or logout) in progress. version guards concurrent answers
-- (FLOW_UPDATE is a compare-and-set on it). A flow's doc can be a kilobyte: a rowid table.
CREATE TABLE flows (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       INTEGER NOT NULL,
    state      INTEGER NOT NULL,
    client_id  TEXT,
    subject    TEXT,
    doc        TEXT,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX flows_expires_at ON flows (expires_at);

-- Browser login sessions: the cookie's secret is never stored, only its SHA-256.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    secret_hash BLOB NOT NULL,
    subject     TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL DEFAULT 0,
    doc         TEXT
);
CREATE INDEX sessions_subject ON sessions (subject);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- One row per (subject, client): always read, touched and listed by that key (a subject's
-- consents in client_id order), so the primary key is the table.
CREATE TABLE consents (
    subject          TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    scope            TEXT,
    remembered_scope TEXT,
    audience         TEXT,
    catalog_version  INTEGER NOT NULL,
    granted_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_used_at     INTEGER NOT NULL DEFAULT 0,
    remember_until   INTEGER NOT NULL DEFAULT 0,
    revoked_at       INTEGER NOT NULL DEFAULT 0,
    doc              TEXT,
    PRIMARY KEY (subject, client_id)
) WITHOUT ROWID;

-- Fixed-window counters (login throttling).
CREATE TABLE counters (
    key          TEXT PRIMARY KEY NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) WITHOUT ROWID;
