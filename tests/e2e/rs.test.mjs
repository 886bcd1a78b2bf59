// The resource-server kit (rs/, libgatehouse_rs) against a live gatehouse, through its CLI
// gatehouse-rs-check (built next to the gatehouse binary; GATEHOUSE_RS_CHECK overrides): a JWT
// access token for https://api.example.test verified against the JWKS, an opaque one
// introspected with the resource server's client (demo-api), and the refusals a resource
// server must make (another audience, a tampered token, a missing scope, a revoked token).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ccToken, discover, revoke } from './lib/oauth.mjs';
import { binary, RESOURCE, RESOURCE_CLIENT_ID, startServer } from './lib/server.mjs';

let srv;
let as;
let jwtClient;
let opaqueClient;
let rsClient;

const SCOPE = 'dns:read logs:read';

function checkBinary() {
  const p = process.env.GATEHOUSE_RS_CHECK ?? path.join(path.dirname(binary()), 'gatehouse-rs-check');
  if (!existsSync(p)) throw new Error(`${p} not found: build the gatehouse-rs-check target`);
  return p;
}

/** Runs gatehouse-rs-check; resolves with { code, out (parsed JSON or undefined), stderr }. */
function rsCheck(token, { resource = RESOURCE, scope, introspect = false, online = false, report, env = {} } = {}) {
  const args = ['--issuer', srv.issuer, '--resource', resource];
  if (scope) args.push('--scope', scope);
  if (introspect || online) args.push('--client-id', rsClient.client_id);
  if (online) args.push('--online');
  if (report) args.push('--report', report, '--model-id', 'e2e-model');
  args.push('-');
  return new Promise((resolve, reject) => {
    const child = spawn(checkBinary(), args, {
      env: { PATH: process.env.PATH, GATEHOUSE_RS_CLIENT_SECRET: rsClient.client_secret, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let out;
      try { out = JSON.parse(stdout); } catch { out = undefined; }
      resolve({ code, out, stdout, stderr });
    });
    child.stdin.end(`${token}\n`); // the token goes through stdin, never argv
  });
}

before(async () => {
  srv = await startServer({ name: 'rs' });
  as = await discover(srv);
  const base = { grant_types: ['client_credentials'], response_types: [], scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' };
  jwtClient = await srv.createClient({ ...base, client_name: 'rs jwt', access_token_strategy: 'jwt' });
  opaqueClient = await srv.createClient({ ...base, client_name: 'rs opaque', access_token_strategy: 'opaque' });
  rsClient = await srv.createClient({ ...base, client_id: RESOURCE_CLIENT_ID, client_name: 'Demo API', scope: 'dns:read' });
});
after(async () => { await srv?.dispose(); });

describe('resource-server kit against a live issuer', () => {
  test('JWT access token for the resource: accepted, claims and scopes reported', async () => {
    const t = await ccToken(as, jwtClient, { scope: SCOPE, resource: RESOURCE });
    assert.equal(t.access_token.split('.').length, 3);
    const r = await rsCheck(t.access_token, { scope: 'dns:read' });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, true);
    assert.equal(r.out.introspected, false);
    assert.equal(r.out.client_id, jwtClient.client_id);
    assert.equal(r.out.sub, jwtClient.client_id);
    assert.deepEqual(r.out.scope.split(' ').sort(), SCOPE.split(' ').sort());
    assert.equal(typeof r.out.jti, 'string');
    assert.ok(r.out.exp > Date.now() / 1000);
    assert.equal(r.out.claims.iss, srv.issuer);
    assert.equal(r.out.scope_ok, true);
  });

  test('JWT without dns:write: 403 insufficient_scope with the scope and resource_metadata', async () => {
    const t = await ccToken(as, jwtClient, { scope: SCOPE, resource: RESOURCE });
    const r = await rsCheck(t.access_token, { scope: 'dns:write' });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, true);
    assert.equal(r.out.scope_ok, false);
    assert.equal(r.out.status, 403);
    // SPEC: RFC6750 3.1 insufficient_scope; RFC9728 5.1 resource_metadata
    assert.equal(r.out.www_authenticate,
      `Bearer error="insufficient_scope", scope="dns:write", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`);
  });

  test('JWT for another audience (none given) or tampered: 401 invalid_token', async () => {
    const noAud = await ccToken(as, jwtClient, { scope: SCOPE });
    let r = await rsCheck(noAud.access_token);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, false);
    assert.equal(r.out.status, 401);
    assert.match(r.out.www_authenticate, /^Bearer error="invalid_token", resource_metadata="/);

    const t = await ccToken(as, jwtClient, { scope: 'dns:read', resource: RESOURCE });
    r = await rsCheck(t.access_token, { resource: 'https://other.example.test' });
    assert.equal(r.out.active, false);
    assert.equal(r.out.error, 'wrong audience');

    const [h, p, s] = t.access_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.scope = 'dns:read dns:write';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    r = await rsCheck(forged, { scope: 'dns:write' });
    assert.equal(r.code, 1);
    assert.equal(r.out.active, false);
    assert.equal(r.out.error, 'bad signature');
  });

  test('opaque token: introspected with the resource server client, then revoked', async () => {
    const t = await ccToken(as, opaqueClient, { scope: 'dns:read', resource: RESOURCE });
    assert.ok(!t.access_token.includes('.'));
    let r = await rsCheck(t.access_token, { introspect: true, scope: 'dns:read' });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, true);
    assert.equal(r.out.introspected, true);
    assert.equal(r.out.client_id, opaqueClient.client_id);
    assert.equal(r.out.scope, 'dns:read');

    // without credentials the kit cannot accept an opaque token
    r = await rsCheck(t.access_token);
    assert.equal(r.code, 1);
    assert.equal(r.out.active, false);

    // each run is a new process (no cache): a revoked token is refused at once
    await revoke(as, opaqueClient, t.access_token);
    r = await rsCheck(t.access_token, { introspect: true });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, false);
    assert.equal(r.out.error, 'inactive token');
  });

  test('--online: a revoked JWT passes the local check and is refused by the issuer', async () => {
    const t = await ccToken(as, jwtClient, { scope: SCOPE, resource: RESOURCE });
    let r = await rsCheck(t.access_token, { online: true, scope: 'dns:read' });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, true);
    assert.equal(r.out.introspected, true);
    await revoke(as, jwtClient, t.access_token);
    r = await rsCheck(t.access_token, { scope: 'dns:read' });
    assert.equal(r.code, 0, 'the local check alone cannot see a revocation');
    assert.equal(r.out.active, true);
    r = await rsCheck(t.access_token, { online: true, scope: 'dns:read' });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.equal(r.out.active, false);
    assert.equal(r.out.status, 401);
    const bad = await new Promise((resolve) => {
      const child = spawn(checkBinary(), ['--issuer', srv.issuer, '--resource', RESOURCE, '--online', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
      child.on('close', (code) => resolve({ code, err }));
      child.stdin.end(`${t.access_token}\n`);
    });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--online needs --client-id/);
  });

  test('tool-call report to /oauth2/audit/events with the access token', async () => {
    const tok = await ccToken(as, jwtClient, { scope: SCOPE, resource: RESOURCE });
    const r = await rsCheck(tok.access_token, { scope: 'dns:read', report: 'dns.list_records' });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.ok(r.out.report_status >= 200 && r.out.report_status < 300, `report answered ${r.out.report_status}`);
  });
});
