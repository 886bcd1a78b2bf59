// Token revocation (RFC 7009): a client revokes its own tokens; another client's token or
// an unknown one gets 200 and nothing changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { basic, ccToken, discover, introspect, postForm, revoke } from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let as;
const clients = {};

before(async () => {
  srv = await startServer({ name: 'revocation' });
  as = await discover(srv);
  const base = { grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' };
  clients.jwt = await srv.createClient({ ...base, client_name: 'rev jwt', access_token_strategy: 'jwt' });
  clients.opaque = await srv.createClient({ ...base, client_name: 'rev opaque', access_token_strategy: 'opaque' });
  clients.other = await srv.createClient({ ...base, client_name: 'rev other', token_endpoint_auth_method: 'client_secret_post' });
});
after(async () => { await srv?.dispose(); });

for (const kind of ['jwt', 'opaque']) {
  describe(`revocation of ${kind} tokens`, () => {
    test('own token -> 200, then inactive', async () => {
      const c = clients[kind];
      const t = await ccToken(as, c);
      assert.equal((await introspect(as, c, t.access_token)).active, true);
      const r = await postForm(as.revocation_endpoint, { token: t.access_token, token_type_hint: 'access_token' },
        { authorization: basic(c.client_id, c.client_secret) });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(await introspect(as, c, t.access_token), { active: false });
      // revoking again is still 200
      await revoke(as, c, t.access_token);
    });

    test('revocation through oauth4webapi', async () => {
      const c = clients[kind];
      const t = await ccToken(as, c);
      await revoke(as, c, t.access_token);
      assert.equal((await introspect(as, c, t.access_token)).active, false);
    });

    test('revoking one token leaves the client\'s other tokens active', async () => {
      const c = clients[kind];
      const a = await ccToken(as, c);
      const b = await ccToken(as, c);
      await revoke(as, c, a.access_token);
      assert.equal((await introspect(as, c, a.access_token)).active, false);
      assert.equal((await introspect(as, c, b.access_token)).active, true);
    });

    test('another client\'s token -> 200, and it stays active', async () => {
      const c = clients[kind];
      const t = await ccToken(as, c);
      const r = await postForm(as.revocation_endpoint, {
        token: t.access_token, client_id: clients.other.client_id, client_secret: clients.other.client_secret,
      });
      assert.equal(r.status, 200, r.text);
      assert.equal((await introspect(as, c, t.access_token)).active, true);
    });
  });
}

describe('revocation edge cases', () => {
  test('unknown token -> 200', async () => {
    for (const token of ['gh_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 'whatever']) {
      const r = await postForm(as.revocation_endpoint, { token },
        { authorization: basic(clients.jwt.client_id, clients.jwt.client_secret) });
      assert.equal(r.status, 200, `${token}: ${r.text}`);
    }
  });

  test('unauthenticated -> 401 invalid_client, token untouched', async () => {
    const t = await ccToken(as, clients.opaque);
    const r = await postForm(as.revocation_endpoint, { token: t.access_token });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'invalid_client');
    assert.equal((await introspect(as, clients.opaque, t.access_token)).active, true);
  });

  test('missing token -> 400 invalid_request', async () => {
    const r = await postForm(as.revocation_endpoint, {},
      { authorization: basic(clients.jwt.client_id, clients.jwt.client_secret) });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_request');
  });
});
