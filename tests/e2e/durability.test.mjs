// Acknowledged means committed: tokens whose response reached the client are still there
// after the server is killed with SIGKILL right after the responses and restarted on the
// same database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ccToken, discover, introspect, revoke } from './lib/oauth.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let as;
let opaque;
let jwt;

before(async () => {
  srv = await startServer({ name: 'durability' });
  as = await discover(srv);
  const base = { grant_types: ['client_credentials'], response_types: [], scope: 'dns:read logs:read', token_endpoint_auth_method: 'client_secret_basic' };
  opaque = await srv.createClient({ ...base, client_id: 'dur-opaque', access_token_strategy: 'opaque' });
  jwt = await srv.createClient({ ...base, client_id: 'dur-jwt', access_token_strategy: 'jwt' });
});
after(async () => { await srv?.dispose(); });

async function restartAfterKill9() {
  const r = await srv.kill9();
  assert.equal(r.signal, 'SIGKILL');
  await srv.start();
  as = await discover(srv);
}

describe('durability across kill -9', () => {
  test('one token, killed right after the response', async () => {
    const t = await ccToken(as, opaque);
    await restartAfterKill9();
    const r = await introspect(as, opaque, t.access_token);
    assert.equal(r.active, true, `token acknowledged before kill -9 is gone: ${JSON.stringify(r)}`);
    assert.equal(r.client_id, 'dur-opaque');
  });

  test('concurrent tokens (group commit), killed right after the last response', async () => {
    const pending = [];
    for (let i = 0; i < 40; i += 1) pending.push(ccToken(as, i % 2 ? opaque : jwt, { scope: i % 3 ? 'dns:read' : 'logs:read' }));
    const tokens = await Promise.all(pending);
    await restartAfterKill9();
    for (const [i, t] of tokens.entries()) {
      const r = await introspect(as, i % 2 ? opaque : jwt, t.access_token);
      assert.equal(r.active, true, `token ${i} acknowledged before kill -9 is gone`);
      assert.equal(r.scope, i % 3 ? 'dns:read' : 'logs:read');
    }
  });

  test('a revocation acknowledged before kill -9 holds', async () => {
    const t = await ccToken(as, opaque);
    const j = await ccToken(as, jwt);
    await revoke(as, opaque, t.access_token);
    await revoke(as, jwt, j.access_token);
    await restartAfterKill9();
    assert.equal((await introspect(as, opaque, t.access_token)).active, false, 'revoked opaque token active again');
    assert.equal((await introspect(as, jwt, j.access_token)).active, false, 'revoked JWT active again');
  });

  test('signing keys survive a restart (old JWTs still verify)', async () => {
    const t = await ccToken(as, jwt);
    const kidsBefore = (await (await fetch(as.jwks_uri)).json()).keys.map((k) => k.kid).sort();
    await restartAfterKill9();
    const kidsAfter = (await (await fetch(as.jwks_uri)).json()).keys.map((k) => k.kid).sort();
    assert.deepEqual(kidsAfter, kidsBefore, 'the key set changed across a restart');
    assert.equal((await introspect(as, jwt, t.access_token)).active, true);
  });

  test('a client registered just before kill -9 exists after', async () => {
    const resp = await fetch(as.registration_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], scope: 'dns:read', token_endpoint_auth_method: 'client_secret_basic' }),
    });
    const reg = await resp.json();
    assert.equal(resp.status, 201, JSON.stringify(reg));
    await restartAfterKill9();
    const t = await ccToken(as, reg);
    assert.equal(t.scope, 'dns:read');
  });
});
