// The scope catalog reloaded by SIGHUP, without a restart: one gatehouse serves from its own
// copy of gatehouse.test.yaml, which each test rewrites before sending SIGHUP. A changed
// description becomes version 2 (new version and hashes in /.well-known/gatehouse-scopes, new
// tokens introspected with version 2, the consent page asking again for the changed scope and
// saying what changed), while a changed setting outside the catalog is logged as needing a
// restart and is not applied; SIGHUP with nothing changed is a logged no-op; an added scope
// appears in the discovery documents' scopes_supported; a widening change is refused (the log
// says so, the old version is still served) until `gatehouse scopes accept` and another
// SIGHUP; a removed scope vanishes at once from the introspection of a token issued before;
// an invalid file is refused and the server keeps serving.
// Every wait polls a real condition (the published version, a log line) with a deadline.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import {
  DNS_READ_V1, changedCatalog, readConfig, removedLogsRead, scopeBlock, scopeOf, until, wellKnown,
  widenedCatalog, writeVariant,
} from './lib/catalog.mjs';
import { assertCode, client, exchange, oidcConfig, scopes, startFlow, webClient } from './lib/oidc.mjs';
import { decodeJwt } from './lib/oauth.mjs';
import { CONFIG, Gatehouse } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
const ZONES_READ_ENTRY = '  - name: zones:read\n    description: Read zone settings\n    sensitive: false\n';

let srv;
let rs;
let user;
let ua;
let first; // tokens of the first authorization (catalog version 1)
let text; // what the configuration file holds now

/** Rewrites the server's configuration file (the path it started with) and sends SIGHUP.
 *  Resolves with the log file's size before the signal: the reload's lines come after it. */
function reloadWith(next) {
  text = next;
  writeFileSync(srv.config, text);
  const from = statSync(srv.logFile).size;
  assert.ok(srv.child.kill('SIGHUP'), 'SIGHUP not delivered');
  return from;
}

/** Waits for a server log line past offset from that matches re; returns the line. */
function logLine(from, re, what) {
  return until(() => {
    const lines = readFileSync(srv.logFile, 'utf8').slice(from).split('\n');
    return lines.find((l) => re.test(l));
  }, `the log line ${what}`);
}

/** Waits until /.well-known/gatehouse-scopes publishes version; returns the document. */
function published(version) {
  return until(async () => {
    const doc = await wellKnown(srv);
    return doc.version === version ? doc : null;
  }, `catalog version ${version} to be published`);
}

async function scopesSupported(p) {
  const r = await srv.fetch(p);
  assert.equal(r.status, 200);
  return (await r.json()).scopes_supported;
}

before(async () => {
  srv = new Gatehouse({ name: 'catalog_reload' });
  text = readConfig(CONFIG);
  srv.config = writeVariant(srv.dir, 'served', text);
  await srv.start();
  rs = await oidcConfig(srv, await srv.createClient(webClient()));
  user = await srv.createUser('reload-user', PASSWORD, { name: 'Reload User', email: 'reload@example.test', emailVerified: true });
  ua = new UserAgent({ origin: srv.issuer });
});
after(async () => { await srv?.dispose(); });

test('version 1 is served and a consent is remembered', async () => {
  const doc = await wellKnown(srv);
  assert.equal(doc.version, 1);
  assert.equal(scopeOf(doc, 'dns:read').description, 'Read DNS records');
  const res = await startFlow(rs, ua, { user, scope: 'openid offline_access dns:read logs:read', remember: true });
  assertCode(res, srv);
  assert.ok(res.shown.includes('consent'));
  first = await exchange(rs, res);
  assert.ok(first.refresh_token);
  assert.equal((await srv.adminIntrospect(first.access_token)).catalog_version, 1);
});

test('a changed description is applied by SIGHUP as version 2; a changed setting needs a restart', async () => {
  const v1 = await wellKnown(srv);
  // serve.body_limit is not part of the catalog: logged, not applied
  const from = reloadWith(changedCatalog(text).replace('body_limit: 65536', 'body_limit: 1048576'));
  const v2 = await published(2);
  assert.equal(scopeOf(v2, 'dns:read').description, 'Read and export DNS records');
  assert.notEqual(v2.hash, v1.hash);
  assert.notEqual(scopeOf(v2, 'dns:read').hash, scopeOf(v1, 'dns:read').hash);
  assert.equal(scopeOf(v2, 'logs:read').hash, scopeOf(v1, 'logs:read').hash);
  await logLine(from, /reload: scope catalog version 2 applied \(was version 1\)/, 'of the applied version');
  await logLine(from, /"level":"warn".*serve\.body_limit changed; it needs a restart and is not applied/,
    'warning that serve.body_limit needs a restart');
  const big = await srv.fetch('/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&pad=${'a'.repeat(100000)}`,
  });
  await big.arrayBuffer();
  assert.equal(big.status, 413, 'the body limit of the start still holds');

  // the consent remembered under version 1 is asked again for the changed scope only
  const res = await startFlow(rs, ua, { user, scope: 'openid dns:read logs:read', remember: true });
  assertCode(res, srv);
  assert.ok(res.shown.includes('consent'), `no consent page after the reload: ${res.shown}`);
  const changed = scopeBlock(res.consentPage, 'dns:read');
  assert.match(changed, /class="changed"/);
  assert.match(changed, new RegExp(DNS_READ_V1.replace('description: ', '').trim()), 'the page does not say what the description was');
  assert.doesNotMatch(scopeBlock(res.consentPage, 'logs:read'), /class="changed"/);
  const t = await exchange(rs, res);
  assert.equal((await srv.adminIntrospect(t.access_token)).catalog_version, 2);
  // a JWT access token carries it too, for a resource server that checks locally
  assert.equal(decodeJwt(t.access_token).payload.catalog_version, 2);
  assert.equal(decodeJwt(first.access_token).payload.catalog_version, 1);
  const old = await srv.adminIntrospect(first.access_token);
  assert.equal(old.active, true);
  assert.equal(old.catalog_version, 1);
});

