// The versioned scope catalog across restarts of one gatehouse over one SQLite database (same
// DSN, system secret and ports): a user remembers consent for openid dns:read logs:read under
// the demo catalog; `gatehouse scopes diff --json` names a changed description before the
// restart; after it the consent page asks again for the changed scope only and says what
// changed, /.well-known/gatehouse-scopes publishes the new version and hashes, and
// introspection of a token issued before reports the version it was issued under. A catalog
// that widens existing consents (dns:write loses `sensitive`) stops `serve` with exit 2 until
// `gatehouse scopes accept`; a removed scope disappears from introspection of an old token
// and from the tokens a refresh issues; `gatehouse scopes check` refuses a bad file with exit 2.
// The catalog variants are written next to the database from gatehouse.test.yaml.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import {
  changedCatalog, invalidCatalog, readConfig, removedLogsRead, scopeBlock, scopeOf, wellKnown as wellKnownOf,
  widenedCatalog, writeVariant,
} from './lib/catalog.mjs';
import { decodeJwt } from './lib/oauth.mjs';
import { assertCode, client, exchange, oidcConfig, scopes, startFlow, webClient } from './lib/oidc.mjs';
import { CONFIG, Gatehouse } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';

let srv;
let rs;
let user;
let ua;
let first; // tokens of the first authorization (catalog version 1)
const files = {};

const variant = (name, text) => writeVariant(srv.dir, name, text);
const wellKnown = () => wellKnownOf(srv);

/** Restarts the server with another configuration file (same database, secret and ports). */
async function restartWith(config) {
  await srv.stop();
  srv.config = config;
  await srv.start();
}

before(async () => {
  srv = new Gatehouse({ name: 'catalog' });
  const base = readConfig(CONFIG);
  const changed = changedCatalog(base);
  files.changed = variant('changed', changed);
  const widened = widenedCatalog(changed);
  files.widened = variant('widened', widened);
  // logs:read removed from the scopes and from the resource server's list
  files.removed = variant('removed', removedLogsRead(widened));
  files.bad = variant('bad', invalidCatalog(base));
  await srv.start();
  rs = await oidcConfig(srv, await srv.createClient(webClient()));
  user = await srv.createUser('catalog-user', PASSWORD, { name: 'Catalog User', email: 'cat@example.test', emailVerified: true });
  ua = new UserAgent({ origin: srv.issuer });
});
after(async () => { await srv?.dispose(); });

test('version 1: the demo catalog is published and a consent is remembered', async () => {
  const doc = await wellKnown();
  assert.equal(doc.version, 1);
  assert.equal(doc.issuer, srv.issuer);
  assert.match(doc.hash, /^[0-9a-f]{64}$/);
  assert.equal(scopeOf(doc, 'dns:read').description, 'Read DNS records');
  assert.match(scopeOf(doc, 'dns:read').hash, /^[0-9a-f]{64}$/);
  const res = await startFlow(rs, ua, { user, scope: 'openid offline_access dns:read logs:read', remember: true });
  assertCode(res, srv);
  assert.ok(res.shown.includes('consent'));
  first = await exchange(rs, res);
  assert.ok(first.refresh_token);
  assert.equal((await srv.adminIntrospect(first.access_token)).catalog_version, 1);
  // remembered: the next authorization shows no consent page
  const again = await startFlow(rs, ua, { scope: 'openid dns:read logs:read' });
  assertCode(again, srv);
  assert.ok(!again.shown.includes('consent'), `consent asked again: ${again.shown}`);
});

