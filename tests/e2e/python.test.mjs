// The same flows through an independent Python library: Debian's python3-authlib (run with
// /usr/bin/python3): client credentials (python/authlib_cc.py) and the authorization code flow
// with PKCE S256 through the built-in pages, ID token, userinfo and refresh rotation
// (python/authlib_authcode.py). Needs the Debian packages python3-authlib and python3-requests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { E2E_DIR, startServer } from './lib/server.mjs';

const PYTHON = process.env.GATEHOUSE_E2E_PYTHON ?? '/usr/bin/python3';
let srv;

before(async () => { srv = await startServer({ name: 'python' }); });
after(async () => { await srv?.dispose(); });

test('python3-authlib: client_credentials (client_secret_basic), introspection, revocation', async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `${PYTHON} lacks authlib/requests (Debian: apt-get install python3-authlib python3-requests): ${probe.stderr}`);
  const c = await srv.createClient({
    client_name: 'authlib', grant_types: ['client_credentials'], response_types: [],
    scope: 'dns:read logs:read', token_endpoint_auth_method: 'client_secret_basic',
  });
  const r = spawnSync(PYTHON, [path.join(E2E_DIR, 'python', 'authlib_cc.py')], {
    encoding: 'utf8',
    timeout: 60000,
    env: { PATH: process.env.PATH, GATEHOUSE_ISSUER: srv.issuer, CLIENT_ID: c.client_id, CLIENT_SECRET: c.client_secret },
  });
  assert.equal(r.status, 0, `authlib_cc.py failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ok/);
});

test('python3-authlib: authorization code with PKCE S256, consent narrowing, ID token, userinfo, refresh rotation', async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `${PYTHON} lacks authlib/requests (Debian: apt-get install python3-authlib python3-requests): ${probe.stderr}`);
  const redirect = 'https://authlib.example.test/callback';
  const c = await srv.createClient({
    client_name: 'authlib web', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'], scope: 'openid email offline_access dns:read dns:write',
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const password = 'a python password 1';
  await srv.createUser('pyuser', password, { email: 'pyuser@example.test', emailVerified: true });
  const r = spawnSync(PYTHON, [path.join(E2E_DIR, 'python', 'authlib_authcode.py')], {
    encoding: 'utf8',
    timeout: 60000,
    env: {
      PATH: process.env.PATH, GATEHOUSE_ISSUER: srv.issuer, CLIENT_ID: c.client_id, CLIENT_SECRET: c.client_secret,
      REDIRECT_URI: redirect, USERNAME: 'pyuser', PASSWORD: password,
    },
  });
  assert.equal(r.status, 0, `authlib_authcode.py failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ok/);
});
