// Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), driven
// through oauth4webapi where it has a call for it and fetch otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  assertOAuthError, ccToken, discover, insecure, oauth, postForm, basic, readResponse,
} from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let as;

before(async () => {
  srv = await startServer({ name: 'registration' });
  as = await discover(srv);
});
after(async () => { await srv?.dispose(); });

async function register(metadata, headers = {}) {
  return readResponse(await fetch(as.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(metadata),
  }));
}

function manage(uri, token, init = {}) {
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(uri, { ...init, headers }).then(readResponse);
}

const CC = {
  client_name: 'e2e machine client',
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'dns:read logs:read',
};

describe('RFC 7591 registration', () => {
  let reg;

  test('confidential client_credentials client -> 201 with credentials', async () => {
    const resp = await oauth.dynamicClientRegistrationRequest(as, { ...CC, some_unknown_field: 'ignored', another: { x: 1 } }, insecure);
    assert.equal(resp.status, 201);
    assert.match(resp.headers.get('cache-control') ?? '', /no-store/i, 'registration response with a secret must not be cached');
    reg = await oauth.processDynamicClientRegistrationResponse(resp);
    assert.equal(typeof reg.client_id, 'string');
    assert.ok(reg.client_id.length > 0);
    assert.equal(typeof reg.client_secret, 'string');
    assert.ok(reg.client_secret.length >= 43, 'client secret shorter than 256 bits of base64url');
    assert.equal(typeof reg.registration_access_token, 'string');
    assert.equal(reg.registration_client_uri, `${srv.issuer}/oauth2/register/${encodeURIComponent(reg.client_id)}`);
    assert.deepEqual(reg.grant_types, ['client_credentials']);
    assert.equal(reg.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(reg.scope.split(' ').sort(), ['dns:read', 'logs:read']);
    assert.equal(reg.client_name, CC.client_name);
    assert.equal(typeof reg.client_id_issued_at, 'number');
    // SPEC: RFC7591 3.2.1 - client_secret_expires_at is REQUIRED when a secret is issued
    assert.equal(typeof reg.client_secret_expires_at, 'number');
    // SPEC: RFC7591 2 - unknown metadata is ignored
    assert.equal(reg.some_unknown_field, undefined);
    assert.equal(reg.another, undefined);
  });

  test('the registered client gets tokens, at most its registered scope', async () => {
    const t = await ccToken(as, reg);
    assert.deepEqual(t.scope.split(' ').sort(), ['dns:read', 'logs:read']);
    const wider = await postForm(as.token_endpoint, { grant_type: 'client_credentials', scope: 'dns:write' },
      { authorization: basic(reg.client_id, reg.client_secret) });
    assertOAuthError(wider, 400, 'invalid_scope');
  });

  test('RFC 7592 read with the registration access token (no secret in it)', async () => {
    const r = await manage(reg.registration_client_uri, reg.registration_access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.client_id, reg.client_id);
    assert.deepEqual(r.json.grant_types, ['client_credentials']);
    assert.equal(r.json.client_secret, undefined, 'read returned the client secret');
    assert.equal(r.json.scope.split(' ').sort().join(' '), 'dns:read logs:read');
  });

  test('RFC 7592 wrong or missing registration token -> 401', async () => {
    for (const tok of ['gh_rat_wrong', reg.client_secret, `${reg.registration_access_token}x`]) {
      const r = await manage(reg.registration_client_uri, tok);
      assert.equal(r.status, 401, `token ${tok.slice(0, 12)}...: ${r.text}`);
    }
    const none = await manage(reg.registration_client_uri, null);
    assert.equal(none.status, 401, none.text);
  });

  test('RFC 7592 a registration token does not open another client', async () => {
    const other = await register(CC);
    assert.equal(other.status, 201, other.text);
    const r = await manage(other.json.registration_client_uri, reg.registration_access_token);
    assert.ok(r.status === 401 || r.status === 403, `HTTP ${r.status}: ${r.text}`);
  });

  test('RFC 7592 update', async () => {
    const body = { ...CC, client_id: reg.client_id, client_name: 'renamed', scope: 'dns:read' };
    const r = await manage(reg.registration_client_uri, reg.registration_access_token, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.client_id, reg.client_id);
    assert.equal(r.json.client_name, 'renamed');
    assert.equal(r.json.scope, 'dns:read');
    const back = await manage(reg.registration_client_uri, r.json.registration_access_token ?? reg.registration_access_token);
    assert.equal(back.status, 200, back.text);
    assert.equal(back.json.client_name, 'renamed');
    if (r.json.registration_access_token) reg = { ...reg, registration_access_token: r.json.registration_access_token };
    if (r.json.client_secret) reg = { ...reg, client_secret: r.json.client_secret };
    // the narrowed scope holds at the token endpoint
    const t = await ccToken(as, reg);
    assert.equal(t.scope, 'dns:read');
    const wider = await postForm(as.token_endpoint, { grant_type: 'client_credentials', scope: 'logs:read' },
      { authorization: basic(reg.client_id, reg.client_secret) });
    assertOAuthError(wider, 400, 'invalid_scope');
  });

  test('RFC 7592 update with another client_id -> 400', async () => {
    const body = { ...CC, client_id: 'someone-else' };
    const r = await manage(reg.registration_client_uri, reg.registration_access_token, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.ok(r.status === 400 || r.status === 401 || r.status === 403, `HTTP ${r.status}: ${r.text}`);
    const back = await manage(reg.registration_client_uri, reg.registration_access_token);
    assert.equal(back.status, 200);
    assert.equal(back.json.client_id, reg.client_id);
  });

  test('RFC 7592 delete -> 204, then the token and the client are gone', async () => {
    const r = await manage(reg.registration_client_uri, reg.registration_access_token, { method: 'DELETE' });
    assert.equal(r.status, 204, r.text);
    const again = await manage(reg.registration_client_uri, reg.registration_access_token);
    assert.equal(again.status, 401, again.text);
    const tok = await postForm(as.token_endpoint, { grant_type: 'client_credentials' },
      { authorization: basic(reg.client_id, reg.client_secret) });
    assertOAuthError(tok, 401, 'invalid_client');
  });
});

describe('RFC 7591 validation', () => {
  const web = (redirect_uris, extra = {}) => ({
    client_name: 'web', grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', redirect_uris, scope: 'openid dns:read', ...extra,
  });

  test('confidential web client with an https redirect -> 201', async () => {
    const r = await register(web(['https://app.example.test/callback']));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.redirect_uris, ['https://app.example.test/callback']);
  });

  test('invalid_redirect_uri: http non-loopback, fragment, wildcard, relative', async () => {
    for (const uris of [
      ['http://app.example.test/callback'],
      ['https://app.example.test/callback#frag'],
      ['https://*.example.test/callback'],
      ['/callback'],
      ['https://app.example.test/ok', 'http://evil.example.test/cb'],
    ]) {
      const r = await register(web(uris));
      assertOAuthError(r, 400, 'invalid_redirect_uri');
    }
  });

  test('invalid_client_metadata: unknown scope', async () => {
    const r = await register({ ...CC, scope: 'dns:read nope:nope' });
    assertOAuthError(r, 400, 'invalid_client_metadata');
  });

  test('invalid_client_metadata: implicit and password grants', async () => {
    for (const g of ['implicit', 'password']) {
      const r = await register({ ...CC, grant_types: [g] });
      assertOAuthError(r, 400, 'invalid_client_metadata');
    }
  });

  test('invalid_client_metadata: wrong types', async () => {
    for (const extra of [{ grant_types: 'client_credentials' }, { scope: 42 }, { token_endpoint_auth_method: 'magic' }, { redirect_uris: 'https://x.example.test/' }]) {
      const r = await register({ ...CC, ...extra });
      assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
      assert.ok(['invalid_client_metadata', 'invalid_redirect_uri'].includes(r.json?.error), r.text);
    }
  });

  test('public client with a loopback http redirect -> 201 without a secret', async () => {
    const r = await register({
      client_name: 'native app',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]:8080/cb', 'http://localhost/cb'],
      scope: 'openid dns:read',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.token_endpoint_auth_method, 'none');
    assert.ok(!r.json.client_secret, 'public client got a client_secret');
    assert.ok(r.json.registration_access_token);
  });

  test('public client with a private-use scheme redirect -> 201', async () => {
    const r = await register({
      client_name: 'native app 2', grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'none', redirect_uris: ['com.example.app:/oauth2redirect'], scope: 'dns:read',
    });
    assert.equal(r.status, 201, r.text);
  });

  test('a public client may not use client_credentials', async () => {
    const r = await register({ ...CC, token_endpoint_auth_method: 'none' });
    assertOAuthError(r, 400, 'invalid_client_metadata');
  });

  test('a client_id in the registration request is not honoured', async () => {
    const r = await register({ ...CC, client_id: 'chosen-by-attacker' });
    if (r.status === 201) assert.notEqual(r.json.client_id, 'chosen-by-attacker');
    else assertOAuthError(r, 400, 'invalid_client_metadata');
  });

  test('wrong Content-Type -> 4xx JSON', async () => {
    const r = await readResponse(await fetch(as.registration_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_name=x',
    }));
    assert.ok(r.status >= 400 && r.status < 500, r.text);
    assert.ok(r.json && typeof r.json.error === 'string', r.text);
  });
});
