// Discovery: RFC 8414 and OpenID Connect Discovery 1.0 metadata, and the JWKS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { discover, readResponse } from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => { srv = await startServer({ name: 'discovery' }); });
after(async () => { await srv?.dispose(); });

async function getJson(url) {
  const r = await readResponse(await fetch(url));
  assert.equal(r.status, 200, `${url}: HTTP ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/(json|jwk-set\+json)/i, url);
  assert.ok(r.json, `${url}: not JSON`);
  return r;
}

const DOCS = [
  { name: 'openid-configuration', path: '/.well-known/openid-configuration', oidc: true },
  { name: 'oauth-authorization-server', path: '/.well-known/oauth-authorization-server', oidc: false },
];

describe('discovery', () => {
  for (const doc of DOCS) {
    describe(doc.path, () => {
      let md;
      before(async () => { md = (await getJson(`${srv.issuer}${doc.path}`)).json; });

      test('issuer exact, core endpoints', () => {
        // SPEC: RFC8414 3.3 - issuer MUST be identical to the issuer identifier
        assert.equal(md.issuer, srv.issuer);
        const base = srv.issuer;
        assert.equal(md.token_endpoint, `${base}/oauth2/token`);
        assert.equal(md.jwks_uri, `${base}/.well-known/jwks.json`);
        assert.equal(md.introspection_endpoint, `${base}/oauth2/introspect`);
        assert.equal(md.revocation_endpoint, `${base}/oauth2/revoke`);
        assert.equal(md.registration_endpoint, `${base}/oauth2/register`);
      });

      test('grant types: client_credentials, never implicit or password', () => {
        assert.ok(Array.isArray(md.grant_types_supported), 'grant_types_supported missing');
        assert.ok(md.grant_types_supported.includes('client_credentials'));
        // SPEC: OAuth 2.1 - the implicit and password grants are removed; never advertised
        assert.ok(!md.grant_types_supported.includes('implicit'), 'implicit advertised');
        assert.ok(!md.grant_types_supported.includes('password'), 'password advertised');
        for (const rt of md.response_types_supported ?? []) {
          assert.ok(!rt.split(' ').includes('token'), `implicit response type ${rt} advertised`);
        }
      });

      test('PKCE: no plain', () => {
        // SPEC: OAuth 2.1 4.1.1 - plain is not allowed
        assert.ok(!(md.code_challenge_methods_supported ?? []).includes('plain'), 'PKCE plain advertised');
      });

      test('client authentication methods and the scope catalog', () => {
        for (const m of ['client_secret_basic', 'client_secret_post', 'private_key_jwt']) {
          assert.ok(md.token_endpoint_auth_methods_supported?.includes(m), `${m} not advertised`);
        }
        assert.ok(!(md.token_endpoint_auth_signing_alg_values_supported ?? []).includes('none'), 'alg none advertised');
        for (const s of ['dns:read', 'dns:write', 'logs:read', 'settings:write']) {
          assert.ok(md.scopes_supported?.includes(s), `catalog scope ${s} not in scopes_supported`);
        }
      });

      test('lists exactly the endpoints that exist', async () => {
        // Every advertised endpoint is served; none is advertised before it exists.
        for (const [k, v] of Object.entries(md)) {
          if (!k.endsWith('_endpoint') && k !== 'jwks_uri') continue;
          const r = await fetch(v, { method: k === 'jwks_uri' ? 'GET' : 'POST' });
          assert.notEqual(r.status, 404, `${k} ${v} answers 404`);
          assert.ok(r.status < 500, `${k} ${v} answers ${r.status}`);
        }
        if (md.authorization_endpoint === undefined) {
          assert.deepEqual(md.response_types_supported, []);
          assert.ok(!md.grant_types_supported.includes('authorization_code'));
        }
      });

      if (doc.oidc) {
        test('OpenID Connect: subject types, ID token algs', () => {
          // SPEC: OIDC Discovery 3 - RS256 MUST be supported for ID tokens
          assert.ok(Array.isArray(md.subject_types_supported) && md.subject_types_supported.length > 0);
          assert.ok(md.id_token_signing_alg_values_supported?.includes('RS256'));
          assert.ok(md.scopes_supported.includes('openid'));
        });
      }
    });
  }

  test('oauth4webapi accepts both documents', async () => {
    const as1 = await discover(srv, 'oauth2');
    const as2 = await discover(srv, 'oidc');
    assert.equal(as1.issuer, srv.issuer);
    assert.equal(as2.issuer, srv.issuer);
  });

  test('JWKS serves only public keys', async () => {
    const r = await getJson(`${srv.issuer}/.well-known/jwks.json`);
    const { keys } = r.json;
    assert.ok(Array.isArray(keys) && keys.length >= 1, 'no keys');
    const kids = new Set();
    for (const k of keys) {
      assert.equal(typeof k.kty, 'string');
      assert.equal(typeof k.kid, 'string', 'key without kid');
      assert.ok(!kids.has(k.kid), `duplicate kid ${k.kid}`);
      kids.add(k.kid);
      // SPEC: RFC7517 - private members of EC/RSA/OKP keys never published
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
        assert.ok(!(priv in k), `private member "${priv}" published in key ${k.kid}`);
      }
    }
    assert.ok(keys.some((k) => k.kty === 'EC' && k.crv === 'P-256' && (k.alg ?? 'ES256') === 'ES256'),
      'no ES256 key published');
  });

  test('unknown path is a JSON 404', async () => {
    const r = await readResponse(await fetch(`${srv.issuer}/.well-known/nope`));
    assert.equal(r.status, 404);
    assert.ok(r.json && typeof r.json.error === 'string', r.text);
  });

  test('health endpoints answer', async () => {
    for (const p of ['/health/alive', '/health/ready']) {
      const r = await fetch(`${srv.issuer}${p}`);
      await r.arrayBuffer();
      assert.equal(r.status, 200, p);
    }
  });
});
