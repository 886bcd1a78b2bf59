// A token granted dns:read can never write through the demo platform API (examples/dns-api,
// gatehouse-dns-api), by REST (POST, PUT, DELETE /zones/{zone}/records[/id]) or by MCP
// (create_record, update_record, delete_record), whatever is done to it:
//   - a valid dns:read (and dns:read logs:read) token, JWT or opaque: 403 insufficient_scope,
//     scope="dns:write";
//   - tampered tokens (the payload's scope or aud widened under the kept signature, alg none,
//     HS256 keyed with the public key, the kid switched, the signature truncated or dropped, an
//     opaque token with one character changed): 401 invalid_token;
//   - a token for another audience (https://other.example.test, which does accept dns:write):
//     401 invalid_token;
//   - an expired token (a second gatehouse with a 3 s access-token lifetime, the API with a 1 s
//     leeway): a read works before, and once the API refuses the read, writes are 401;
//   - a token whose consent was revoked (the real authorization code flow through the built-in
//     login and consent pages; read once so the API has it cached; the consent revoked through
//     the admin API or the account page): the next write is 401 invalid_token at once, for a
//     JWT and for an opaque access token, because the API checks every write online
//     (gh_rs_verify_online).
// After every case the records are exactly what they were: the zone's listing (read with a
// writer's token) and the API's SQLite file are compared with a snapshot taken first. A
// dns:write token does write (the positive control, so that the refusals mean something).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import { startApi } from './lib/dnsapi.mjs';
import { ccToken, decodeJwt, discover } from './lib/oauth.mjs';
import { assertCode, exchange, oidcConfig, scopes, startFlow, webClient } from './lib/oidc.mjs';
import { CONFIG, RESOURCE, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

const OTHER = 'https://other.example.test';
const ZONE = 'example.com';
const READ = 'dns:read logs:read';
const WRITE = 'dns:read dns:write logs:read';
const PASSWORD = 'correct horse battery staple';
const LEEWAY = 1; // seconds of clock skew the APIs allow
const SHORT_TTL = 3; // the access-token lifetime of the second gatehouse

/** gatehouse.test.yaml plus a second resource server that accepts dns:read and dns:write. */
function writeConfig() {
  const text = readFileSync(CONFIG, 'utf8');
  assert.match(text, /\nresources:\n(?: {2}.*\n| {4}.*\n)+$/, 'resources: is no longer the last section of gatehouse.test.yaml');
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-never-write-'));
  const file = path.join(dir, 'gatehouse.yaml');
  writeFileSync(file, `${text}  - uri: ${OTHER}\n    client_id: other-api\n    scopes: [dns:read, dns:write]\n`);
  return file;
}

const CC = { grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', access_token_strategy: 'jwt' };

/**
 * One gatehouse with the demo API in front of it: { srv, as, api, db, clients, token(name,
 * scope, resource), ... }. The API introspects (and checks writes online) as demo-api.
 */
async function platform(name, { extraEnv = {}, config } = {}) {
  const srv = await startServer({ name, config, extraEnv });
  const p = { srv };
  try {
    p.as = await discover(srv);
    p.clients = {
      reader: await srv.createClient({ ...CC, client_name: 'dns reader', scope: READ }),
      opaqueReader: await srv.createClient({ ...CC, client_name: 'dns opaque reader', scope: READ, access_token_strategy: 'opaque' }),
      writer: await srv.createClient({ ...CC, client_name: 'dns writer', scope: WRITE }),
      opaqueWriter: await srv.createClient({ ...CC, client_name: 'dns opaque writer', scope: WRITE, access_token_strategy: 'opaque' }),
    };
    const rsClient = await srv.createClient({ ...CC, client_id: RESOURCE_CLIENT_ID, client_name: 'Demo API', scope: 'dns:read' });
    p.db = path.join(srv.dir, `${name}-dns.db`);
    p.api = await startApi(srv, rsClient, { db: p.db, env: { DNS_API_LEEWAY: String(LEEWAY) } });
    p.md = `${p.api.base}/.well-known/oauth-protected-resource`;
    p.token = async (client, scope, resource = RESOURCE) => (await ccToken(p.as, p.clients[client] ?? client, { scope, resource })).access_token;
    // a fresh writer token for each look (the second gatehouse's tokens expire in seconds)
    p.writerToken = () => p.token('writer', WRITE);
  } catch (e) {
    await p.api?.stop();
    await srv.dispose();
    throw e;
  }
  p.dispose = async () => {
    if (p.api && !p.api.exited) assert.deepEqual(await p.api.stop(), { code: 0, signal: null }, 'gatehouse-dns-api stops cleanly');
    await srv.dispose();
  };
  return p;
}

async function call(p, route, { method = 'GET', token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${p.api.base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

let rpcId = 0;
async function tool(p, token, name, args) {
  rpcId += 1;
  const r = await call(p, '/mcp', {
    method: 'POST', token, body: { jsonrpc: '2.0', id: rpcId, method: 'tools/call', params: { name, arguments: args, _meta: { model_id: 'never-write' } } },
  });
  return { ...r, id: rpcId };
}

/** What the records are: the zone's listing with a writer's token, and the API's SQLite rows. */
async function snapshot(p) {
  const r = await call(p, `/zones/${ZONE}/records`, { token: await p.writerToken() });
  assert.equal(r.status, 200, `listing for the snapshot: ${r.text}`);
  const rows = execFileSync('sqlite3', ['-readonly', '-json', p.db, 'SELECT id, zone, name, type, value, ttl FROM records ORDER BY id'], { encoding: 'utf8' });
  return { listing: r.json, rows: JSON.parse(rows || '[]') };
}

async function assertUnchanged(p, what) {
  assert.deepEqual(await snapshot(p), p.baseline, `${what}: the records changed`);
}

const EVIL = { name: 'evil', type: 'A', value: '192.0.2.66', ttl: 60 };

/** The six writes, each a function of (platform, token) resolving with the response. */
function writes(p) {
  const id = p.target;
  return [
    ['REST create', (t) => call(p, `/zones/${ZONE}/records`, { method: 'POST', token: t, body: EVIL })],
    ['REST update', (t) => call(p, `/zones/${ZONE}/records/${id}`, { method: 'PUT', token: t, body: { value: 'evil.example.net.' } })],
    ['REST delete', (t) => call(p, `/zones/${ZONE}/records/${id}`, { method: 'DELETE', token: t })],
    ['MCP create_record', (t) => tool(p, t, 'create_record', { zone: ZONE, ...EVIL })],
    ['MCP update_record', (t) => tool(p, t, 'update_record', { zone: ZONE, id, value: 'evil.example.net.' })],
    ['MCP delete_record', (t) => tool(p, t, 'delete_record', { zone: ZONE, id })],
  ];
}

/**
 * Every write with token is refused: 'insufficient_scope' (403) or 'invalid_token' (401), with
 * the RFC 6750 challenge; REST bodies are {"error": code}, MCP bodies that (a refusal before
 * the JSON-RPC message is read) or a JSON-RPC error for the request with message code. Then
 * the records are as they were.
 */
async function assertNeverWrites(p, token, code, what) {
  const status = code === 'insufficient_scope' ? 403 : 401;
  const challenge = code === 'insufficient_scope'
    ? `Bearer error="insufficient_scope", scope="dns:write", resource_metadata="${p.md}"`
    : `Bearer error="invalid_token", resource_metadata="${p.md}"`;
  for (const [name, run] of writes(p)) {
    const r = await run(token);
    const where = `${what}, ${name}: HTTP ${r.status} ${r.text}`;
    assert.equal(r.status, status, where);
    assert.equal(r.headers.get('www-authenticate'), challenge, where);
    if (name.startsWith('REST') || typeof r.json?.error === 'string') {
      assert.equal(r.json?.error, code, where);
    } else {
      assert.equal(r.json?.jsonrpc, '2.0', where);
      assert.equal(r.json?.id, r.id, where);
      assert.equal(r.json?.error?.message, code, where);
      assert.equal(r.json?.result, undefined, where);
    }
  }
  await assertUnchanged(p, what);
}

/** The records a read with token sees (asserting 200). */
async function read(p, token, what) {
  const r = await call(p, `/zones/${ZONE}/records`, { token });
  assert.equal(r.status, 200, `${what}: read: ${r.text}`);
  return r;
}

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');

/** A token's three parts, decoded where they are JSON. */
function parts(jwt) {
  const [h, pl, s] = jwt.split('.');
  const { header, payload } = decodeJwt(jwt);
  return { h, p: pl, s, header, payload };
}

/** One character of s at i replaced by another base64url character. */
function flip(s, i) {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

let configFile;
let main; // gatehouse with the second resource server, and its API
let short; // gatehouse whose access tokens live SHORT_TTL seconds, and its API

before(async () => {
  configFile = writeConfig();
  main = await platform('never_write', { config: configFile });
  const listing = await read(main, await main.writerToken(), 'first listing');
  main.target = listing.json.records.find((x) => x.name === 'www')?.id ?? listing.json.records[0].id;
  main.baseline = await snapshot(main);
  assert.ok(main.baseline.rows.length >= 4, 'the seed data is missing');
  assert.ok(main.baseline.listing.records.some((x) => x.id === main.target));
});

after(async () => {
  await main?.dispose();
  await short?.dispose();
  if (configFile) rmSync(path.dirname(configFile), { recursive: true, force: true });
});

describe('the positive control', () => {
  test('a dns:write token writes by REST and by MCP (JWT and opaque)', async () => {
    for (const client of ['writer', 'opaqueWriter']) {
      const tok = await main.token(client, 'dns:read dns:write');
      let r = await call(main, `/zones/${ZONE}/records`, { method: 'POST', token: tok, body: { ...EVIL, name: 'control' } });
      assert.equal(r.status, 201, `${client}: REST create: ${r.text}`);
      const id = r.json.id;
      r = await call(main, `/zones/${ZONE}/records/${id}`, { method: 'PUT', token: tok, body: { value: '192.0.2.67' } });
      assert.equal(r.status, 200, `${client}: REST update: ${r.text}`);
      assert.equal(r.json.value, '192.0.2.67');
      r = await call(main, `/zones/${ZONE}/records/${id}`, { method: 'DELETE', token: tok });
      assert.equal(r.status, 200, `${client}: REST delete: ${r.text}`);
      r = await tool(main, tok, 'create_record', { zone: ZONE, ...EVIL, name: 'control-mcp' });
      assert.equal(r.status, 200, `${client}: MCP create: ${r.text}`);
      assert.equal(r.json.result?.isError, false, r.text);
      const mid = r.json.result.structuredContent.id;
      let rows = (await snapshot(main)).rows;
      assert.ok(rows.some((x) => x.id === mid && x.name === 'control-mcp'), 'the MCP create is not in the database');
      r = await tool(main, tok, 'update_record', { zone: ZONE, id: mid, value: '192.0.2.68' });
      assert.equal(r.json.result?.isError, false, r.text);
      r = await tool(main, tok, 'delete_record', { zone: ZONE, id: mid });
      assert.equal(r.json.result?.isError, false, r.text);
      rows = (await snapshot(main)).rows;
      assert.ok(!rows.some((x) => x.id === mid), 'the MCP delete left the row');
      await assertUnchanged(main, `${client} after its own create and delete`);
    }
  });
});

describe('a valid dns:read token', () => {
  test('JWT and opaque, dns:read and dns:read logs:read: every write is 403 insufficient_scope', async () => {
    for (const client of ['reader', 'opaqueReader']) {
      for (const scope of ['dns:read', READ]) {
        const tok = await main.token(client, scope);
        await read(main, tok, `${client} ${scope}`);
        await assertNeverWrites(main, tok, 'insufficient_scope', `${client} ${scope}`);
      }
    }
  });
});

describe('tampered tokens: 401 invalid_token', () => {
  let jwt;
  let jwks;
  before(async () => {
    jwt = await main.token('reader', READ);
    await read(main, jwt, 'the untampered token');
    jwks = await (await fetch(`${main.srv.issuer}/.well-known/jwks.json`)).json();
  });

  test('the payload widened (scope dns:write, then also aud) under the kept signature', async () => {
    const t = parts(jwt);
    assert.deepEqual(scopes(t.payload.scope), scopes(READ));
    const wider = { ...t.payload, scope: WRITE };
    await assertNeverWrites(main, `${t.h}.${b64(wider)}.${t.s}`, 'invalid_token', 'scope widened');
    const aud = { ...wider, aud: [RESOURCE, OTHER] };
    await assertNeverWrites(main, `${t.h}.${b64(aud)}.${t.s}`, 'invalid_token', 'scope and aud widened');
    // a token for the other resource (it carries dns:write), re-addressed to this one
    const o = parts(await main.token('writer', 'dns:read dns:write', OTHER));
    assert.equal(o.payload.aud === OTHER || o.payload.aud?.includes?.(OTHER), true);
    await assertNeverWrites(main, `${o.h}.${b64({ ...o.payload, aud: RESOURCE })}.${o.s}`, 'invalid_token', 'aud rewritten');
  });

  test('alg none, and HS256 with a signature keyed by the public key', async () => {
    const t = parts(jwt);
    const wider = b64({ ...t.payload, scope: WRITE });
    for (const header of [{ ...t.header, alg: 'none' }, { alg: 'none', typ: 'at+jwt' }]) {
      await assertNeverWrites(main, `${b64(header)}.${wider}.`, 'invalid_token', `alg none ${JSON.stringify(header)}`);
      await assertNeverWrites(main, `${b64(header)}.${wider}.${t.s}`, 'invalid_token', 'alg none, old signature');
    }
    const jwk = jwks.keys.find((k) => k.kid === t.header.kid);
    assert.ok(jwk, `kid ${t.header.kid} is not in the JWKS`);
    const pub = createPublicKey({ key: jwk, format: 'jwk' });
    const secrets = [pub.export({ type: 'spki', format: 'pem' }), pub.export({ type: 'spki', format: 'der' }), JSON.stringify(jwk), JSON.stringify(jwks)];
    for (const secret of secrets) {
      const input = `${b64({ ...t.header, alg: 'HS256' })}.${wider}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      await assertNeverWrites(main, `${input}.${mac}`, 'invalid_token', 'HS256 keyed with the public key');
    }
  });

  test('the kid switched to another published key, and to an unknown one', async () => {
    const t = parts(jwt);
    const others = jwks.keys.filter((k) => k.kid !== t.header.kid).map((k) => k.kid);
    assert.ok(others.length >= 1, 'the JWKS has a single key: no other kid to switch to');
    for (const kid of [...others, 'no-such-key']) {
      await assertNeverWrites(main, `${b64({ ...t.header, kid })}.${t.p}.${t.s}`, 'invalid_token', `kid ${kid}`);
    }
  });

  test('the signature truncated or dropped', async () => {
    const t = parts(jwt);
    for (const s of [t.s.slice(0, -4), t.s.slice(0, -1), t.s.slice(0, t.s.length / 2), '']) {
      await assertNeverWrites(main, `${t.h}.${t.p}.${s}`, 'invalid_token', `signature of ${s.length} characters`);
    }
    await assertNeverWrites(main, `${t.h}.${t.p}`, 'invalid_token', 'no signature part');
  });

  test('an opaque token with one character changed', async () => {
    const tok = await main.token('opaqueReader', READ);
    assert.ok(!tok.includes('.'), 'not an opaque token');
    await read(main, tok, 'the untampered opaque token');
    assert.ok(tok.startsWith('gh_at_'), tok.slice(0, 6));
    const at = 'gh_at_'.length; // the first character of the selector
    for (const i of [at, at + 30, tok.length - 1]) {
      const bad = flip(tok, i);
      assert.notEqual(bad, tok);
      await assertNeverWrites(main, bad, 'invalid_token', `opaque token, character ${i} changed`);
    }
  });
});

describe('a token for another audience', () => {
  test(`resource=${OTHER} (which accepts dns:write): 401 invalid_token, JWT and opaque`, async () => {
    for (const client of ['writer', 'opaqueWriter']) {
      const tok = await main.token(client, 'dns:read dns:write', OTHER);
      if (client === 'writer') {
        const { payload } = decodeJwt(tok);
        assert.deepEqual(scopes(payload.scope), scopes('dns:read dns:write'));
        assert.ok(payload.aud === OTHER || (Array.isArray(payload.aud) && payload.aud.includes(OTHER) && !payload.aud.includes(RESOURCE)), JSON.stringify(payload.aud));
      }
      const r = await call(main, `/zones/${ZONE}/records`, { token: tok });
      assert.equal(r.status, 401, `${client}: a read with a foreign token: ${r.text}`);
      await assertNeverWrites(main, tok, 'invalid_token', `${client} for ${OTHER}`);
    }
  });
});

describe('an expired token', () => {
  before(async () => {
    short = await platform('never_write_short', { extraEnv: { GATEHOUSE_TTL_ACCESS_TOKEN: String(SHORT_TTL) } });
    const listing = await read(short, await short.writerToken(), 'first listing');
    short.target = listing.json.records[0].id;
    short.baseline = await snapshot(short);
  });

  test(`a read works before expiry (${SHORT_TTL} s + ${LEEWAY} s leeway); after it, writes are 401 invalid_token`, async () => {
    const toks = { jwt: await short.token('reader', READ), opaque: await short.token('opaqueReader', READ) };
    const { payload } = decodeJwt(toks.jwt);
    assert.ok(payload.exp - payload.iat <= SHORT_TTL, `the token lives ${payload.exp - payload.iat} s`);
    for (const tok of Object.values(toks)) await read(short, tok, 'before expiry');
    // poll the read until the API refuses it, with a deadline well past exp + leeway
    const deadline = Date.now() + (SHORT_TTL + LEEWAY + 15) * 1000;
    for (const [kind, tok] of Object.entries(toks)) {
      for (;;) {
        const r = await call(short, `/zones/${ZONE}/records`, { token: tok });
        if (r.status === 401) {
          assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
          break;
        }
        assert.equal(r.status, 200, `${kind}: ${r.text}`);
        assert.ok(Date.now() < deadline, `${kind}: still accepted after its expiry and the leeway`);
        await new Promise((res) => { setTimeout(res, 100); });
      }
      assert.ok(Date.now() / 1000 >= payload.exp, `${kind}: refused before it expired`);
      await assertNeverWrites(short, tok, 'invalid_token', `expired ${kind} token`);
    }
  });
});

describe('a token whose consent was revoked', () => {
  let users = 0;

  /** The real authorization code flow: a new user signs in on the built-in pages and grants
   *  grant on the consent page; resolves with { tokens, sub, ua }. */
  async function userToken(config, grant) {
    users += 1;
    const user = await main.srv.createUser(`reader${users}`, PASSWORD, { name: `Reader ${users}`, email: `reader${users}@example.test`, emailVerified: true });
    const ua = new UserAgent({ origin: main.srv.issuer });
    const res = await startFlow(config, ua, { user, scope: `openid ${grant}`, grant: ['openid', ...grant.split(' ')], params: { resource: RESOURCE } });
    assertCode(res, main.srv);
    assert.deepEqual(res.shown, ['login', 'consent']);
    const tokens = await exchange(config, res);
    assert.deepEqual(scopes(tokens.scope), scopes(`openid ${grant}`));
    return { tokens, sub: tokens.claims().sub, ua };
  }

  async function revokeByAdmin(sub, clientId) {
    const r = await main.srv.adminFetch(`/admin/oauth2/auth/sessions/consent?subject=${encodeURIComponent(sub)}&client=${encodeURIComponent(clientId)}`, { method: 'DELETE' });
    assert.equal(r.status, 204, await r.text());
  }

  async function revokeOnAccountPage(ua, clientId) {
    const page = await ua.request(`${main.srv.issuer}/ui/account`);
    assert.equal(page.status, 200);
    const form = page.forms.find((f) => f.inputs.some((i) => i.value === clientId) && f.buttons.some((b) => /revoke/i.test(`${b.text} ${b.value}`)));
    assert.ok(form, `no Revoke form for ${clientId}`);
    const b = form.buttons.find((x) => /revoke/i.test(`${x.text} ${x.value}`));
    const done = await ua.submit(page, form, { button: { name: b.name, value: b.value } });
    assert.ok(done.page.status < 400, `revoke answered HTTP ${done.page.status}`);
  }

  let jwtApp;
  let opaqueApp;
  before(async () => {
    const scope = 'openid dns:read dns:write logs:read';
    const jwtClient = await main.srv.createClient(webClient({ client_name: 'Zone Viewer', scope, access_token_strategy: 'jwt' }));
    const opaqueClient = await main.srv.createClient(webClient({ client_name: 'Zone Viewer (opaque)', scope, access_token_strategy: 'opaque' }));
    jwtApp = { client: jwtClient, config: await oidcConfig(main.srv, jwtClient) };
    opaqueApp = { client: opaqueClient, config: await oidcConfig(main.srv, opaqueClient) };
  });

  for (const [kind, how] of [['JWT', 'the admin API'], ['opaque', 'the account page']]) {
    test(`${kind} access token, dns:read logs:read granted, consent revoked through ${how}: writes are 401 at once`, async () => {
      const app = kind === 'JWT' ? jwtApp : opaqueApp;
      const { tokens, sub, ua } = await userToken(app.config, READ);
      const tok = tokens.access_token;
      assert.equal(tok.includes('.'), kind === 'JWT');
      // read once: the API has it verified (and, opaque, cached)
      await read(main, tok, 'before revocation');
      let r = await tool(main, tok, 'list_records', { zone: ZONE });
      assert.equal(r.status, 200, r.text);
      await assertNeverWrites(main, tok, 'insufficient_scope', `${kind} before revocation`);
      if (kind === 'JWT') await revokeByAdmin(sub, app.client.client_id);
      else await revokeOnAccountPage(ua, app.client.client_id);
      assert.equal((await main.srv.adminIntrospect(tok)).active, false, 'gatehouse still says active');
      // no waiting: the very next write is refused
      await assertNeverWrites(main, tok, 'invalid_token', `${kind} after revocation`);
      if (kind === 'opaque') {
        // the online check replaced the cached answer: reads are refused too
        r = await call(main, `/zones/${ZONE}/records`, { token: tok });
        assert.equal(r.status, 401, r.text);
      }
    });

    test(`${kind} access token with dns:write granted: writes until the consent is revoked through ${how}, then 401 at once`, async () => {
      const app = kind === 'JWT' ? jwtApp : opaqueApp;
      const { tokens, sub, ua } = await userToken(app.config, WRITE);
      const tok = tokens.access_token;
      let r = await call(main, `/zones/${ZONE}/records`, { method: 'POST', token: tok, body: { ...EVIL, name: 'granted' } });
      assert.equal(r.status, 201, `a write before revocation: ${r.text}`);
      r = await tool(main, tok, 'delete_record', { zone: ZONE, id: r.json.id });
      assert.equal(r.json.result?.isError, false, r.text);
      await assertUnchanged(main, `${kind} writer's own create and delete`);
      if (kind === 'JWT') await revokeByAdmin(sub, app.client.client_id);
      else await revokeOnAccountPage(ua, app.client.client_id);
      await assertNeverWrites(main, tok, 'invalid_token', `${kind} writer after revocation`);
    });
  }
});
