// `gatehouse audit why SEQ|TOKEN [--json]` end to end: a user authorizes a client through the
// built-in login and consent pages (granting less than was asked), the access token reports a
// tool call, and `audit why` walks from that event back to the token, the code exchange that
// obtained the grant, the consent (scopes asked and given, catalog version), the user's login
// and the client; after a refresh the new token walks back to the same grant and exchange.
// Unknown starts exit 1 with a message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { UserAgent } from './lib/agent.mjs';
import { readResponse } from './lib/oauth.mjs';
import { assertCode, client, exchange, oidcConfig, scopes, startFlow, webClient } from './lib/oidc.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'correct horse battery staple';
const ASKED = 'openid offline_access dns:read dns:write logs:read';
const GIVEN = 'openid offline_access dns:read logs:read';
let srv;
let app;
let cfg;
let user;
let tokens;

before(async () => {
  srv = await startServer({ name: 'audit-why' });
  app = await srv.createClient(webClient({ client_name: 'Why App' }));
  cfg = await oidcConfig(srv, app);
  user = await srv.createUser('whyuser', PASSWORD, { name: 'Why User' });
  const res = await startFlow(cfg, new UserAgent({ origin: srv.issuer }), {
    user, scope: ASKED, grant: GIVEN.split(' '),
  });
  assertCode(res, srv);
  tokens = await exchange(cfg, res);
  assert.deepEqual(scopes(tokens.scope), scopes(GIVEN));
});
after(async () => { await srv?.dispose(); });

async function report(accessToken, tool) {
  const r = await readResponse(await srv.fetch('/oauth2/audit/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ model_id: 'm-1', tool, arguments: {}, outcome: 'ok', response: '[]' }),
  }));
  assert.equal(r.status, 201, r.text);
  return r.json.seq;
}

async function event(seq) {
  const r = await readResponse(await srv.adminFetch(`/admin/audit/events?type=tool.called&limit=500`));
  assert.equal(r.status, 200, r.text);
  const ev = r.json.find((e) => e.seq === seq);
  assert.ok(ev, `event ${seq} listed`);
  return ev;
}

async function why(args) {
  const r = await srv.cli(['audit', 'why', ...args]);
  return r;
}

async function whyJson(start) {
  const r = await why([String(start), '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout);
}

describe('audit why', () => {
  let first;
  let firstEvent;

  test('a tool call walks back to its token, grant, consent, login and client', async () => {
    const seq = await report(tokens.access_token, 'dns.list');
    firstEvent = await event(seq);
    first = await whyJson(seq);

    assert.equal(first.action.seq, seq);
    assert.equal(first.action.type, 'tool.called');
    assert.equal(first.action.tool, 'dns.list');
    assert.equal(first.action.model_id, 'm-1');

    assert.equal(first.token.id, firstEvent.token_id);
    assert.deepEqual([...first.token.scope].sort(), scopes(GIVEN));
    assert.equal(first.token.grant_type, 'authorization_code');
    assert.equal(first.token.issued_by.type, 'code.exchanged');
    assert.ok(first.token.issued_by.seq < seq);
    assert.match(first.token.expires_at, /^\d{4}-\d\d-\d\dT/);

    assert.equal(typeof first.grant.id, 'string');
    assert.equal(first.grant.id, firstEvent.data.grant_id);
    assert.equal(first.grant.obtained_by.seq, first.token.issued_by.seq);
    assert.deepEqual(first.grant.refreshes, []);

    assert.equal(first.subject, firstEvent.subject);
    if (user.id) assert.equal(first.subject, user.id);
    assert.equal(first.consent.type, 'consent.granted');
    assert.ok(first.consent.seq < first.grant.obtained_by.seq);
    assert.deepEqual([...first.consent.granted].sort(), scopes(GIVEN));
    assert.deepEqual([...first.consent.requested].sort(), scopes(ASKED));
    assert.equal(typeof first.consent.catalog_version, 'number');
    assert.equal(first.consent.catalog_version, firstEvent.data.catalog_version);

    assert.ok(['login.succeeded', 'login.accepted'].includes(first.login.type), first.login.type);
    assert.ok(first.login.seq < first.consent.seq);

    assert.equal(first.client.client_id, app.client_id);
    assert.equal(first.client.client_name, 'Why App');
    assert.equal(first.client.created.type, 'client.created');
    assert.ok(first.client.created.seq < first.login.seq);
  });

  test('the token id (or a JWT value) gives the same chain, without an action', async () => {
    const byToken = await whyJson(firstEvent.token_id);
    assert.equal(byToken.action, null);
    assert.equal(byToken.token.id, first.token.id);
    assert.equal(byToken.grant.id, first.grant.id);
    assert.equal(byToken.consent.seq, first.consent.seq);
    // a JWT access token's value: its jti is the id
    assert.equal(first.token.format, 'jwt');
    const byValue = await whyJson(tokens.access_token);
    assert.equal(byValue.token.id, first.token.id);
    assert.equal(byValue.grant.id, first.grant.id);
  });

  test('readable text names each link', async () => {
    const r = await why([String(first.action.seq)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^action: {2}event \d+ tool\.called at /m);
    assert.match(r.stdout, /tool dns\.list, model m-1, outcome ok/);
    assert.ok(r.stdout.includes(`token:   ${first.token.id}`), r.stdout);
    assert.ok(r.stdout.includes(`grant:   ${first.grant.id}`), r.stdout);
    assert.match(r.stdout, /obtained by event \d+ code\.exchanged/);
    assert.match(r.stdout, /given (openid|offline_access|dns:read|logs:read)( (openid|offline_access|dns:read|logs:read)){3}\n/);
    assert.match(r.stdout, /scope catalog version \d+/);
    assert.match(r.stdout, /^login: {3}event \d+ login\./m);
    assert.ok(r.stdout.includes(`client:  ${app.client_id} (Why App)`), r.stdout);
  });

  test('a refreshed token walks back through the rotation to the same grant', async () => {
    const t2 = await client.refreshTokenGrant(cfg, tokens.refresh_token);
    const t3 = await client.refreshTokenGrant(cfg, t2.refresh_token);
    const seq = await report(t3.access_token, 'logs.read');
    const w = await whyJson(seq);
    assert.equal(w.action.tool, 'logs.read');
    assert.notEqual(w.token.id, first.token.id);
    assert.equal(w.token.grant_type, 'refresh_token');
    assert.equal(w.token.issued_by.type, 'token.refreshed');
    assert.equal(w.grant.id, first.grant.id);
    assert.equal(w.grant.obtained_by.seq, first.grant.obtained_by.seq);
    assert.equal(w.grant.refreshes.length, 2);
    assert.equal(w.grant.refreshes[1].seq, w.token.issued_by.seq);
    assert.equal(w.consent.seq, first.consent.seq);
    assert.deepEqual([...w.consent.granted].sort(), scopes(GIVEN));
    assert.equal(w.subject, first.subject);
  });

  test('an unknown start exits 1 with a message', async () => {
    let r = await why(['999999']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no audit event with seq 999999/);
    r = await why(['no-such-token']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no token no-such-token/);
    r = await why(['1']); // the first event names no token
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names no token/);
    r = await why([]);
    assert.equal(r.code, 2);
  });

  test('audit --help lists why', async () => {
    const r = await srv.cli(['audit', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}why SEQ\|TOKEN \[--json\]$/m);
  });
});
