// `gatehouse audit why SEQ|TOKEN [--json]` end to end: a user authorizes a client through the
// built-in login and consent pages (granting less than was asked), the access token reports a
// tool call, and `audit why` walks from that event back to the token, the code exchange that
// obtained the grant, the consent (scopes asked and given, catalog version), the user's login
// and the client; after a refresh the new token walks back to the same grant and exchange.
// Unknown starts exit 1 with a message.
// The resource form (`audit why example.com`, `zone=example.com`, `--resource 1`): a second
// client's token reports record changes on two zones, some refused; the command lists the
// calls whose arguments name the resource and walks back from the latest that succeeded,
// narrowed by time, client and subject.
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
    assert.match(r.stdout, /^ {2}why SEQ\|TOKEN\|RESOURCE \[--json\]$/m);
    assert.match(r.stdout, /^ {2}why --resource VALUE \[--since T\] \[--until T\] \[--subject S\] \[--client C\] \[--json\]$/m);
  });
});

describe('audit why RESOURCE', () => {
  let app2;
  let t2;
  const seqs = {};

  before(async () => {
    app2 = await srv.createClient(webClient({ client_name: 'Why DNS Agent' }));
    const cfg2 = await oidcConfig(srv, app2);
    const res = await startFlow(cfg2, new UserAgent({ origin: srv.issuer }), {
      user, scope: 'openid dns:read dns:write', grant: ['openid', 'dns:read', 'dns:write'],
    });
    assertCode(res, srv);
    t2 = await exchange(cfg2, res);
    const call = (tool, args, outcome) => reportCall(t2.access_token, { tool, args, outcome });
    seqs.refused = await call('update_record', { zone: 'example.com', id: 1, content: '203.0.113.66' }, 'denied');
    seqs.changed = await call('update_record', { zone: 'example.com', id: 1, content: '203.0.113.77' }, 'ok');
    seqs.other = await call('delete_record', { zone: 'example.org', id: 2 }, 'ok');
    seqs.retry = await call('update_record', { zone: 'example.com', id: 1, content: '203.0.113.88' }, 'denied');
    seqs.net = await call('create_record', { zone: 'example.net', record: { name: 'www', type: 'A', content: ['192.0.2.7'] } }, 'denied');
  });

  async function reportCall(accessToken, { tool, args, outcome }) {
    const r = await readResponse(await srv.fetch('/oauth2/audit/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ model_id: 'm-2', tool, arguments: args, outcome, response: '{}' }),
    }));
    assert.equal(r.status, 201, r.text);
    return r.json.seq;
  }

  async function whyOk(args) {
    const r = await why([...args, '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout);
  }

  test('a resource lists its tool calls and walks back from the latest that succeeded', async () => {
    const w = await whyOk(['example.com']);
    assert.deepEqual(Object.keys(w).sort(), ['chain', 'matches', 'resource', 'total']);
    assert.equal(w.resource, 'example.com');
    assert.equal(w.total, 3);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.refused, seqs.changed, seqs.retry]);
    assert.deepEqual(w.matches.map((m) => m.outcome), ['denied', 'ok', 'denied']);
    const m = w.matches[1];
    assert.equal(m.tool, 'update_record');
    assert.equal(m.model_id, 'm-2');
    assert.equal(m.client_id, app2.client_id);
    assert.match(m.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ev = await event(seqs.changed);
    assert.equal(m.subject, ev.subject);
    assert.equal(m.token_id, ev.token_id);

    // the chain is exactly what the seq form prints for that event
    assert.equal(w.chain.action.seq, seqs.changed);
    assert.equal(w.chain.action.outcome, 'ok');
    assert.deepEqual(w.chain, await whyJson(seqs.changed));
    assert.equal(w.chain.token.id, ev.token_id);
    assert.equal(w.chain.grant.id, ev.data.grant_id);
    assert.deepEqual([...w.chain.consent.granted].sort(), scopes('openid dns:read dns:write'));
    assert.equal(w.chain.consent.catalog_version, ev.data.catalog_version);
    assert.equal(w.chain.client.client_id, app2.client_id);
    assert.equal(w.chain.client.client_name, 'Why DNS Agent');
    assert.equal(w.chain.subject, ev.subject);
  });

  test('KEY=VALUE needs that member; --resource takes a value that looks like a seq', async () => {
    let w = await whyOk(['zone=example.com']);
    assert.equal(w.total, 3);
    assert.equal(w.chain.action.seq, seqs.changed);
    w = await whyOk(['zone=example.org']);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.other]);
    w = await whyOk(['id=2']);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.other]);
    w = await whyOk(['name=www']); // a member at any depth
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.net]);
    let r = await why(['name=example.com']); // the member must hold the value
    assert.equal(r.code, 1, r.stdout);
    r = await why(['content=192.0.2.7']); // itself, not in an array
    assert.equal(r.code, 1, r.stdout);

    // "1" alone is the event seq 1; --resource 1 is the record id
    r = await why(['1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names no token/);
    w = await whyOk(['--resource', '1']);
    assert.equal(w.resource, '1');
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.refused, seqs.changed, seqs.retry]);
    assert.equal(w.chain.action.seq, seqs.changed);
    w = await whyOk(['--resource', 'example.org']);
    assert.equal(w.chain.action.seq, seqs.other);
    // a scalar anywhere, nested in objects and arrays
    w = await whyOk(['192.0.2.7']);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.net]);
  });

  test('when no call succeeded the chain is the latest attempt, and says so', async () => {
    const w = await whyOk(['example.net']);
    assert.equal(w.total, 1);
    assert.equal(w.chain.action.seq, seqs.net);
    assert.equal(w.chain.action.outcome, 'denied');
    const r = await why(['example.net']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^none succeeded; why event ${seqs.net}, the latest attempt:$`, 'm'));
  });

  test('readable text: the calls, newest last, then the chain', async () => {
    const r = await why(['example.com']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'resource example.com: 3 tool calls');
    const calls = lines.slice(1, 4);
    assert.deepEqual(calls.map((l) => Number(/^ {2}event (\d+) at /.exec(l)?.[1])),
      [seqs.refused, seqs.changed, seqs.retry]);
    assert.match(calls[1], new RegExp(`: update_record, outcome ok, model m-2, client ${app2.client_id}, user \\S+$`));
    assert.match(calls[2], /outcome denied/);
    assert.equal(lines[4], '');
    assert.equal(lines[5], `why event ${seqs.changed}, the latest that succeeded:`);
    assert.match(lines[6], new RegExp(`^action: {2}event ${seqs.changed} tool\\.called at `));
    assert.ok(r.stdout.includes(`client:  ${app2.client_id} (Why DNS Agent)`), r.stdout);
    assert.match(r.stdout, /given (openid|dns:read|dns:write)( (openid|dns:read|dns:write)){2}\n/);
  });

  test('--since, --until, --client and --subject narrow the calls', async () => {
    const changedAt = (await event(seqs.changed)).time;
    assert.match(changedAt, /\.\d+Z$/);
    let w = await whyOk(['example.com', '--since', changedAt]);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.changed, seqs.retry]);
    w = await whyOk(['example.com', '--until', changedAt]);
    assert.deepEqual(w.matches.map((m) => m.seq), [seqs.refused]);
    assert.equal(w.chain.action.seq, seqs.refused);
    w = await whyOk(['--resource', '1', '--client', app2.client_id, '--subject', w.chain.subject]);
    assert.equal(w.total, 3);
    let r = await why(['example.com', '--since', '2000-01-01T00:00:00Z', '--until', '946771200']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no tool call names it as a resource \(within the filters given\)/);
    r = await why(['example.com', '--client', app.client_id]);
    assert.equal(r.code, 1);
    r = await why(['--resource', 'example.com', '--since', '2999-01-01T00:00:00Z']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no tool call names the resource example\.com \(within the filters given\)/);
    r = await why(['example.com', '--since', 'yesterday']);
    assert.equal(r.code, 2);
  });

  test('a resource with many calls lists the latest 20 and counts the rest', async () => {
    const many = [];
    for (let i = 0; i < 22; i++) {
      many.push(await reportCall(t2.access_token, { tool: 'list_records', args: { zone: 'many.example', page: i }, outcome: 'ok' }));
    }
    const w = await whyOk(['many.example']);
    assert.equal(w.total, 22);
    assert.deepEqual(w.matches.map((m) => m.seq), many.slice(2));
    assert.equal(w.chain.action.seq, many[21]);
    const r = await why(['zone=many.example']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^resource zone=many\.example: 22 tool calls\n {2}\(2 earlier not shown\)\n {2}event /);
  });

  test('no match exits 1; filters on a seq or a token and two starts are usage errors', async () => {
    let r = await why(['nothing.example']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no tool call names it as a resource/);
    r = await why(['--resource', 'nothing.example', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no tool call names the resource nothing\.example/);
    r = await why(['--resource', 'example.com', 'example.org']);
    assert.equal(r.code, 2);
    r = await why([String(seqs.changed), '--since', '2000-01-01T00:00:00Z']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /apply to a resource/);
    r = await why([t2.access_token, '--client', app2.client_id]);
    assert.equal(r.code, 2);
    // a token id the trail knows stays a token
    const ev = await event(seqs.changed);
    const w = await whyOk([ev.token_id]);
    assert.equal(w.action, null);
    assert.equal(w.token.id, ev.token_id);
  });
});
