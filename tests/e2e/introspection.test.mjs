// Token introspection (RFC 7662): who may introspect what (the client itself, the resource
// server a token is for, the admin), and the claims of an active token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  basic, ccToken, discover, introspect, postForm, readResponse, revoke,
} from './lib/oauth.mjs';
import { RESOURCE, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

let srv;
let as;
let jwtClient;
let opaqueClient;
let otherClient;
let rsClient; // demo-api, the client that represents https://api.example.test

const SCOPE = 'dns:read logs:read';

before(async () => {
  srv = await startServer({ name: 'introspection' });
  as = await discover(srv);
  const base = { grant_types: ['client_credentials'], response_types: [], scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' };
  jwtClient = await srv.createClient({ ...base, client_name: 'intro jwt', access_token_strategy: 'jwt' });
  opaqueClient = await srv.createClient({ ...base, client_name: 'intro opaque', access_token_strategy: 'opaque' });
  otherClient = await srv.createClient({ ...base, client_name: 'intro other' });
  rsClient = await srv.createClient({ ...base, client_id: RESOURCE_CLIENT_ID, client_name: 'Demo API', scope: 'dns:read' });
  assert.equal(rsClient.client_id, RESOURCE_CLIENT_ID);
});
after(async () => { await srv?.dispose(); });

function checkActive(r, client, { scope = SCOPE, aud } = {}) {
  assert.equal(r.active, true, JSON.stringify(r));
  assert.deepEqual(r.scope.split(' ').sort(), scope.split(' ').sort());
  assert.equal(r.client_id, client.client_id);
  assert.equal(r.sub, client.client_id);
  assert.ok(r.aud !== undefined, 'aud missing');
  if (aud) assert.deepEqual(Array.isArray(r.aud) ? r.aud : [r.aud], [aud]);
  assert.equal(typeof r.exp, 'number');
  assert.equal(typeof r.iat, 'number');
  assert.ok(r.exp > Date.now() / 1000, 'exp in the past');
  assert.ok(r.exp > r.iat);
  assert.equal(String(r.token_type).toLowerCase(), 'bearer');
  if (r.iss !== undefined) assert.equal(r.iss, srv.issuer);
  assert.ok(r.catalog_version !== undefined && r.catalog_version !== null, `catalog_version missing: ${JSON.stringify(r)}`);
}

for (const kind of ['jwt', 'opaque']) {
  describe(`introspection of ${kind} tokens`, () => {
    const owner = () => (kind === 'jwt' ? jwtClient : opaqueClient);

    test('own token -> active with its claims', async () => {
      const t = await ccToken(as, owner());
      if (kind === 'opaque') assert.ok(!t.access_token.includes('.'));
      else assert.equal(t.access_token.split('.').length, 3);
      checkActive(await introspect(as, owner(), t.access_token), owner());
    });

    test('with token_type_hint (right, wrong) still found', async () => {
      const t = await ccToken(as, owner());
      for (const hint of ['access_token', 'refresh_token']) {
        const r = await postForm(as.introspection_endpoint, { token: t.access_token, token_type_hint: hint },
          { authorization: basic(owner().client_id, owner().client_secret) });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.active, true, `hint ${hint}: ${r.text}`);
      }
    });

    test('another client -> active:false and nothing else', async () => {
      const t = await ccToken(as, owner());
      const r = await introspect(as, otherClient, t.access_token);
      assert.deepEqual(r, { active: false });
    });

    test('the resource server of the token\'s audience -> active', async () => {
      const t = await ccToken(as, owner(), { resource: RESOURCE, scope: 'dns:read' });
      checkActive(await introspect(as, rsClient, t.access_token), owner(), { scope: 'dns:read', aud: RESOURCE });
    });

    test('the resource server for a token not meant for it -> active:false', async () => {
      const t = await ccToken(as, owner());
      const r = await introspect(as, rsClient, t.access_token);
      assert.deepEqual(r, { active: false });
    });

    test('revoked -> active:false', async () => {
      const t = await ccToken(as, owner());
      await revoke(as, owner(), t.access_token);
      assert.deepEqual(await introspect(as, owner(), t.access_token), { active: false });
    });

    test('admin introspection with the admin key', async () => {
      const t = await ccToken(as, owner(), { resource: RESOURCE });
      const r = await readResponse(await srv.adminFetch('/admin/oauth2/introspect', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t.access_token }).toString(),
      }));
      assert.equal(r.status, 200, r.text);
      checkActive(r.json, owner(), { aud: RESOURCE });
    });
  });
}

describe('introspection edge cases', () => {
  test('unknown and malformed tokens -> active:false', async () => {
    const bad = [
      'gh_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'gh_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.AAAA',
      'not-a-token',
      'a.b.c',
      'x'.repeat(5000),
      '%%%',
    ];
    for (const token of bad) {
      const r = await postForm(as.introspection_endpoint, { token },
        { authorization: basic(jwtClient.client_id, jwtClient.client_secret) });
      assert.equal(r.status, 200, `${token.slice(0, 20)}: HTTP ${r.status} ${r.text}`);
      assert.deepEqual(r.json, { active: false }, token.slice(0, 20));
    }
  });

  test('a JWT signed by someone else -> active:false', async () => {
    const t = await ccToken(as, jwtClient);
    const [h, p] = t.access_token.split('.');
    const forged = `${h}.${p}.${Buffer.alloc(64, 7).toString('base64url')}`;
    const r = await introspect(as, jwtClient, forged);
    assert.deepEqual(r, { active: false });
  });

  test('missing token parameter -> 400 invalid_request', async () => {
    const r = await postForm(as.introspection_endpoint, {},
      { authorization: basic(jwtClient.client_id, jwtClient.client_secret) });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_request');
  });

  test('unauthenticated -> 401', async () => {
    const t = await ccToken(as, jwtClient);
    const r = await postForm(as.introspection_endpoint, { token: t.access_token });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'invalid_client');
    const wrong = await postForm(as.introspection_endpoint, { token: t.access_token },
      { authorization: basic(jwtClient.client_id, 'wrong-secret') });
    assert.equal(wrong.status, 401, wrong.text);
    // a token is not a credential for the introspection endpoint
    const bearer = await postForm(as.introspection_endpoint, { token: t.access_token },
      { authorization: `Bearer ${t.access_token}` });
    assert.equal(bearer.status, 401, bearer.text);
  });

  test('admin introspection without or with a wrong admin key -> 401', async () => {
    const t = await ccToken(as, jwtClient);
    const body = new URLSearchParams({ token: t.access_token }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const none = await srv.adminFetch('/admin/oauth2/introspect', { method: 'POST', headers, body }, { key: null });
    assert.equal(none.status, 401, await none.text());
    const wrong = await srv.adminFetch('/admin/oauth2/introspect', { method: 'POST', headers, body }, { key: `${srv.adminKey}x` });
    assert.equal(wrong.status, 401, await wrong.text());
  });

  test('admin introspection is not on the public listener', async () => {
    const r = await fetch(`${srv.issuer}/admin/oauth2/introspect`, {
      method: 'POST', headers: { authorization: `Bearer ${srv.adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    });
    await r.arrayBuffer();
    assert.equal(r.status, 404);
  });
});
