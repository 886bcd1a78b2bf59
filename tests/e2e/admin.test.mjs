// The admin API on the admin listener (Hydra-style /admin/clients with paging) and key
// rotation: after `gatehouse keys rotate` the JWKS publishes the new key and tokens signed
// with the old one still verify.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as jose from 'jose';

import { ccToken, decodeJwt, discover, readResponse } from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let as;

before(async () => {
  srv = await startServer({ name: 'admin' });
  as = await discover(srv);
});
after(async () => { await srv?.dispose(); });

const json = { 'content-type': 'application/json' };
const admin = (p, init, opts) => srv.adminFetch(p, init, opts).then(readResponse);
const CC = { grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' };

/** The URL of the Link header's rel="next", or null. */
function nextLink(link) {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;(.*)/);
    if (m && /rel="?next"?/.test(m[2])) return m[1];
  }
  return null;
}

describe('admin clients API', () => {
  test('no admin key or a wrong one -> 401', async () => {
    for (const key of [null, 'wrong-key-wrong-key', `${srv.adminKey}x`, srv.adminKey.slice(0, -1)]) {
      const r = await admin('/admin/clients', {}, { key });
      assert.equal(r.status, 401, `key ${key}: ${r.text}`);
      const p = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify(CC) }, { key });
      assert.equal(p.status, 401, p.text);
    }
    const basicAuth = await admin('/admin/clients', { headers: { authorization: `Basic ${Buffer.from(`admin:${srv.adminKey}`).toString('base64')}` } });
    assert.equal(basicAuth.status, 401);
  });

  test('the admin API is not on the public listener', async () => {
    const r = await readResponse(await fetch(`${srv.issuer}/admin/clients`, { headers: { authorization: `Bearer ${srv.adminKey}` } }));
    assert.equal(r.status, 404, r.text);
  });

  test('create keeps the client_id and returns the secret once', async () => {
    const r = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: 'admin-made', client_name: 'Admin made' }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.client_id, 'admin-made');
    assert.equal(r.json.client_name, 'Admin made');
    assert.equal(typeof r.json.client_secret, 'string');
    const t = await ccToken(as, r.json);
    assert.equal(t.scope, 'dns:read');
    const got = await admin('/admin/clients/admin-made');
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.client_id, 'admin-made');
    assert.equal(got.json.client_secret, undefined, 'GET returned the secret');
    assert.deepEqual(got.json.grant_types, ['client_credentials']);
  });

  test('create with an existing client_id -> 409', async () => {
    const r = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: 'dup-id' }) });
    assert.equal(r.status, 201, r.text);
    const again = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: 'dup-id' }) });
    assert.equal(again.status, 409, again.text);
    assert.equal(typeof again.json?.error, 'string');
  });

  test('create with invalid metadata -> 400', async () => {
    for (const bad of [{ ...CC, scope: 'nope:nope' }, { ...CC, grant_types: ['password'] }, '{', '[]']) {
      const r = await admin('/admin/clients', { method: 'POST', headers: json, body: typeof bad === 'string' ? bad : JSON.stringify(bad) });
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
      assert.equal(typeof r.json?.error, 'string');
    }
  });

  test('list with paging (page_size, Link rel=next)', async () => {
    const ids = [];
    for (let i = 0; i < 7; i += 1) {
      const id = `page-${String(i).padStart(2, '0')}`;
      const r = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: id }) });
      assert.equal(r.status, 201, r.text);
      ids.push(id);
    }
    const seen = [];
    let url = `${srv.admin}/admin/clients?page_size=2`;
    let pages = 0;
    while (url) {
      const abs = new URL(url, srv.admin);
      assert.equal(abs.origin, srv.admin, `Link points elsewhere: ${url}`);
      const r = await admin(`${abs.pathname}${abs.search}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(Array.isArray(r.json), `list is not an array: ${r.text}`);
      assert.ok(r.json.length <= 2, `page of ${r.json.length} with page_size=2`);
      for (const c of r.json) {
        assert.equal(c.client_secret, undefined, 'list returned a secret');
        seen.push(c.client_id);
      }
      pages += 1;
      assert.ok(pages < 100, 'paging does not end');
      url = nextLink(r.headers.get('link'));
      if (url) assert.equal(r.json.length, 2, 'a page before the last one is not full');
    }
    assert.ok(pages >= 4, `only ${pages} pages for >= 7 clients with page_size=2`);
    assert.equal(new Set(seen).size, seen.length, `a client listed twice: ${seen}`);
    for (const id of ids) assert.ok(seen.includes(id), `${id} not listed`);
  });

  test('list rejects a bad page_size', async () => {
    for (const q of ['page_size=0', 'page_size=-1', 'page_size=abc', 'page_size=100000', 'page_token=%%%']) {
      const r = await admin(`/admin/clients?${q}`);
      assert.ok(r.status === 400 || (r.status === 200 && Array.isArray(r.json) && r.json.length <= 500), `${q}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  test('update', async () => {
    const c = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: 'to-update', scope: 'dns:read logs:read' }) });
    assert.equal(c.status, 201, c.text);
    const r = await admin('/admin/clients/to-update', { method: 'PUT', headers: json, body: JSON.stringify({ ...CC, client_id: 'to-update', client_name: 'Updated', scope: 'logs:read' }) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.client_name, 'Updated');
    assert.equal(r.json.scope, 'logs:read');
    const got = await admin('/admin/clients/to-update');
    assert.equal(got.json.client_name, 'Updated');
    assert.equal(got.json.scope, 'logs:read');
    // the old secret keeps working (an update without client_secret does not change it)
    const t = await ccToken(as, { ...c.json, client_secret: r.json.client_secret ?? c.json.client_secret });
    assert.equal(t.scope, 'logs:read');
  });

  test('delete -> 204, then 404; unknown ids -> 404', async () => {
    const c = await admin('/admin/clients', { method: 'POST', headers: json, body: JSON.stringify({ ...CC, client_id: 'to-delete' }) });
    assert.equal(c.status, 201, c.text);
    const d = await admin('/admin/clients/to-delete', { method: 'DELETE' });
    assert.equal(d.status, 204, d.text);
    assert.equal(d.text, '');
    for (const [method, body] of [['GET'], ['DELETE'], ['PUT', JSON.stringify({ ...CC, client_id: 'to-delete' })]]) {
      const r = await admin('/admin/clients/to-delete', { method, headers: body ? json : {}, body });
      assert.equal(r.status, 404, `${method}: ${r.text}`);
      assert.equal(typeof r.json?.error, 'string');
    }
    const t = await fetch(as.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`to-delete:${c.json.client_secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    assert.equal(t.status, 401);
    await t.arrayBuffer();
    const weird = await admin(`/admin/clients/${encodeURIComponent('no such/client')}`);
    assert.equal(weird.status, 404, weird.text);
  });
});

describe('keys', () => {
  test('gatehouse keys rotate: new key published, old tokens still verify', async () => {
    const c = await srv.createClient({ ...CC, client_name: 'keys', access_token_strategy: 'jwt' });
    const before = await (await fetch(as.jwks_uri)).json();
    const oldKids = new Set(before.keys.map((k) => k.kid));
    const oldToken = (await ccToken(as, c)).access_token;
    const oldKid = decodeJwt(oldToken).header.kid;
    assert.ok(oldKids.has(oldKid), 'the signing key is not in the JWKS');

    const r = await srv.cli(['keys', 'rotate']);
    assert.equal(r.code, 0, `keys rotate: exit ${r.code}: ${r.stderr}`);

    // The server may cache the key set briefly: poll until the rotation shows (bounded).
    let after;
    let newToken;
    const deadline = Date.now() + 25000; // the key set is reloaded every 10 s
    for (;;) {
      newToken = (await ccToken(as, c)).access_token;
      if (decodeJwt(newToken).header.kid !== oldKid) break;
      assert.ok(Date.now() < deadline, 'tokens are still signed with the old key 25 s after keys rotate');
      await new Promise((res) => setTimeout(res, 100));
    }
    after = await (await fetch(as.jwks_uri)).json();
    // The key that signs after the rotation was published before it: it was in the JWKS
    // fetched before the rotation already.
    assert.ok(oldKids.has(decodeJwt(newToken).header.kid), 'the new signing key was not published before it signed');
    const newKids = new Set(after.keys.map((k) => k.kid));
    const newKid = decodeJwt(newToken).header.kid;
    assert.ok(newKids.has(newKid), 'the new signing key is not published');
    assert.ok(newKids.has(oldKid), 'the old key was withdrawn while its tokens are valid');
    for (const k of after.keys) assert.ok(!('d' in k), 'private key published');

    const jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
    const opts = { issuer: srv.issuer, typ: 'at+jwt', algorithms: ['ES256'] };
    const a = await jose.jwtVerify(oldToken, jwks, opts);
    assert.equal(a.protectedHeader.kid, oldKid);
    const b = await jose.jwtVerify(newToken, jwks, opts);
    assert.equal(b.protectedHeader.kid, newKid);
  });

  test('keys rotate --help', async () => {
    const r = await srv.cli(['keys', 'rotate', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((r.stdout + r.stderr).length > 0);
  });
});
