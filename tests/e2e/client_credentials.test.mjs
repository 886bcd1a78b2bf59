// client_credentials (RFC 6749 4.4) with every client authentication method, and the
// access tokens it issues: RFC 9068 JWTs verified independently with jose against the JWKS,
// opaque tokens, scope narrowing and resource indicators (RFC 8707).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as jose from 'jose';

import {
  assertOAuthError, basic, ccToken, decodeJwt, discover, insecure, oauth, postForm,
} from './lib/oauth.mjs';
import { RESOURCE, startServer } from './lib/server.mjs';

let srv;
let as;
let jwks;
let basicClient; // jwt strategy, client_secret_basic
let postClient; // jwt strategy, client_secret_post
let opaqueClient; // opaque strategy
let oddClient; // client_id with characters that must be form-urlencoded inside Basic

const SCOPE = 'dns:read logs:read';

before(async () => {
  srv = await startServer({ name: 'client_credentials' });
  as = await discover(srv);
  jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
  const base = { grant_types: ['client_credentials'], response_types: [], scope: SCOPE };
  basicClient = await srv.createClient({ ...base, client_name: 'cc basic', token_endpoint_auth_method: 'client_secret_basic', access_token_strategy: 'jwt' });
  postClient = await srv.createClient({ ...base, client_name: 'cc post', token_endpoint_auth_method: 'client_secret_post', access_token_strategy: 'jwt' });
  opaqueClient = await srv.createClient({ ...base, client_name: 'cc opaque', token_endpoint_auth_method: 'client_secret_basic', access_token_strategy: 'opaque' });
});
after(async () => { await srv?.dispose(); });

async function verifyAt(token, client, { audience } = {}) {
  // SPEC: RFC9068 4 - validate typ at+jwt, iss, aud, signature with the AS keys
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: srv.issuer,
    typ: 'at+jwt',
    algorithms: ['ES256'],
    ...(audience ? { audience } : {}),
  });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(protectedHeader.typ.toLowerCase(), 'at+jwt');
  assert.equal(typeof protectedHeader.kid, 'string');
  // SPEC: RFC9068 2.2 - required claims
  for (const c of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
    assert.ok(payload[c] !== undefined, `claim ${c} missing: ${JSON.stringify(payload)}`);
  }
  assert.equal(payload.client_id, client.client_id);
  // SPEC: RFC9068 2.2 - without a resource owner, sub identifies the client
  assert.equal(payload.sub, client.client_id);
  assert.ok(payload.exp > payload.iat, 'exp not after iat');
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, 'iat far from now');
  assert.ok(typeof payload.jti === 'string' && payload.jti.length >= 16, 'jti too short');
  return payload;
}

function assertScope(got, want) {
  assert.deepEqual((got ?? '').split(' ').filter(Boolean).sort(), want.split(' ').filter(Boolean).sort());
}

describe('client_credentials', () => {
  test('client_secret_basic through oauth4webapi -> verified RFC 9068 JWT', async () => {
    const t = await ccToken(as, basicClient, { scope: SCOPE });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    assert.ok(t.expires_in > 0 && t.expires_in <= 86400);
    assertScope(t.scope, SCOPE);
    assert.equal(t.refresh_token, undefined, 'client_credentials must not issue a refresh token');
    const p = await verifyAt(t.access_token, basicClient);
    assertScope(p.scope, SCOPE);
    assert.ok(Math.abs(p.exp - p.iat - t.expires_in) <= 2, 'expires_in does not match exp - iat');
  });

  test('two tokens have different jti', async () => {
    const a = decodeJwt((await ccToken(as, basicClient)).access_token).payload;
    const b = decodeJwt((await ccToken(as, basicClient)).access_token).payload;
    assert.notEqual(a.jti, b.jti);
  });

  test('client_secret_post', async () => {
    const t = await ccToken(as, postClient, { scope: 'dns:read' });
    const p = await verifyAt(t.access_token, postClient);
    assertScope(p.scope, 'dns:read');
  });

  test('client_secret_basic with a client_id that needs form-urlencoding', async () => {
    // A client_id with ':' ' ' '+' '%', each of which RFC 6749 2.3.1's form-urlencoding changes.
    const wantId = 'svc:a b+c%d';
    const r = await srv.cli(['clients', 'create', '--from-json', '-'], {
      input: JSON.stringify({ client_id: wantId, grant_types: ['client_credentials'], response_types: [], scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' }),
    });
    assert.equal(r.code, 0, `client_id ${JSON.stringify(wantId)} refused: ${r.stderr}`);
    oddClient = JSON.parse(r.stdout);
    assert.equal(oddClient.client_id, wantId, 'client_id from the JSON was not kept');
    // oauth4webapi form-urlencodes id and secret before base64 (RFC 6749 2.3.1)
    const tok = await ccToken(as, oddClient);
    const p = await verifyAt(tok.access_token, oddClient);
    assert.equal(p.client_id, wantId);
    // and the same by hand, to be sure of the encoding on the wire
    const byHand = await postForm(as.token_endpoint, { grant_type: 'client_credentials' },
      { authorization: basic(oddClient.client_id, oddClient.client_secret) });
    assert.equal(byHand.status, 200, byHand.text);
  });

  test('secret sent the wrong way (post for a basic client) is refused', async () => {
    const r = await postForm(as.token_endpoint, {
      grant_type: 'client_credentials', client_id: basicClient.client_id, client_secret: basicClient.client_secret,
    });
    assertOAuthError(r, 401, 'invalid_client');
  });

  test('opaque strategy', async () => {
    const t = await ccToken(as, opaqueClient);
    assert.match(t.access_token, /^gh_at_[A-Za-z0-9_-]{43,}$/);
    assert.ok(!t.access_token.includes('.'), 'opaque token looks like a JWT');
    assertScope(t.scope, SCOPE);
  });

  test('scope narrower than registered', async () => {
    const t = await ccToken(as, basicClient, { scope: 'logs:read' });
    assertScope(t.scope, 'logs:read');
    assertScope((await verifyAt(t.access_token, basicClient)).scope, 'logs:read');
  });

  test('scope wider than registered -> invalid_scope', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials', scope: 'dns:read dns:write' },
      { authorization: basic(basicClient.client_id, basicClient.client_secret) });
    assertOAuthError(r, 400, 'invalid_scope');
  });

  test('scope not in the catalog -> invalid_scope', async () => {
    const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials', scope: 'dns:read nope:nope' },
      { authorization: basic(basicClient.client_id, basicClient.client_secret) });
    assertOAuthError(r, 400, 'invalid_scope');
  });

  test('no scope -> the client\'s registered scope', async () => {
    const t = await ccToken(as, basicClient);
    assertScope(t.scope, SCOPE);
    assertScope((await verifyAt(t.access_token, basicClient)).scope, SCOPE);
  });

  test('resource=https://api.example.test -> aud is the resource', async () => {
    const t = await ccToken(as, basicClient, { resource: RESOURCE, scope: 'dns:read' });
    const p = await verifyAt(t.access_token, basicClient, { audience: RESOURCE });
    const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
    assert.deepEqual(aud, [RESOURCE]);
  });

  test('unknown resource -> invalid_target', async () => {
    for (const resource of ['https://unknown.example.test', 'https://api.example.test/other', 'not a uri']) {
      const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials', resource },
        { authorization: basic(basicClient.client_id, basicClient.client_secret) });
      assertOAuthError(r, 400, 'invalid_target');
    }
  });
});