test('SIGHUP with the catalog unchanged is a no-op', async () => {
  const from = reloadWith(text);
  await logLine(from, /reload: the scope catalog is unchanged \(version 2\)/, 'of the unchanged catalog');
  assert.equal((await wellKnown(srv)).version, 2);
});

test('an added scope appears in scopes_supported of both discovery documents', async () => {
  assert.ok(!(await scopesSupported('/.well-known/openid-configuration')).includes('zones:read'));
  reloadWith(text.replace('resources:\n', `${ZONES_READ_ENTRY}resources:\n`));
  const v3 = await published(3);
  assert.equal(scopeOf(v3, 'zones:read').description, 'Read zone settings');
  assert.ok((await scopesSupported('/.well-known/openid-configuration')).includes('zones:read'));
  assert.ok((await scopesSupported('/.well-known/oauth-authorization-server')).includes('zones:read'));
});

test('a widening change is refused until scopes accept, then applied by SIGHUP', async () => {
  let from = reloadWith(widenedCatalog(text));
  await logLine(from, /"level":"error".*reload refused: catalog: scope dns:write widens what existing consents allow.*scopes accept.*the running scope catalog \(version 3\) is kept/,
    'refusing the widening change');
  let doc = await wellKnown(srv);
  assert.equal(doc.version, 3);
  assert.equal(scopeOf(doc, 'dns:write').sensitive, true);

  const a = await srv.cli(['scopes', 'accept']);
  assert.equal(a.code, 0, a.stderr);
  from = reloadWith(text);
  doc = await published(4);
  assert.equal(scopeOf(doc, 'dns:write').sensitive, false);
  await logLine(from, /reload: scope catalog version 4 applied \(was version 3\)/, 'of the accepted version');
});

test('a removed scope vanishes from the introspection of an existing token at once', async () => {
  assert.deepEqual(scopes((await srv.adminIntrospect(first.access_token)).scope),
    scopes('openid offline_access dns:read logs:read'));
  reloadWith(removedLogsRead(text));
  const v5 = await published(5);
  assert.equal(scopeOf(v5, 'logs:read'), undefined);
  const old = await srv.adminIntrospect(first.access_token);
  assert.equal(old.active, true);
  assert.deepEqual(scopes(old.scope), scopes('openid offline_access dns:read'));
  assert.equal(old.catalog_version, 1);
  // new tokens from the grant no longer carry it, and carry the new version
  const t = await client.refreshTokenGrant(rs, first.refresh_token);
  assert.deepEqual(scopes(t.scope), scopes('openid offline_access dns:read'));
  assert.equal((await srv.adminIntrospect(t.access_token)).catalog_version, 5);
});

test('an invalid file is refused and the server keeps serving the running catalog', async () => {
  const good = text;
  let from = reloadWith(good.replace('scopes: [dns:read, dns:write, settings:write]', 'scopes: [dns:read, dns:delete]'));
  await logLine(from, /"level":"error".*reload refused: invalid configuration: .*dns:delete.*the running scope catalog \(version 5\) is kept/,
    'refusing the invalid catalog');
  from = reloadWith(`${good}ttl: [unbalanced\n`);
  await logLine(from, /"level":"error".*reload refused: invalid configuration: .*gatehouse\.served\.yaml/, 'refusing the unreadable YAML');
  const doc = await wellKnown(srv);
  assert.equal(doc.version, 5);
  assert.equal(scopeOf(doc, 'dns:read').description, 'Read and export DNS records');
  const ready = await srv.fetch('/health/ready');
  await ready.arrayBuffer();
  assert.equal(ready.status, 200);
  assert.equal(srv.exited, null, 'the server stopped');
  // the file fixed, the next SIGHUP finds the catalog served
  from = reloadWith(good);
  await logLine(from, /reload: the scope catalog is unchanged \(version 5\)/, 'of the unchanged catalog');
});