test('scopes diff --json names the changed description before the restart', async () => {
  await srv.stop();
  const r = await srv.cli(['scopes', 'diff', '--json'], { env: { GATEHOUSE_CONFIG: files.changed } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.stored_version, 1);
  assert.deepEqual(out.diff.added, []);
  assert.deepEqual(out.diff.removed, []);
  assert.equal(out.diff.changed.length, 1);
  assert.equal(out.diff.changed[0].scope, 'dns:read');
  assert.deepEqual(out.diff.changed[0].fields.description, { before: 'Read DNS records', after: 'Read and export DNS records' });
  assert.deepEqual(out.widening, []);
});

test('version 2: consent asked again for the changed scope only; old tokens keep version 1', async () => {
  await restartWith(files.changed);
  const doc = await wellKnown();
  assert.equal(doc.version, 2);
  assert.equal(scopeOf(doc, 'dns:read').description, 'Read and export DNS records');
  const res = await startFlow(rs, ua, { user, scope: 'openid dns:read logs:read', remember: true });
  assertCode(res, srv);
  assert.ok(res.shown.includes('consent'), `no consent page after the change: ${res.shown}`);
  const changed = scopeBlock(res.consentPage, 'dns:read');
  assert.match(changed, /class="changed"/);
  assert.match(changed, /Read DNS records/, 'the page does not say what the description was');
  assert.doesNotMatch(scopeBlock(res.consentPage, 'logs:read'), /class="changed"/);
  const t = await exchange(rs, res);
  assert.equal((await srv.adminIntrospect(t.access_token)).catalog_version, 2);
  // the token issued under version 1 still says so
  const old = await srv.adminIntrospect(first.access_token);
  assert.equal(old.active, true);
  assert.equal(old.catalog_version, 1);
  // given again under version 2: remembered once more
  const again = await startFlow(rs, ua, { scope: 'openid dns:read logs:read' });
  assertCode(again, srv);
  assert.ok(!again.shown.includes('consent'), `consent asked again: ${again.shown}`);
});

test('the published hashes change with the definition, and only for the changed scope', async () => {
  const v2 = await wellKnown();
  await restartWith(CONFIG);
  // back to the first definitions: a new version, with the first hashes again
  const v3 = await wellKnown();
  assert.equal(v3.version, 3);
  assert.notEqual(scopeOf(v2, 'dns:read').hash, scopeOf(v3, 'dns:read').hash);
  assert.equal(scopeOf(v2, 'logs:read').hash, scopeOf(v3, 'logs:read').hash);
  assert.notEqual(v2.hash, v3.hash);
  await restartWith(files.changed);
  const v4 = await wellKnown();
  assert.equal(v4.version, 4);
  assert.equal(scopeOf(v4, 'dns:read').hash, scopeOf(v2, 'dns:read').hash);
});

test('a widening change stops serve with exit 2 until scopes accept', async () => {
  await srv.stop();
  srv.config = files.widened;
  await assert.rejects(srv.start({ timeoutMs: 10000 }), /exited during start-up/);
  assert.equal(srv.exited.code, 2);
  const d = await srv.cli(['scopes', 'diff', '--json']);
  assert.equal(d.code, 0, d.stderr);
  const diff = JSON.parse(d.stdout);
  assert.equal(diff.widening.length, 1);
  assert.equal(diff.widening[0].scope, 'dns:write');
  const a = await srv.cli(['scopes', 'accept']);
  assert.equal(a.code, 0, a.stderr);
  await srv.start();
  const doc = await wellKnown();
  assert.equal(doc.version, 5);
  assert.equal(scopeOf(doc, 'dns:write').sensitive, false);
});

test('a removed scope disappears from introspection and from refreshed tokens at once', async () => {
  await restartWith(files.removed);
  const doc = await wellKnown();
  assert.equal(doc.version, 6);
  assert.equal(scopeOf(doc, 'logs:read'), undefined);
  const old = await srv.adminIntrospect(first.access_token);
  assert.equal(old.active, true);
  assert.deepEqual(scopes(old.scope), scopes('openid offline_access dns:read'));
  const t = await client.refreshTokenGrant(rs, first.refresh_token);
  assert.deepEqual(scopes(t.scope), scopes('openid offline_access dns:read'));
  assert.deepEqual(scopes(decodeJwt(t.access_token).payload.scope), scopes('openid offline_access dns:read'));
  // the successor carries the narrowed scope too
  const t2 = await client.refreshTokenGrant(rs, t.refresh_token);
  assert.deepEqual(scopes(t2.scope), scopes('openid offline_access dns:read'));
});

test('scopes check validates a file without a server: 0 for a good one, 2 for a bad one', async () => {
  const good = await srv.cli(['scopes', 'check', files.changed]);
  assert.equal(good.code, 0, good.stderr);
  const bad = await srv.cli(['scopes', 'check', files.bad]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /dns:delete/);
});