describe('private_key_jwt', () => {
  let pkClient;
  let privateKey;
  const kid = 'e2e-key-1';

  before(async () => {
    const kp = await jose.generateKeyPair('ES256', { extractable: true });
    privateKey = kp.privateKey;
    const pub = await jose.exportJWK(kp.publicKey);
    pkClient = await srv.createClient({
      client_name: 'pkjwt',
      grant_types: ['client_credentials'],
      response_types: [],
      scope: SCOPE,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...pub, kid, alg: 'ES256', use: 'sig' }] },
    });
  });

  test('a private_key_jwt client cannot authenticate with a secret', async () => {
    // whether or not a secret was printed, only the registered method may authenticate
    for (const secret of [pkClient.client_secret, 'guess-guess-guess'].filter(Boolean)) {
      const r = await postForm(as.token_endpoint, { grant_type: 'client_credentials' },
        { authorization: basic(pkClient.client_id, secret) });
      assertOAuthError(r, 401, 'invalid_client');
      const p = await postForm(as.token_endpoint, { grant_type: 'client_credentials', client_id: pkClient.client_id, client_secret: secret });
      assertOAuthError(p, 401, 'invalid_client');
    }
  });

  const auth = (modify) => oauth.PrivateKeyJwt({ key: privateKey, kid },
    modify ? { [oauth.modifyAssertion]: modify } : undefined);

  test('assertion with aud = issuer (oauth4webapi default)', async () => {
    const t = await ccToken(as, pkClient, { scope: 'dns:read' }, auth());
    const p = await verifyAt(t.access_token, pkClient);
    assertScope(p.scope, 'dns:read');
  });

  test('assertion with aud = token endpoint', async () => {
    const t = await ccToken(as, pkClient, {}, auth((h, p) => { p.aud = as.token_endpoint; }));
    assert.ok(t.access_token);
  });

  test('replayed jti -> 401 invalid_client', async () => {
    const jti = `replay-${Date.now()}-${Math.random()}`;
    const fixed = auth((h, p) => { p.jti = jti; });
    const first = await oauth.clientCredentialsGrantRequest(as, pkClient, fixed, new URLSearchParams(), insecure);
    assert.equal(first.status, 200, await first.clone().text());
    await first.arrayBuffer();
    const second = await oauth.clientCredentialsGrantRequest(as, pkClient, fixed, new URLSearchParams(), insecure);
    const body = await second.json();
    assert.equal(second.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
  });

  test('wrong aud -> 401 invalid_client', async () => {
    const r = await oauth.clientCredentialsGrantRequest(as, pkClient,
      auth((h, p) => { p.aud = 'https://elsewhere.example.test'; }), new URLSearchParams(), insecure);
    const body = await r.json();
    assert.equal(r.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
  });

  test('expired assertion -> 401 invalid_client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await oauth.clientCredentialsGrantRequest(as, pkClient,
      auth((h, p) => { p.iat = now - 600; p.nbf = now - 600; p.exp = now - 300; }), new URLSearchParams(), insecure);
    const body = await r.json();
    assert.equal(r.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
  });

  test('assertion signed by another key -> 401 invalid_client', async () => {
    const other = await jose.generateKeyPair('ES256');
    const r = await oauth.clientCredentialsGrantRequest(as, pkClient,
      oauth.PrivateKeyJwt({ key: other.privateKey, kid }), new URLSearchParams(), insecure);
    const body = await r.json();
    assert.equal(r.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
  });

  test('alg none / HS256 assertion -> 401 invalid_client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: pkClient.client_id, sub: pkClient.client_id, aud: srv.issuer, jti: `n-${now}-${Math.random()}`, iat: now, exp: now + 60 };
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const hs = await new jose.SignJWT({ ...claims, jti: `h-${now}-${Math.random()}` })
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
    for (const assertion of [none, hs]) {
      const r = await postForm(as.token_endpoint, {
        grant_type: 'client_credentials',
        client_id: pkClient.client_id,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      assertOAuthError(r, 401, 'invalid_client');
    }
  });
});
