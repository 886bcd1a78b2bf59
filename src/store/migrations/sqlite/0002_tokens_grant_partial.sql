-- 0002_tokens_grant_partial: index only the tokens that belong to a grant.
-- Client-credentials tokens have no grant_id; with the full index every one of them still
-- added an entry (NULL) that no query reads. "grant_id = ?" implies "grant_id IS NOT NULL",
-- so GRANT_REVOKE's UPDATE still uses this index.

DROP INDEX tokens_grant_id;
CREATE INDEX tokens_grant_id ON tokens (grant_id) WHERE grant_id IS NOT NULL;
