-- 0005_grant_revocations: a grant is revoked by one row here, which every read and every
-- consume of a token consults, instead of an UPDATE of its tokens found through an index of
-- every token's grant_id. That index cost each token insert a write to a page of its own (a
-- grant's tokens are issued over its whole life, so they are spread over the index): without
-- it, a refresh-token rotation writes about half the pages. client_id and subject let a purge
-- find, through tokens_client_subject, whether a token of the grant is left; the row goes only
-- when none is. Tokens revoked with their grant before this migration keep their revoked_at.

CREATE TABLE grant_revocations (
    grant_id   TEXT PRIMARY KEY NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT,
    revoked_at INTEGER NOT NULL
) WITHOUT ROWID;

DROP INDEX tokens_grant_id;
